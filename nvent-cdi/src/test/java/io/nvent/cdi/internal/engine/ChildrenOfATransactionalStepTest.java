package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.AwaitBefore;
import io.nvent.AwaitType;
import io.nvent.CancelOptions;
import io.nvent.CanceledRuns;
import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowService;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.spi.EventDraft;

import io.nvent.spi.RunRecord;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A step in a transaction of its own ({@code @Transactional}, the JPA store joining it) stores the children it
 * starts only when it returns: a cancel with children in between lists none of them. Here a memory store keeps
 * the runs a step starts out of its lists until the step "commits", as it returns.
 */
class ChildrenOfATransactionalStepTest {

    /** Lists the runs started inside a step's transaction only once the step has committed it. */
    static final class StoreCommittingWithTheStep extends MemoryFlowStore {
        private final ThreadLocal<Boolean> inTransaction = ThreadLocal.withInitial(() -> false);
        private final Set<String> uncommitted = ConcurrentHashMap.newKeySet();

        void begin() {
            inTransaction.set(true);
        }

        void commit() {
            inTransaction.set(false);
            uncommitted.clear();
        }

        @Override
        public List<HistoryEvent> createRun(RunRecord run, List<EventDraft> events) {
            return created(run, super.createRun(run, events));
        }

        @Override
        public List<HistoryEvent> createRun(RunRecord run, List<EventDraft> events, String idempotencyKey) {
            return created(run, super.createRun(run, events, idempotencyKey));
        }

        private List<HistoryEvent> created(RunRecord run, List<HistoryEvent> stored) {
            if (inTransaction.get()) {
                uncommitted.add(run.runId());
            }
            return stored;
        }

        @Override
        public List<RunRecord> findRuns(RunQuery query) {
            return committed(super.findRuns(query));
        }

        @Override
        public List<RunRecord> childRunsLeadingToRunsUnderWay(String parentRunId, Optional<String> afterRunId,
                                                              int limit) {
            return committed(super.childRunsLeadingToRunsUnderWay(parentRunId, afterRunId, limit));
        }

        private List<RunRecord> committed(List<RunRecord> runs) {
            return runs.stream().filter(run -> !uncommitted.contains(run.runId())).toList();
        }
    }

    static volatile StoreCommittingWithTheStep store;
    static volatile CountDownLatch mailStarted;
    static final Semaphore FAN_OUT_GOES_ON = new Semaphore(0);

    /** Starts a mail in its transaction, then goes on until the test lets it, ignoring the cancel's interrupt. */
    @FlowStep(flow = "tx-newsletter", name = "fan-out", role = StepRole.ENTRY)
    public static class FanOutInATransaction implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            store.begin();
            try {
                ctx.startFlow("tx-mail", Map.of("to", "a"));
                mailStarted.countDown();
                FAN_OUT_GOES_ON.acquireUninterruptibly();
                Thread.interrupted();
            } finally {
                store.commit();
            }
            return null;
        }
    }

    /** A mail waiting a day for its approval. */
    @FlowStep(flow = "tx-mail", name = "send", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.EVENT, event = "tx-mail.approved", timeoutMs = 86_400_000)
    public static class SendMail implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    private EmbeddedEngine engine;

    @BeforeEach
    void startEngine() {
        store = new StoreCommittingWithTheStep();
        mailStarted = new CountDownLatch(1);
        FAN_OUT_GOES_ON.drainPermits();
        engine = EmbeddedEngine.newBuilder().instanceId("a").store(store).concurrency(4)
                .step(new FanOutInATransaction()).step(new SendMail()).build();
    }

    @AfterEach
    void stopEngine() {
        engine.close();
    }

    @Test
    void aChildAStepStartedInItsTransactionBeforeACancelWithChildrenIsCanceledOnceTheStepCommits()
            throws InterruptedException {
        FlowService flows = engine.flows();
        String newsletter = flows.start("tx-newsletter", Map.of());
        assertThat(mailStarted.await(20, TimeUnit.SECONDS)).isTrue();

        assertThat(flows.cancel(newsletter, CancelOptions.withChildren()))
                .as("the mail is not committed yet: the sweep does not list it")
                .isEqualTo(new CanceledRuns(true, 0, false));
        FAN_OUT_GOES_ON.release();

        RunQuery mails = RunQuery.all().withParentRunId(newsletter);
        await().atMost(Duration.ofSeconds(10)).until(() -> flows.runs(mails).size() == 1
                && flows.runs(mails).get(0).status() == RunStatus.CANCELED);
        String mail = flows.runs(mails).stream().map(RunInfo::runId).findFirst().orElseThrow();
        assertThat(flows.events(mail, new EventQuery(Set.of(EventType.FLOW_CANCEL), 0, 1, false)).get(0).data())
                .contains("\"reason\":\"parent canceled\"").contains("\"canceledWith\":\"" + newsletter + "\"");
    }
}
