package io.nvent.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nvent.FlowStep;
import io.nvent.FailedAttempt;
import io.nvent.NventException;
import io.nvent.RetryDecider;
import io.nvent.RetryDecision;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A step that takes its fakes through its constructor runs in a test, but an {@code @ApplicationScoped} step (the
 * default) without a constructor the container's proxy can use fails the deployment: the test says so.
 */
class FlowTestEnvironmentDeployableTest {

    public interface Mailer {
        void send(String text);
    }

    /** What a team writes first: its fakes through the constructor, and no constructor for the container's proxy. */
    @FlowStep(flow = "welcome", name = "mail", role = StepRole.ENTRY)
    public static class MailWithoutProxyConstructor implements Step<Object, Void> {
        private final Mailer mailer;

        public MailWithoutProxyConstructor(Mailer mailer) {
            this.mailer = mailer;
        }

        @Override
        public Void execute(Object input, StepContext ctx) {
            mailer.send("welcome");
            return null;
        }
    }

    /** What deploys and takes its fakes in a test: an {@code @Inject} constructor, and one for the proxy. */
    @FlowStep(flow = "welcome", name = "mail", role = StepRole.ENTRY)
    public static class Mail implements Step<Object, Void> {
        private Mailer mailer;

        protected Mail() {
        }

        @Inject
        public Mail(Mailer mailer) {
            this.mailer = mailer;
        }

        @Override
        public Void execute(Object input, StepContext ctx) {
            mailer.send("welcome");
            return null;
        }
    }

    /** Asks its partner how long to wait: made by the application's {@code @Produces} method in the container. */
    public static class PartnerRetries implements RetryDecider {
        private final Duration wait;

        public PartnerRetries(Duration wait) {
            this.wait = wait;
        }

        @Override
        public RetryDecision decide(FailedAttempt failed) {
            return RetryDecision.retryAfter(wait);
        }
    }

    @FlowStep(flow = "sync", name = "push", role = StepRole.ENTRY, retryDecider = PartnerRetries.class)
    public static class Push implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    final List<LogRecord> logged = new CopyOnWriteArrayList<>();
    final Logger logger = Logger.getLogger(FlowTestEnvironment.class.getName());
    final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord entry) {
            logged.add(entry);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    {
        logger.addHandler(handler);
    }

    @AfterEach
    void stopListening() {
        logger.removeHandler(handler);
    }

    @Test
    void aStepTheContainerCouldNotProxyRunsButTheTestIsWarnedThatItWouldFailTheDeployment() {
        List<String> sent = new CopyOnWriteArrayList<>();
        try (FlowTestEnvironment env = FlowTestEnvironment.of(new MailWithoutProxyConstructor(sent::add))) {
            env.startAndAwait("welcome", "ann");

            assertThat(sent).containsExactly("welcome");
            assertThat(logged).filteredOn(entry -> entry.getLevel() == Level.WARNING).singleElement()
                    .satisfies(entry -> assertThat(entry.getMessage())
                            .startsWith("NVENT-0049 the steps run in this FlowTestEnvironment but would fail a "
                                    + "deployment:\n  NVENT-0197 " + MailWithoutProxyConstructor.class.getName())
                            .contains("requireDeployable(true)"));
        }
    }

    @Test
    void aTestThatRequiresDeployableStepsFailsOnSuchAStepWithTheDeploymentsMessage() {
        assertThatThrownBy(() -> FlowTestEnvironment.newBuilder().step(new MailWithoutProxyConstructor(text -> { }))
                .requireDeployable(true).build())
                .isInstanceOf(NventException.class)
                .hasMessageStartingWith("NVENT-0151 the flows are invalid:\n  NVENT-0197 "
                        + MailWithoutProxyConstructor.class.getName());
    }

    @Test
    void aStepWhoseRetryDeciderTheTestGivesIsNotSaidToFailTheDeploymentWhereAProducerMayServeIt() {
        try (FlowTestEnvironment env = FlowTestEnvironment.newBuilder().step(new Push())
                .engine(engine -> engine.retryDecider(new PartnerRetries(Duration.ofMinutes(1)))).build()) {
            env.startAndAwait("sync", "ann");

            assertThat(logged).noneMatch(entry -> entry.getLevel() == Level.WARNING);
        }
    }

    @Test
    void aStepWithAnInjectConstructorAndOneForTheProxyDeploysAndRunsOnItsFakes() {
        List<String> sent = new CopyOnWriteArrayList<>();
        try (FlowTestEnvironment env = FlowTestEnvironment.newBuilder().step(new Mail(sent::add))
                .requireDeployable(true).build()) {
            env.startAndAwait("welcome", "ann");

            assertThat(sent).containsExactly("welcome");
            assertThat(logged).noneMatch(entry -> entry.getLevel() == Level.WARNING);
        }
    }
}
