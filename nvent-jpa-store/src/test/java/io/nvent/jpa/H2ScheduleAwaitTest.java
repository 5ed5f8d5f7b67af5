package io.nvent.jpa;

import io.nvent.AwaitBefore;
import io.nvent.AwaitType;
import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.VirtualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A {@code SCHEDULE} await on the JPA store: the tick it waits for is stored with it, so an instance started after the
 * one that registered it stopped resumes the step at that tick, in the await's time zone, with the tick's time.
 */
class H2ScheduleAwaitTest {

    /** Monday 2026-11-30, 10:00 UTC (11:00 in Paris). */
    private static final Instant START = Instant.parse("2026-11-30T10:00:00Z");

    /** The first 09:00 in Paris after {@link #START}. */
    private static final Instant TUESDAY_NINE_IN_PARIS = Instant.parse("2026-12-01T08:00:00Z");

    static final AtomicReference<Optional<String>> seenBySend = new AtomicReference<>();

    @FlowStep(flow = "daily-report", name = "send", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.SCHEDULE, cron = "0 9 * * *", timezone = "Europe/Paris")
    static class SendAtNineInParis implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            seenBySend.set(ctx.triggerData());
            return null;
        }
    }

    /** A store over this test's database; each call a new one, as a new instance opens it. */
    JpaFlowStore openStore(String database) {
        return JpaFlowStore.create(database, "sa", "", JpaStoreOptions.defaults());
    }

    String newDatabase() {
        return TestDatabases.newH2Url();
    }

    private static EmbeddedEngine instance(String id, JpaFlowStore store, VirtualClock clock) {
        // Sweeps only when the test says, on the test's clock.
        return EmbeddedEngine.newBuilder().instanceId(id).store(store).schedulingStore(store.schedulingStore())
                .clock(clock).sweepEvery(Duration.ofHours(1)).step(new SendAtNineInParis()).build();
    }

    @Test
    void anInstanceStartedAfterTheOneThatRegisteredTheAwaitStoppedRunsTheStepAtTheTick() {
        seenBySend.set(null);
        VirtualClock clock = VirtualClock.startingAt(START);
        String database = newDatabase();
        String runId;
        try (JpaFlowStore store = openStore(database); EmbeddedEngine first = instance("first", store, clock)) {
            runId = first.flows().start("daily-report", Map.of("day", "2026-12-01"));
            await().atMost(Duration.ofSeconds(10)).until(() -> first.flows().run(runId).orElseThrow().status()
                    == RunStatus.AWAITING);
            // The run shows AWAITING a moment before its await is saved.
            await().atMost(Duration.ofSeconds(10)).until(() -> first.flows().awaits(true, 100).stream()
                    .anyMatch(a -> a.runId().equals(runId)));
            assertThat(first.flows().awaits(true, 100)).filteredOn(a -> a.runId().equals(runId)).singleElement()
                    .satisfies(a -> assertThat(a.resolveAt()).contains(TUESDAY_NINE_IN_PARIS));
        }

        clock.advance(Duration.between(START, TUESDAY_NINE_IN_PARIS).minusSeconds(1));
        try (JpaFlowStore store = openStore(database); EmbeddedEngine second = instance("second", store, clock)) {
            second.sweep();
            assertThat(second.flows().run(runId).orElseThrow().status()).as("a second before the tick")
                    .isEqualTo(RunStatus.AWAITING);

            clock.advance(Duration.ofSeconds(1));
            second.sweep();

            await().atMost(Duration.ofSeconds(10)).until(() -> second.flows().run(runId).orElseThrow().status()
                    == RunStatus.COMPLETED);
            assertThat(seenBySend.get()).hasValueSatisfying(data -> assertThat(data.replace(" ", ""))
                    .isEqualTo("{\"scheduledAt\":\"" + TUESDAY_NINE_IN_PARIS + "\"}"));
            assertThat(second.flows().awaits(true, 100)).noneMatch(a -> a.runId().equals(runId));
        }
    }
}
