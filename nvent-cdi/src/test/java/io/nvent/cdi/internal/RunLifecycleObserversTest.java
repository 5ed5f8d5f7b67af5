package io.nvent.cdi.internal;

import io.nvent.FlowService;
import io.nvent.RunEnded;
import io.nvent.RunStarted;
import io.nvent.RunStatus;
import io.nvent.StepFailed;
import io.nvent.testkit.RunEndFlows.Confirm;
import io.nvent.testkit.RunEndFlows.Send;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.Test;

import static io.nvent.testkit.RunEndFlows.SEND_ERROR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Beans observe the runs that start, the runs that end and the steps that fail, as {@code @Observes} or
 * {@code @ObservesAsync}.
 */
class RunLifecycleObserversTest {

    /** Pages the on-call when a run fails, from the container's executor; notes every end on nvent's thread. */
    @ApplicationScoped
    public static class OnCall {
        private final List<RunEnded> ended = new CopyOnWriteArrayList<>();
        private final List<RunEnded> paged = new CopyOnWriteArrayList<>();
        private final List<StepFailed> stepFailures = new CopyOnWriteArrayList<>();

        List<RunEnded> ended() {
            return ended;
        }

        List<RunEnded> paged() {
            return paged;
        }

        List<StepFailed> stepFailures() {
            return stepFailures;
        }

        void noted(@Observes RunEnded end) {
            ended.add(end);
        }

        void page(@ObservesAsync RunEnded end) {
            if (end.status() == RunStatus.FAILED) {
                paged.add(end);
            }
        }

        void stepFailed(@Observes StepFailed failure) {
            stepFailures.add(failure);
            throw new IllegalStateException("the pager's own bug");
        }
    }

    /** Audits each start from the container's executor; notes it on the thread that stored it, then fails. */
    @ApplicationScoped
    public static class Audit {
        private final List<RunStarted> noted = new CopyOnWriteArrayList<>();
        private final List<RunStarted> audited = new CopyOnWriteArrayList<>();

        List<RunStarted> noted() {
            return noted;
        }

        List<RunStarted> audited() {
            return audited;
        }

        void noted(@Observes RunStarted start) {
            noted.add(start);
            throw new NoClassDefFoundError("io/acme/AuditLog");
        }

        void audit(@ObservesAsync RunStarted start) {
            audited.add(start);
        }
    }

    @Test
    void observersOfBothKindsAreToldOfEachStartAndOneThatThrowsNeitherFailsTheStartNorHoldsUpTheRun() {
        try (WeldContainer container = CdiIntegrationTest.engineWith(Confirm.class, Audit.class).initialize()) {
            FlowService flows = container.select(FlowService.class).get();
            Audit audit = container.select(Audit.class).get();

            String order = flows.start("order", Map.of());

            await().until(() -> flows.run(order).orElseThrow().status() == RunStatus.COMPLETED
                    && audit.audited().size() == 1);
            assertThat(audit.noted()).singleElement().extracting(RunStarted::runId).isEqualTo(order);
            assertThat(audit.audited()).isEqualTo(audit.noted());
        }
    }

    @Test
    void observersOfBothKindsAreToldOfEachEndAndOneThatThrowsChangesNothing() {
        try (WeldContainer container = CdiIntegrationTest.engineWith(Confirm.class, Send.class, OnCall.class)
                .initialize()) {
            FlowService flows = container.select(FlowService.class).get();
            OnCall onCall = container.select(OnCall.class).get();

            String order = flows.start("order", Map.of());
            String invoice = flows.start("invoice", Map.of());

            await().until(() -> onCall.ended().size() == 2 && onCall.paged().size() == 1);
            assertThat(onCall.ended()).extracting(RunEnded::runId, RunEnded::status).containsExactlyInAnyOrder(
                    org.assertj.core.groups.Tuple.tuple(order, RunStatus.COMPLETED),
                    org.assertj.core.groups.Tuple.tuple(invoice, RunStatus.FAILED));
            assertThat(onCall.paged()).singleElement().satisfies(end -> {
                assertThat(end.runId()).isEqualTo(invoice);
                assertThat(end.error()).hasValue(SEND_ERROR);
            });
            assertThat(onCall.stepFailures()).singleElement().satisfies(failure -> {
                assertThat(failure.step()).isEqualTo("send");
                assertThat(failure.willRetry()).isFalse();
            });
            assertThat(flows.run(invoice).orElseThrow().status()).isEqualTo(RunStatus.FAILED);
        }
    }
}
