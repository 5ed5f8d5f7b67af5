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
    void aPauseOfAnUnknownQueueIsRefusedRecordingNothingAndAuditedAsRefused() {
        QueueControls alice = queues.actingAs(Operator.named("alice").because("typo"));

        List<String> lines = audited(controls -> assertThatThrownBy(() -> controls.pause("epr"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0061 no queue named 'epr': no deployed step runs on it and the queue adapter does"
                        + " not have it; known queues are [erp]. Nothing was recorded"), alice);

        assertThat(lines).containsExactly("NVENT-0017 operator alice was refused when asking to pause queue 'epr'"
                + " (reason: typo): NVENT-0061 no queue named 'epr': no deployed step runs on it and the queue adapter"
                + " does not have it; known queues are [erp]. Nothing was recorded");
        assertThatThrownBy(() -> queues.setWorkers("epr", 2)).hasMessageStartingWith("NVENT-0061");
        assertThat(queues.workersOverrides()).isEmpty();
    }

    private static List<String> audited(Consumer<QueueControls> call, QueueControls controls) {
        try (LogRecorder log = LogRecorder.recording(entry -> "io.nvent.audit".equals(entry.getLoggerName()))) {
            call.accept(controls);
            return log.records().stream().map(new SimpleFormatter()::formatMessage).toList();
        }
    }
}
