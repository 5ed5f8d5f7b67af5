package io.nvent.jpa;

import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.RunInfo;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.cdi.EmbeddedEngine;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * On the JPA store, whose start runs the run's change and undoes it when another owner holds the step's lease, a
 * retry that finds the lease of another instance's timed-out attempt gives way (NVENT-0598) as often as that lease
 * is held, never runs beside it, writes one {@code step.retry} entry however often it gives way, and runs once the
 * lease is given up, without waiting for the lost-job check.
 */
class H2LeaseHeldElsewhereTest {

    private static final String INSTANCE_A = "instance-a@1";

    /** Fails its first attempt; its retry waits in the paused queue. */
    @FlowStep(flow = "upload", name = "upload", role = StepRole.ENTRY, queue = "uploads", maxAttempts = 3,
            retryDelaysMs = {10, 10})
    static class UploadFailingOnce implements Step<Object, String> {
        static final List<Integer> attemptsSeen = new CopyOnWriteArrayList<>();
        static volatile EmbeddedEngine engine;

        @Override
        public String execute(Object input, StepContext ctx) {
            attemptsSeen.add(ctx.attempt());
            if (attemptsSeen.size() == 1) {
                engine.pauseQueue("uploads");
                throw new IllegalStateException("remote service unavailable");
            }
            return "uploaded";
        }
    }

    @Test
    void aRetryFindingAnotherInstancesLeaseGivesWayWithOneEntryAndRunsOnceTheLeaseIsGivenUp() {
        UploadFailingOnce.attemptsSeen.clear();
        try (JpaFlowStore store = JpaFlowStore.create(TestDatabases.newH2Url(), "sa", "", JpaStoreOptions.defaults());
             EmbeddedEngine b = EmbeddedEngine.newBuilder().instanceId("instance-b").store(store)
                     .schedulingStore(store.schedulingStore()).step(new UploadFailingOnce()).build()) {
            UploadFailingOnce.engine = b;
            String runId = b.flows().start("upload", null);
            await().atMost(Duration.ofSeconds(30)).until(() -> stepOf(b, runId) == StepStatus.RETRYING);
            // Instance A's timed-out attempt keeps the step's lease (its write under way).
            Instant now = Instant.now();
            assertThat(store.schedulingStore().acquireLease(runId, "upload", INSTANCE_A, now.plusSeconds(3600), now))
                    .isTrue();
            b.resumeQueue("uploads");

            await().atMost(Duration.ofSeconds(30)).until(() -> giveWaysTo(b, runId).size() == 1);
            long versionAtFirstGiveWay = store.findRun(runId).orElseThrow().version();
            // Two more give-ways (1 s, then 1 s later), each a write of the run.
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    store.findRun(runId).orElseThrow().version() >= versionAtFirstGiveWay + 2);
            assertThat(UploadFailingOnce.attemptsSeen).as("nothing ran beside A's lease").containsExactly(1);
            assertThat(giveWaysTo(b, runId)).as("one entry however often it gave way").singleElement()
                    .satisfies(entry -> assertThat(entry.attempt()).isEqualTo(2));
            assertThat(b.flows().events(runId, EventQuery.all())).as("no step.started of a refused start")
                    .filteredOn(event -> event.type() == EventType.STEP_STARTED).hasSize(1);

            store.schedulingStore().releaseLease(runId, "upload", INSTANCE_A);

            await().atMost(Duration.ofSeconds(30)).until(() ->
                    b.flows().run(runId).map(RunInfo::status).orElseThrow() == RunStatus.COMPLETED);
            assertThat(UploadFailingOnce.attemptsSeen).as("the refused retry did not count").containsExactly(1, 2);
            assertThat(giveWaysTo(b, runId)).hasSize(1);
        } finally {
            UploadFailingOnce.engine = null;
        }
    }

    private static StepStatus stepOf(EmbeddedEngine engine, String runId) {
        return engine.flows().run(runId).orElseThrow().steps().get("upload");
    }

    private static List<HistoryEvent> giveWaysTo(EmbeddedEngine engine, String runId) {
        return engine.flows().events(runId, EventQuery.all()).stream()
                .filter(event -> event.type() == EventType.STEP_RETRY && event.data().contains(INSTANCE_A)).toList();
    }
}
