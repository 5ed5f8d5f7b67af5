package io.nvent.cdi.internal;

import static io.nvent.cdi.internal.CdiIntegrationTest.engineWith;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FailedAttempt;
import io.nvent.FlowService;
import io.nvent.FlowStep;
import io.nvent.RetryDecider;
import io.nvent.RetryDecision;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.FlowValidation;
import jakarta.enterprise.inject.spi.DeploymentException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.Test;

/** A step's retry decider is a CDI bean, looked up for each decision; a class that is none fails the deployment. */
class RetryDeciderBeansTest {

    /** Retries at once after attempt 1, gives up after attempt 2; one instance per decision. */
    @jakarta.enterprise.context.Dependent
    public static class OncePerDecision implements RetryDecider {
        static final AtomicInteger MADE = new AtomicInteger();
        static final AtomicInteger DESTROYED = new AtomicInteger();

        OncePerDecision() {
            MADE.incrementAndGet();
        }

        @Override
        public RetryDecision decide(FailedAttempt failed) {
            return failed.attempt() == 1 ? RetryDecision.retryAfter(Duration.ofMillis(10))
                    : RetryDecision.giveUp("tried twice, enough");
        }

        @jakarta.annotation.PreDestroy
        void destroyed() {
            DESTROYED.incrementAndGet();
        }
    }

    @FlowStep(flow = "decided", name = "call", role = StepRole.ENTRY, maxAttempts = 5, retryDecider = OncePerDecision.class)
    public static class Fails implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            throw new IllegalStateException("partner busy");
        }
    }

    @Test
    void aDependentDeciderIsMadeForEachDecisionAndDestroyedAfterIt() {
        try (WeldContainer container = engineWith(Fails.class, OncePerDecision.class).initialize()) {
            FlowService flows = container.select(FlowService.class).get();
            int madeBefore = OncePerDecision.MADE.get();
            int destroyedBefore = OncePerDecision.DESTROYED.get();

            String runId = flows.start("decided", Map.of());
            await().until(() -> flows.run(runId).orElseThrow().status() == RunStatus.FAILED);

            assertThat(flows.events(runId, EventQuery.all())).filteredOn(e -> e.type() == EventType.STEP_RETRY)
                    .singleElement().satisfies(retry -> assertThat(retry.data()).contains("\"delayMs\":10"));
            assertThat(flows.events(runId, EventQuery.all())).filteredOn(e -> e.type() == EventType.STEP_FAILED)
                    .singleElement().satisfies(failed -> assertThat(failed.data()).contains("\"attempt\":2",
                            "\"reason\":\"tried twice, enough\""));
            assertThat(OncePerDecision.DESTROYED.get() - destroyedBefore).as("one per decision").isEqualTo(2);
            assertThat(OncePerDecision.MADE.get() - madeBefore).isEqualTo(2);
        }
    }

    /** A decider the application makes itself, with what it needs: a bean only through its producer. */
    public static class WaitsAsConfigured implements RetryDecider {
        private final Duration delay;

        WaitsAsConfigured(Duration delay) {
            this.delay = delay;
        }

        @Override
        public RetryDecision decide(FailedAttempt failed) {
            return RetryDecision.retryAfter(delay);
        }
    }

    /** Produces the decider. */
    public static class Deciders {
        @jakarta.enterprise.inject.Produces
        WaitsAsConfigured waitsAsConfigured() {
            return new WaitsAsConfigured(Duration.ofMillis(7));
        }
    }

    @FlowStep(flow = "produced", name = "call", role = StepRole.ENTRY, maxAttempts = 2,
            retryDecider = WaitsAsConfigured.class)
    public static class FailsWithAProducedDecider implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            throw new IllegalStateException("partner busy");
        }
    }

    @Test
    void aDeciderThatIsABeanThroughAProducerIsUsed() {
        try (WeldContainer container = engineWith(FailsWithAProducedDecider.class, Deciders.class).initialize()) {
            assertThat(retryOfFailedRun(container, "produced"))
                    .contains("\"retryDecider\":\"" + WaitsAsConfigured.class.getName() + "\"", "\"delayMs\":7")
                    .doesNotContain("retryDeciderFailed");
        }
    }

    /** The data of the one retry of a run of {@code flow}, started and awaited until it failed. */
    private static String retryOfFailedRun(WeldContainer container, String flow) {
        FlowService flows = container.select(FlowService.class).get();
        String runId = flows.start(flow, Map.of());
        await().until(() -> flows.run(runId).orElseThrow().status() == RunStatus.FAILED);
        return assertThat(flows.events(runId, EventQuery.all())).filteredOn(e -> e.type() == EventType.STEP_RETRY)
                .singleElement().actual().data();
    }

    /** The partner's retry rules: an interface, which a producer of the application serves. */
    public interface PartnerRetries extends RetryDecider {
    }

    /** Produces the partner's rules. */
    public static class PartnerDeciders {
        @jakarta.enterprise.inject.Produces
        PartnerRetries partnerRetries() {
            return failed -> RetryDecision.retryAfter(Duration.ofMillis(9));
        }
    }

    @FlowStep(flow = "partner", name = "call", role = StepRole.ENTRY, maxAttempts = 2,
            retryDecider = PartnerRetries.class)
    public static class FailsWithAnInterfaceDecider extends FailsWithAProducedDecider {
    }

    @Test
    void anInterfaceAsDeciderThatAProducerServesDeploysAndIsUsedAndFlowValidationFindsNoProblemInIt() {
        assertThat(FlowValidation.problems(List.of(FailsWithAnInterfaceDecider.class))).isEmpty();
        try (WeldContainer container = engineWith(FailsWithAnInterfaceDecider.class, PartnerDeciders.class)
                .initialize()) {
            assertThat(retryOfFailedRun(container, "partner")).contains("\"delayMs\":9");
        }
    }

    /** Not added to the container: no bean. */
    public static class NotABean implements RetryDecider {
        @Override
        public RetryDecision decide(FailedAttempt failed) {
            return RetryDecision.retryAfter(failed.declaredDelay());
        }
    }

    @FlowStep(flow = "undecided", name = "call", role = StepRole.ENTRY, retryDecider = NotABean.class)
    public static class NamesNoBean implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aDeciderThatIsNoBeanFailsTheDeploymentNamingStepAndClass() {
        assertThatThrownBy(engineWith(NamesNoBean.class)::initialize).isInstanceOf(DeploymentException.class)
                .hasMessageContaining("NVENT-0599 step 'call' of flow 'undecided' (" + NamesNoBean.class.getName()
                        + "): its retryDecider " + NotABean.class.getName() + " is not a CDI bean (one, with the default"
                        + " qualifier); give it a scope (@ApplicationScoped, or @Dependent for an instance per decision)"
                        + " or a producer");
    }
}
