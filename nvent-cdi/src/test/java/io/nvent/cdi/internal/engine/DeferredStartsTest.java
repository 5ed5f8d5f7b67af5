package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nvent.cdi.internal.EngineScheduler;
import io.nvent.cdi.internal.Threads;
import io.nvent.spi.StoredChange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One ticker stores the deferred starts of all steps running past the start-write delay: each start
 * pending when due is written once, within a tick after the delay; one taken over first never is.
 */
class DeferredStartsTest {

    private static final Duration DELAY = Duration.ofMillis(100);

    private final ScheduledThreadPoolExecutor executor = (ScheduledThreadPoolExecutor) Threads.daemonScheduler(
            "test-deferred-starts", 2);
    private final ExecutorService completions = Executors.newFixedThreadPool(4, Threads.daemonThreads("test-steps"));

    @AfterEach
    void stopExecutors() {
        executor.shutdownNow();
        completions.shutdownNow();
    }

    /** A deferred start that counts its writes and remembers when ({@link System#nanoTime}) the last began. */
    private static final class Counted {
        final AtomicInteger writes = new AtomicInteger();
        final AtomicLong writtenAt = new AtomicLong();
        final DeferredStart start;

        Counted(boolean pastTimeout) {
            start = new DeferredStart(() -> {
                writtenAt.set(System.nanoTime());
                writes.incrementAndGet();
                return Optional.<StoredChange>empty();
            }, () -> pastTimeout);
        }
    }

    @Test
    void aStartStillPendingIsWrittenNoSoonerThanTheDelayByTheTickScheduledForIt() {
        RefusingOnce scheduler = new RefusingOnce();
        DeferredStarts starts = new DeferredStarts(scheduler, DELAY);
        Counted step = new Counted(false);

        starts.register(step.start);

        await().atMost(Duration.ofSeconds(10)).until(() -> step.writes.get() == 1);
        assertThat(step.writtenAt.get() - step.start.dueAt).as("written no sooner than the delay").isNotNegative();
        // Not how late in real time (a loaded machine delays any timer), but which tick: the one due with the start.
        assertThat(scheduler.ticks).as("ticks scheduled, the first for when the start is due").containsExactly(DELAY);
        assertThat(step.start.takeOver()).as("a completion after the write takes nothing over").isFalse();
    }

    @Test
    void manyStartsPendingAtOnceAreAllWrittenOnce() {
        DeferredStarts starts = new DeferredStarts(executor, Duration.ofMillis(20));
        List<Counted> steps = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            Counted step = new Counted(false);
            steps.add(step);
            starts.register(step.start);
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> steps.stream().allMatch(s -> s.writes.get() == 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> starts.registeredCount() == 0);
        assertThat(steps).allSatisfy(s -> assertThat(s.writes).hasValue(1));
    }

    @Test
    void aStartTakenOverBeforeItIsDueIsNeverWrittenAndIsDropped() {
        DeferredStarts starts = new DeferredStarts(executor, DELAY);
        Counted quick = new Counted(false);
        Counted slow = new Counted(false);

        starts.register(quick.start);
        starts.register(slow.start);
        assertThat(quick.start.takeOver()).as("the quick step's completion takes its start over").isTrue();

        await().atMost(Duration.ofSeconds(10)).until(() -> slow.writes.get() == 1);
        await().during(DeferredStarts.tick(DELAY).multipliedBy(2)).atMost(Duration.ofSeconds(5))
                .until(() -> quick.writes.get() == 0);
        assertThat(starts.registeredCount()).as("starts the ticker still holds").isZero();
    }

    @Test
    void aStartDueAfterItsAttemptsTimeoutIsTakenOverInsteadOfWritten() {
        DeferredStarts starts = new DeferredStarts(executor, DELAY);
        Counted timedOut = new Counted(true);

        starts.register(timedOut.start);

        await().atMost(Duration.ofSeconds(10)).until(() -> !timedOut.start.isPending());
        assertThat(timedOut.writes).hasValue(0);
        assertThat(timedOut.start.takeOver()).as("the completion finds it taken over already").isFalse();
        assertThat(timedOut.start.outcome()).isEmpty();
    }

    @Test
    void exactlyOneOfTheWriteAndTheTakeOverHappensForStepsEndingAroundTheDelay() {
        Duration delay = Duration.ofMillis(10);
        DeferredStarts starts = new DeferredStarts(executor, delay);
        List<Counted> steps = new ArrayList<>();
        List<CompletableFuture<Boolean>> takenOver = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            Counted step = new Counted(false);
            steps.add(step);
            starts.register(step.start);
            long runsForMicros = ThreadLocalRandom.current().nextLong(2 * delay.toNanos() / 1000);
            takenOver.add(CompletableFuture.supplyAsync(() -> {
                sleepMicros(runsForMicros); // the step's own work
                return step.start.takeOver();
            }, completions));
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> takenOver.stream().allMatch(CompletableFuture::isDone));
        await().atMost(Duration.ofSeconds(10)).until(() -> starts.registeredCount() == 0);
        for (int i = 0; i < steps.size(); i++) {
            int written = steps.get(i).writes.get();
            assertThat(written + (takenOver.get(i).join() ? 1 : 0)).as("write and take-over of step " + i)
                    .isEqualTo(1);
        }
    }

    @Test
    void theTickerRunsOnlyWhileStartsArePending() {
        DeferredStarts starts = new DeferredStarts(executor, DELAY);
        Counted step = new Counted(false);
        starts.register(step.start);
        assertThat(executor.getQueue()).as("the ticker, scheduled by the first start").hasSize(1);

        await().atMost(Duration.ofSeconds(10)).until(() -> step.writes.get() == 1);

        await().atMost(Duration.ofSeconds(10)).until(() -> executor.getQueue().isEmpty() && executor.getActiveCount() == 0);
        long tasks = executor.getTaskCount();
        await().during(DELAY.multipliedBy(2)).atMost(Duration.ofSeconds(5)).until(() -> executor.getTaskCount() == tasks);
    }

    @Test
    void theTickerStopsWithTheEngineAndWritesNothingAfterwards() {
        EngineScheduler engineTimers = new EngineScheduler(executor);
        DeferredStarts starts = new DeferredStarts(engineTimers, DELAY);
        Counted before = new Counted(false);
        starts.register(before.start);

        assertThat(engineTimers.stop(Duration.ofSeconds(5))).isTrue();
        Counted after = new Counted(false);
        starts.register(after.start);

        assertThat(executor.getQueue()).as("tasks left on the executor").isEmpty();
        await().during(DELAY.multipliedBy(3)).atMost(Duration.ofSeconds(5))
                .until(() -> before.writes.get() == 0 && after.writes.get() == 0);
        assertThat(executor.getQueue()).as("tasks left on the executor").isEmpty();
    }

    @Test
    void aStartTakenOverIsLetGoAtOnceNotAtTheNextTick() {
        DeferredStarts starts = new DeferredStarts(executor, Duration.ofSeconds(30));
        List<Counted> steps = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            Counted step = new Counted(false);
            steps.add(step);
            starts.register(step.start);
        }

        steps.forEach(step -> assertThat(step.start.takeOver()).isTrue());

        assertThat(starts.registeredCount()).as("finished steps' starts the ticker still holds").isZero();
    }

    @Test
    void aSchedulerRefusingATickForAMomentLosesNoStart() {
        RefusingOnce scheduler = new RefusingOnce();
        // The first tick must find the second start not due yet, or it hands both on and needs no tick after:
        // at DELAY a loaded machine ran it that late now and then (a second of lag is allowed here).
        Duration delay = Duration.ofSeconds(2);
        DeferredStarts starts = new DeferredStarts(scheduler, delay);
        // The first tick waits for the second start: a loaded machine's pause must not let it run before.
        CountDownLatch secondRegistered = new CountDownLatch(1);
        scheduler.ticksWaitFor(secondRegistered);
        Counted first = new Counted(false);
        starts.register(first.start);
        await().pollDelay(delay.dividedBy(2)).atMost(Duration.ofSeconds(10)).until(() -> true);
        Counted second = new Counted(false);
        // The tick after the first write, which the second, due half a delay later, still needs.
        scheduler.refuseNextSchedule.set(true);
        starts.register(second.start);
        secondRegistered.countDown();

        await().atMost(Duration.ofSeconds(10)).until(() -> first.writes.get() == 1 && !scheduler.refuseNextSchedule.get());
        Counted third = new Counted(false);
        starts.register(third.start);

        await().atMost(Duration.ofSeconds(10)).until(() -> second.writes.get() == 1 && third.writes.get() == 1);
        assertThat(starts.registeredCount()).isZero();
    }

    @Test
    void aStartWhoseTickIsRefusedIsNotHeldAndSaysSo() {
        RefusingOnce scheduler = new RefusingOnce();
        DeferredStarts starts = new DeferredStarts(scheduler, DELAY);
        scheduler.refuseNextSchedule.set(true);
        Counted refused = new Counted(false);

        assertThatThrownBy(() -> starts.register(refused.start)).isInstanceOf(RejectedExecutionException.class);
        assertThat(starts.registeredCount()).isZero();
        Counted next = new Counted(false);
        starts.register(next.start);
        await().atMost(Duration.ofSeconds(10)).until(() -> next.writes.get() == 1);
        assertThat(refused.writes).as("the refused start, whose step did not run").hasValue(0);
    }

    /**
     * A scheduler that refuses one timed {@code schedule} (a tick, not a write handed on at once) when told to,
     * as a container's may for a moment, and records the ticks it takes.
     */
    private static final class RefusingOnce extends ScheduledThreadPoolExecutor {
        final AtomicBoolean refuseNextSchedule = new AtomicBoolean();
        /** The delays of the timed tasks (ticks) scheduled and not refused, in order. */
        final List<Duration> ticks = new CopyOnWriteArrayList<>();
        private volatile CountDownLatch ticksWaitFor = new CountDownLatch(0);

        RefusingOnce() {
            super(2, Threads.daemonThreads("test-refusing-scheduler"));
        }

        /** Timed tasks scheduled from now on run once {@code latch} is open, however late their time came. */
        void ticksWaitFor(CountDownLatch latch) {
            ticksWaitFor = latch;
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            if (delay > 0 && refuseNextSchedule.compareAndSet(true, false)) {
                throw new RejectedExecutionException("refused for a moment");
            }
            if (delay > 0) {
                ticks.add(Duration.ofNanos(unit.toNanos(delay)));
            }
            CountDownLatch latch = ticksWaitFor;
            return super.schedule(() -> {
                awaitOpen(latch);
                command.run();
            }, delay, unit);
        }

        private static void awaitOpen(CountDownLatch latch) {
            try {
                latch.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void aTickIsAQuarterOfTheDelayWithinBounds() {
        assertThat(DeferredStarts.tick(Duration.ofMillis(200))).isEqualTo(Duration.ofMillis(50));
        assertThat(DeferredStarts.tick(Duration.ofMillis(4))).isEqualTo(DeferredStarts.SHORTEST_TICK);
        assertThat(DeferredStarts.tick(Duration.ofSeconds(20))).isEqualTo(DeferredStarts.LONGEST_TICK);
    }

    private static void sleepMicros(long micros) {
        try {
            TimeUnit.MICROSECONDS.sleep(micros);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
