package io.nvent.cdi.internal.engine;

import io.nvent.AwaitBefore;
import io.nvent.AwaitInfo;
import io.nvent.AwaitNotFoundException;
import io.nvent.AwaitType;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.IllegalRunTransitionException;
import io.nvent.Operator;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.TimeoutAction;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.AwaitRecord;
import io.nvent.testkit.LogRecorder;
import java.text.MessageFormat;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class AwaitTimeoutMoveTest {

    @FlowStep(flow = "leave", name = "submit", role = StepRole.ENTRY, emits = "leave.submitted")
    static class Submit implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.emit("leave.submitted", input);
            return null;
        }
    }

    @FlowStep(flow = "leave", name = "book", subscribes = "leave.submitted")
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 3_600_000, timeoutAction = TimeoutAction.FAIL)
    static class Book implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            return "booked";
        }
    }

    /** The run's waiting await, once saved: the run shows awaiting a moment before its await is stored. */
    private static AwaitInfo waitingAwait(EngineHarness h, String runId) {
        return await().until(() -> h.engine.awaits(true, 10).stream().filter(a -> a.runId().equals(runId))
                .findFirst(), java.util.Optional::isPresent).orElseThrow();
    }

    @Test
    void anOperatorGivesAnApprovalThreeMoreDaysOnAnotherInstanceAndItTimesOutThenNotAtItsOldTimeout() {
        try (EngineHarness a = new EngineHarness(new Submit(), new Book());
             EngineHarness b = EngineHarness.beside(a, "instance-b", s -> s, new Submit(), new Book())) {
            String runId = a.engine.start("leave", Map.of("days", 5));
            a.awaitStatus(runId, RunStatus.AWAITING);
            AwaitInfo await = waitingAwait(a, runId);
            Instant oldTimeout = await.timeoutAt().orElseThrow();
            Instant newTimeout = oldTimeout.plus(Duration.ofDays(3));

            AwaitInfo moved = b.engine.actingAs(Operator.named("alice").because("approver on holiday"))
                    .moveAwaitTimeout(await.awaitId(), newTimeout);

            assertThat(moved.timeoutAt()).contains(newTimeout);
            EngineHarness.moveClocks(Duration.ofHours(2), a, b);
            a.sweep();
            b.sweep();
            assertThat(a.engine.run(runId).orElseThrow().status()).as("past its old timeout")
                    .isEqualTo(RunStatus.AWAITING);
            EngineHarness.moveClocks(Duration.ofDays(3), a, b);
            a.sweep();
            a.awaitStatus(runId, RunStatus.FAILED);
            assertThat(a.types(runId)).containsSubsequence("await.registered", "await.timeout-moved",
                    "await.timeout", "flow.failed");
            HistoryEvent entry = a.eventsOf(runId, EventType.AWAIT_TIMEOUT_MOVED).get(0);
            assertThat(entry.data()).contains("\"awaitId\":\"" + await.awaitId() + "\"",
                    "\"from\":\"" + oldTimeout + "\"", "\"to\":\"" + newTimeout + "\"", "\"operator\":\"alice\"",
                    "\"operatorReason\":\"approver on holiday\"");
        }
    }

    /**
     * A console sends milliseconds, a duration from now has the clock's nanoseconds; PostgreSQL keeps microseconds. The
     * answer, the history and every later read say the same instant: cut to the microsecond before it is stored.
     */
    @Test
    void aTimeoutGivenInNanosecondsIsAnsweredStoredAndRecordedToTheMicrosecondAsEveryStoreKeepsIt() {
        try (EngineHarness h = new EngineHarness(new Submit(), new Book())) {
            String runId = h.engine.start("leave", Map.of("days", 2));
            h.awaitStatus(runId, RunStatus.AWAITING);
            AwaitInfo await = waitingAwait(h, runId);
            Instant precise = h.clock.instant().plus(Duration.ofDays(2)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                    .plusNanos(123_456_789);
            Instant stored = precise.minusNanos(789);

            AwaitInfo moved = h.engine.moveAwaitTimeout(await.awaitId(), precise);

            assertThat(moved.timeoutAt()).as("the answer").contains(stored);
            assertThat(waitingAwait(h, runId).timeoutAt()).as("read back").contains(stored);
            assertThat(h.eventsOf(runId, EventType.AWAIT_TIMEOUT_MOVED).get(0).data())
                    .contains("\"to\":\"" + stored + "\"");
            assertThat(h.engine.moveAwaitTimeout(await.awaitId(), stored.plusSeconds(60)).timeoutAt())
                    .as("moved again from the timeout read back").contains(stored.plusSeconds(60));
        }
    }

    /**
     * A timeout set as the await registers is the clock's instant plus the step's timeoutMs: with a clock that has
     * nanoseconds, the history said nanoseconds that PostgreSQL rounds away as it stores the await. The store, the
     * waits' answer and detail and the history hold the same microsecond, and a move from it is taken.
     */
    @Test
    void aTimeoutSetAtRegistrationByAClockWithNanosecondsIsStoredAnsweredAndRecordedToTheMicrosecond() {
        try (EngineHarness h = new EngineHarness(new Submit(), new Book())) {
            h.clock.advance(Duration.ofNanos(1_000_000_000L + 123_456_789 - h.clock.instant().getNano()));
            Instant stored = h.clock.instant().plus(Duration.ofHours(1)).minusNanos(789);

            String runId = h.engine.start("leave", Map.of("days", 2));
            h.awaitStatus(runId, RunStatus.AWAITING);
            AwaitInfo await = waitingAwait(h, runId);

            assertThat(await.timeoutAt()).as("stored").contains(stored);
            assertThat(h.eventsOf(runId, EventType.AWAIT_REGISTERED).get(0).data())
                    .contains("\"timeoutAt\":\"" + stored + "\"");
            assertThat(h.engine.waits(runId)).filteredOn(wait -> wait.awaitTimeoutAt().isPresent()).singleElement()
                    .satisfies(wait -> {
                        assertThat(wait.awaitTimeoutAt()).as("the waits' answer").contains(stored);
                        assertThat(wait.detail()).contains("times out at " + stored);
                    });
            assertThat(h.engine.moveAwaitTimeout(await.awaitId(), stored.plusSeconds(60)).timeoutAt())
                    .as("moved from the timeout read back").contains(stored.plusSeconds(60));
        }
    }

    /** The audit trail says the instant the answer and the history say, not the finer one asked for. */
    @Test
    void theAuditLineOfATimeoutMovedWithNanosecondsSaysTheInstantStored() {
        try (EngineHarness h = new EngineHarness(new Submit(), new Book());
             LogRecorder audit = LogRecorder.recording(entry -> "io.nvent.audit".equals(entry.getLoggerName()))) {
            String runId = h.engine.start("leave", Map.of("days", 2));
            h.awaitStatus(runId, RunStatus.AWAITING);
            AwaitInfo await = waitingAwait(h, runId);
            Instant precise = h.clock.instant().plus(Duration.ofDays(2)).truncatedTo(ChronoUnit.SECONDS)
                    .plusNanos(123_456_789);

            h.engine.actingAs(Operator.named("alice")).moveAwaitTimeout(await.awaitId(), precise);

            assertThat(audit.records()).map(entry -> MessageFormat.format(entry.getMessage(), entry.getParameters()))
                    .anySatisfy(line -> assertThat(line).contains("moved the timeout of await " + await.awaitId()
                            + " to " + precise.truncatedTo(ChronoUnit.MICROS)).doesNotContain(precise.toString()));
        }
    }

    @Test
    void anOperatorTimesAnApprovalOutInAMinuteInsteadOfAnHour() {
        try (EngineHarness h = new EngineHarness(new Submit(), new Book())) {
            String runId = h.engine.start("leave", Map.of("days", 1));
            h.awaitStatus(runId, RunStatus.AWAITING);

            h.engine.moveAwaitTimeout(waitingAwait(h, runId).awaitId(), h.clock.instant().plusSeconds(60));
            h.clock.advance(Duration.ofSeconds(61));
            h.sweep();

            h.awaitStatus(runId, RunStatus.FAILED);
        }
    }

    @Test
    void aTimeoutMovedWhileTheSweepHadReadTheAwaitAsDueDoesNotTimeItOut() {
        AtomicReference<Runnable> afterRead = new AtomicReference<>(() -> { });
        MemorySchedulingStore scheduling = new MemorySchedulingStore() {
            @Override
            public List<AwaitRecord> dueAwaits(Instant now, int limit) {
                List<AwaitRecord> due = super.dueAwaits(now, limit);
                if (!due.isEmpty()) {
                    afterRead.getAndSet(() -> { }).run();
                }
                return due;
            }
        };
        // The operator's move, read a moment before the timeout, is written a moment after: once the sweep read
        // the await as due.
        sweepWithTheTimeoutMovedAt(scheduling, afterRead, "after the sweep read the await as due");
    }

    @Test
    void aTimeoutMovedAfterTheSweepReadTheAwaitAgainAndBeforeItClosedItDoesNotTimeItOut() {
        AtomicReference<Boolean> armed = new AtomicReference<>(false);
        AtomicReference<Runnable> afterReread = new AtomicReference<>(() -> { });
        MemorySchedulingStore scheduling = new MemorySchedulingStore() {
            @Override
            public List<AwaitRecord> dueAwaits(Instant now, int limit) {
                List<AwaitRecord> due = super.dueAwaits(now, limit);
                armed.set(!due.isEmpty());
                return due;
            }

            @Override
            public java.util.Optional<AwaitRecord> findAwait(String awaitId) {
                java.util.Optional<AwaitRecord> found = super.findAwait(awaitId);
                if (armed.getAndSet(false)) {
                    afterReread.getAndSet(() -> { }).run();
                }
                return found;
            }
        };
        // The operator's move is written once the sweep has read the await again as due, before it closes it.
        sweepWithTheTimeoutMovedAt(scheduling, afterReread, "after the sweep read the await again");
    }

    /**
     * A leave request waits for its approval; {@code moveAt} is given the operator's move of the approval's timeout a
     * day on, from the timeout it read before, for {@code scheduling} to make while the sweep that finds it due runs
     * ({@code when}). The sweep leaves the await waiting: no {@code await.timeout}, the run still awaiting.
     */
    private static void sweepWithTheTimeoutMovedAt(MemorySchedulingStore scheduling, AtomicReference<Runnable> moveAt,
                                                   String when) {
        try (EngineHarness h = EngineHarness.withStartsStoredFirst(scheduling, new Submit(), new Book())) {
            String runId = h.engine.start("leave", Map.of("days", 1));
            h.awaitStatus(runId, RunStatus.AWAITING);
            AwaitInfo await = waitingAwait(h, runId);
            Instant oldTimeout = await.timeoutAt().orElseThrow();
            AtomicReference<Boolean> moved = new AtomicReference<>(false);
            moveAt.set(() -> moved.set(scheduling.moveAwaitTimeout(await.awaitId(), oldTimeout,
                    oldTimeout.plus(Duration.ofDays(1)))));
            h.clock.advance(Duration.ofMinutes(61));

            h.sweep();

            assertThat(moved).as("moved " + when).hasValue(true);
            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
            assertThat(h.types(runId)).doesNotContain("await.timeout");
            assertThat(scheduling.findAwait(await.awaitId()).orElseThrow().status())
                    .isEqualTo(io.nvent.AwaitStatus.WAITING);
        }
    }

    @Test
    void aTimeTooFarInThePastOrFutureAnUnknownAwaitAndOneNoLongerWaitingAreRefusedAndChangeNothing() {
        try (EngineHarness h = new EngineHarness(new Submit(), new Book())) {
            String runId = h.engine.start("leave", Map.of("days", 1));
            h.awaitStatus(runId, RunStatus.AWAITING);
            AwaitInfo await = waitingAwait(h, runId);
            Instant now = h.clock.instant();

            assertThatThrownBy(() -> h.engine.moveAwaitTimeout(await.awaitId(), now.minus(Duration.ofMinutes(5))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NVENT-0457")
                    .hasMessageContaining(now.minus(Duration.ofMinutes(5)).toString());
            assertThatThrownBy(() -> h.engine.moveAwaitTimeout(await.awaitId(), now.plus(Duration.ofDays(367))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NVENT-0457")
                    .hasMessageContaining("366 days");
            assertThatThrownBy(() -> h.engine.moveAwaitTimeout("no-such-await", now.plusSeconds(60)))
                    .isInstanceOf(AwaitNotFoundException.class);
            assertThat(waitingAwait(h, runId).timeoutAt()).isEqualTo(await.timeoutAt());
            assertThat(h.types(runId)).doesNotContain("await.timeout-moved");

            h.engine.resolveAwait(await.awaitId(), Map.of("approved", true));
            assertThatThrownBy(() -> h.engine.moveAwaitTimeout(await.awaitId(), now.plusSeconds(60)))
                    .isInstanceOf(IllegalRunTransitionException.class).hasMessageContaining("NVENT-0458")
                    .hasMessageContaining("resolved");
        }
    }

    @Test
    void aStoreWrittenBeforeTimeoutsCouldMoveRefusesTheMoveAndTheAwaitKeepsItsTimeout() {
        MemorySchedulingStore older = new MemorySchedulingStore() {
            @Override
            public boolean movesAwaitTimeouts() {
                return false;
            }
        };
        try (EngineHarness h = EngineHarness.withStartsStoredFirst(older, new Submit(), new Book())) {
            String runId = h.engine.start("leave", Map.of("days", 1));
            h.awaitStatus(runId, RunStatus.AWAITING);
            AwaitInfo await = waitingAwait(h, runId);

            assertThatThrownBy(() -> h.engine.moveAwaitTimeout(await.awaitId(), h.clock.instant().plusSeconds(60)))
                    .isInstanceOf(io.nvent.UnsupportedByAdapterException.class).hasMessageContaining("NVENT-0459")
                    .hasMessageContaining("movesAwaitTimeouts");
            assertThat(waitingAwait(h, runId).timeoutAt()).isEqualTo(await.timeoutAt());
        }
    }
}
