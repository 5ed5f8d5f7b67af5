package io.nvent.jpa;

import io.nvent.FlowStep;
import io.nvent.Misfire;
import io.nvent.NventException;
import io.nvent.RunQuery;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerEvent;
import io.nvent.TriggerType;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.VirtualClock;
import io.nvent.spi.SchedulingStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code fire-all} catch-up of missed ticks taken over through a JPA store: two engines over one database, the
 * first stopped part way through its catch-up, the second going on with it. Each tick's run starts exactly once, the
 * one whose run the first stored before it was stopped (its history entry lost) too.
 */
abstract class JpaFireAllTakeoverTest {

    static final String FLOW = "figures";
    static final String TRIGGER = "every-5-minutes-" + FLOW;

    @FlowStep(flow = FLOW, name = "compute", role = StepRole.ENTRY)
    @Trigger(name = TRIGGER, type = TriggerType.SCHEDULE, cron = "*/5 * * * *", misfire = Misfire.FIRE_ALL,
            misfireGrace = "PT1H")
    public static class Compute implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            return "computed";
        }
    }

    /** A store over the test's database; each call a new one, as each instance has. */
    abstract JpaFlowStore newStore();

    private static Instant at(String time) {
        return Instant.parse("2026-11-30T" + time + "Z");
    }

    /** The 12 ticks of the hour before 11:31:20, 10:35 to 11:30. */
    private static final List<Instant> THE_LAST_HOUR = Stream.iterate(at("10:35:00"), tick -> !tick.isAfter(at("11:30:00")),
            tick -> tick.plus(Duration.ofMinutes(5))).toList();

    /**
     * The scheduling store of {@code store}, stopped as an instance killed once it stored the run of its catch-up's
     * fourth tick: that tick's history entry fails, and so does every claim after it.
     */
    private static SchedulingStore killedAtTheFourthTick(JpaFlowStore store) {
        SchedulingStore target = store.schedulingStore();
        AtomicInteger firedEntriesLeft = new AtomicInteger(3);
        boolean[] killed = {false};
        return (SchedulingStore) Proxy.newProxyInstance(SchedulingStore.class.getClassLoader(),
                new Class<?>[] {SchedulingStore.class}, (proxy, method, args) -> {
                    boolean fireEntry = method.getName().equals("appendTriggerEvent")
                            && TriggerEvent.FIRED.equals(args[1]);
                    if (fireEntry && firedEntriesLeft.getAndDecrement() <= 0) {
                        killed[0] = true;
                    }
                    if (killed[0] && (fireEntry || method.getName().equals("tryClaimTick"))) {
                        throw new NventException("NVENT-0325 the store cannot be reached (test)");
                    }
                    try {
                        return method.invoke(target, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static EmbeddedEngine engine(String instanceId, JpaFlowStore store, SchedulingStore scheduling,
                                         VirtualClock clock) {
        return EmbeddedEngine.newBuilder().instanceId(instanceId).clock(clock).store(store).schedulingStore(scheduling)
                .step(new Compute()).sweepEvery(Duration.ofHours(1)).build();
    }

    @Test
    void anEngineStoppedPartWayThroughItsCatchUpLeavesItToAnotherWhichStartsEachTicksRunExactlyOnce() {
        JpaFlowStore first = newStore();
        JpaFlowStore second = newStore();
        try {
            // The trigger registered at 10:30:30 by an instance that then stopped: 10:35 to 11:30 fall while none runs.
            engine("instance-z", first, first.schedulingStore(), VirtualClock.startingAt(at("10:30:30"))).close();

            engine("instance-a", first, killedAtTheFourthTick(first), VirtualClock.startingAt(at("11:31:20")))
                    .close();
            assertThat(first.schedulingStore().owedCatchUps()).as("a's catch-up, left in the store").singleElement()
                    .satisfies(kept -> assertThat(kept.owner()).startsWith("instance-a@"));

            try (EmbeddedEngine b = engine("instance-b", second, second.schedulingStore(),
                    VirtualClock.startingAt(at("11:31:40")))) {

                List<Instant> started = b.flows().runs(new RunQuery(Optional.of(FLOW), Optional.empty(), 0, 1000))
                        .stream().map(run -> run.idempotencyKey().orElse("none"))
                        .map(key -> Instant.parse(key.substring("missed tick ".length()))).sorted().toList();
                assertThat(started).as("one run per tick, 10:50 (stored before a was stopped) too")
                        .isEqualTo(THE_LAST_HOUR);
                List<TriggerEvent> oldestFirst = new ArrayList<>(b.triggers().history(TRIGGER, 500));
                Collections.reverse(oldestFirst);
                assertThat(oldestFirst).filteredOn(entry -> entry.type().equals(TriggerEvent.FIRED))
                        .extracting(entry -> Instant.parse(entry.data().replaceFirst(
                                "(?s).*\"missed\":\\s*\\{\\s*\"scheduledAt\":\\s*\"([^\"]+)\".*", "$1")))
                        .as("each tick's fire recorded once, the oldest first; 10:50's, whose entry a lost, by b"
                                + " (PostgreSQL gives the entries back with spaces)")
                        .isEqualTo(THE_LAST_HOUR);
                assertThat(second.schedulingStore().owedCatchUps()).as("done").isEmpty();
            }
        } finally {
            first.close();
            second.close();
        }
    }
}
