package io.nvent.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nvent.FlowStep;
import io.nvent.Operator;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.testkit.LogRecorder;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.SimpleFormatter;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * "Who paused the ERP queue?": a Java caller (an EJB, a REST resource of yours) acting for an operator through
 * {@link QueueControls#actingAs} leaves the audit line the console leaves, a refused action too.
 */
class QueueControlsAuditTest {

    @FlowStep(flow = "erp", name = "post", role = StepRole.ENTRY)
    public static class Post implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "posted";
        }
    }

    private WeldContainer container;
    private QueueControls queues;

    @BeforeEach
    void aDeploymentWithTheErpQueue() {
        container = new Weld().disableDiscovery().addExtension(NventBeans.extension())
                .addBeanClasses(NventBeans.inMemoryEngine()).addBeanClasses(Post.class).initialize();
        queues = container.select(QueueControls.class).get();
    }

    @AfterEach
    void close() {
        container.close();
    }

    @Test
    void aQueuePausedByAJavaCallerActingForAnOperatorIsAuditedWithTheOperatorAndTheReason() {
        QueueControls alice = queues.actingAs(Operator.named("alice").because("ERP down"));

        assertThat(audited(controls -> controls.pause("erp"), alice)).containsExactly(
                "NVENT-0016 operator alice paused queue 'erp' (reason: ERP down)");
        assertThat(audited(controls -> controls.setWorkers("erp", 2), alice)).containsExactly(
                "NVENT-0016 operator alice set the workers of queue 'erp' to 2 per instance (reason: ERP down)");
        assertThat(audited(controls -> controls.removeWorkers("erp"), alice)).containsExactly(
                "NVENT-0016 operator alice removed the workers set for queue 'erp' (reason: ERP down)");
        assertThat(audited(controls -> controls.resume("erp"), queues.actingAs(Operator.named("bob")))).containsExactly(
                "NVENT-0016 operator bob resumed queue 'erp' (no reason given)");
    }

    @Test
    void readsThroughTheViewAndCallsOnTheControlsThemselvesAreNotAudited() {
        QueueControls alice = queues.actingAs(Operator.named("alice"));

        assertThat(audited(controls -> controls.workersHere("erp"), alice)).isEmpty();
        assertThat(audited(controls -> controls.pause("erp"), queues)).as("no operator").isEmpty();
        assertThat(alice).isNotEqualTo(queues.actingAs(Operator.named("alice"))).isEqualTo(alice);
    }

    @Test
    void aRefusedActionIsAuditedAsRefusedAndRecordsNothing() {
        QueueControls alice = queues.actingAs(Operator.named("alice").because("typo"));

        List<String> lines = audited(controls -> assertThatThrownBy(() -> controls.setWorkers("erp", 10_000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the workers of queue 'erp' must be 0 to 1000, were 10000"), alice);

        assertThat(lines).containsExactly("NVENT-0017 operator alice was refused when asking to set the workers of"
                + " queue 'erp' to 10000 per instance (reason: typo): the workers of queue 'erp' must be 0 to 1000,"
                + " were 10000");
        assertThat(queues.workersOverrides()).isEmpty();
        assertThat(audited(controls -> assertThatThrownBy(() -> controls.resume("epr"))
                .hasMessage("NVENT-0061 no queue named 'epr': no deployed step runs on it and the queue adapter does"
                        + " not have it; known queues are [erp]. Nothing was recorded"), alice))
                .as("nothing to resume under a name neither known nor recorded").containsExactly("NVENT-0017 operator"
                        + " alice was refused when asking to resume queue 'epr' (reason: typo): NVENT-0061 no queue"
                        + " named 'epr': no deployed step runs on it and the queue adapter does not have it; known"
                        + " queues are [erp]. Nothing was recorded");
    }

    @Test
    void aQueueALaterDeploymentAddsCanBePausedAheadWithAWarningNamingTheQueuesKnownHere() {
        QueueControls alice = queues.actingAs(Operator.named("alice").because("reports go live paused"));
        List<String> lines;
        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-00"))) {
            alice.pause("reports");
            alice.setWorkers("exports", 1);
            lines = log.records().stream().map(new SimpleFormatter()::formatMessage).toList();
        }

        assertThat(lines).containsExactly("NVENT-0062 queue 'reports' is not known on this instance (no deployed step"
                + " runs on it and the queue adapter does not have it; known queues are [erp]): its pause is recorded"
                + " for the instances that have it, or a deployment that adds it. Misspelt? Resume 'reports' and"
                + " name one of those",
                "NVENT-0016 operator alice paused queue 'reports' (reason: reports go live paused)",
                "NVENT-0062 queue 'exports' is not known on this instance (no deployed step runs on it and the queue"
                + " adapter does not have it; known queues are [erp, reports]): its workers are recorded for the"
                + " instances that have it, or a deployment that adds it. Misspelt? Remove the workers of 'exports'"
                + " and name one of those",
                "NVENT-0016 operator alice set the workers of queue 'exports' to 1 per instance (reason: reports go"
                + " live paused)");
        assertThat(container.select(io.nvent.spi.JobQueue.class).get().isPaused("reports")).isTrue();
        assertThat(queues.workersOverride("exports")).hasValue(1);
        assertThat(audited(controls -> controls.resume("reports"), alice)).as("undone without a warning: recorded")
                .containsExactly("NVENT-0016 operator alice resumed queue 'reports' (reason: reports go live paused)");
    }

    @Test
    void controlsActingOnKnownQueuesOnlyRefuseAnotherOnTheAuditTrailWhereTheyWouldRecordItAhead() {
        QueueControls alice = queues.knownQueuesOnly().actingAs(Operator.named("alice").because("typo"));
        String refusal = "NVENT-0061 no queue named 'rep0rts': no deployed step runs on it and the queue adapter does"
                + " not have it; known queues are [erp]. Nothing was recorded";

        assertThat(audited(controls -> assertThatThrownBy(() -> controls.pause("rep0rts"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(refusal), alice)).containsExactly(
                "NVENT-0017 operator alice was refused when asking to pause queue 'rep0rts' (reason: typo): " + refusal);
        assertThat(audited(controls -> assertThatThrownBy(() -> controls.setWorkers("rep0rts", 2))
                .hasMessage(refusal), queues.actingAs(Operator.named("bob")).knownQueuesOnly())).singleElement()
                .asString().startsWith("NVENT-0017 operator bob was refused when asking to set the workers of queue"
                        + " 'rep0rts' to 2 per instance");
        assertThat(audited(controls -> assertThatThrownBy(() -> controls.pause("rep0rts")).hasMessage(refusal),
                queues.knownQueuesOnly())).as("no operator: refused, audited as nobody's").isEmpty();
        assertThat(container.select(io.nvent.spi.JobQueue.class).get().isPaused("rep0rts")).isFalse();
        assertThat(queues.workersOverrides()).isEmpty();

        assertThat(audited(controls -> controls.pause("erp"), alice.knownQueuesOnly())).containsExactly(
                "NVENT-0016 operator alice paused queue 'erp' (reason: typo)");
    }

    @Test
    void anEmbeddedEnginesQueueControlsActingForAnOperatorAreAuditedAndItsUnnamedCallsRecordTheActionButNobody() {
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Post()).build()) {
            QueueControls alice = engine.queueControls().actingAs(Operator.named("alice").because("ERP down"));

            assertThat(audited(controls -> controls.pause("erp"), alice)).containsExactly(
                    "NVENT-0016 operator alice paused queue 'erp' (reason: ERP down)");
            assertThat(engine.queue().isPaused("erp")).isTrue();
            assertThat(audited(controls -> engine.resumeQueue("erp"), alice)).as("names nobody").isEmpty();
            assertThat(engine.queue().isPaused("erp")).isFalse();
            assertThat(audited(controls -> assertThatThrownBy(() -> engine.removeQueueWorkers("epr"))
                    .hasMessageStartingWith("NVENT-0061 no queue named 'epr'"), alice))
                    .as("refused as the controls refuse it, naming nobody").isEmpty();
        }
    }

    private static List<String> audited(Consumer<QueueControls> call, QueueControls controls) {
        try (LogRecorder log = LogRecorder.recording(entry -> "io.nvent.audit".equals(entry.getLoggerName()))) {
            call.accept(controls);
            return log.records().stream().map(new SimpleFormatter()::formatMessage).toList();
        }
    }
}
