package io.nvent.web.internal.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nvent.cdi.VirtualClock;
import io.nvent.web.internal.stats.SharedCount.Counted;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Requests share one paced count: a clock moved by hand, counts that "take" a set time, and an
 * executor that runs a count at once or holds it until the test lets it run.
 */
class SharedCountTest {

    private static final Instant START = Instant.parse("2026-12-03T16:00:00Z");

    private final VirtualClock clock = VirtualClock.startingAt(START);
    private final AtomicInteger counts = new AtomicInteger();
    private final Queue<Runnable> held = new ArrayDeque<>();
    private boolean holdCounts;
    private Duration countTakes = Duration.ofMillis(10);
    private RuntimeException countFails;
    /** For counts on a thread of their own; see {@link #countedTwentySecondsAgoCountingAgainOnlyWhenReleased}. */
    private final ExecutorService counter = Executors.newSingleThreadExecutor();
    private final CountDownLatch release = new CountDownLatch(1);

    private final Supplier<Integer> count = () -> {
        clock.advance(countTakes);
        if (countFails != null) {
            counts.incrementAndGet();
            throw countFails;
        }
        return counts.incrementAndGet();
    };

    private final SharedCount<Integer> shared = new SharedCount<>(count, Duration.ofSeconds(1), run -> {
        if (holdCounts) {
            held.add(run);
        } else {
            run.run();
        }
    }, clock);

    @Test
    void theFirstCallerWaitsForTheFirstCountAndGetsItWithTheInstantItBegan() {
        Counted<Integer> first = shared.latest();

        assertThat(first.value()).isEqualTo(1);
        assertThat(first.countedAt()).isEqualTo(START);
    }

    @Test
    void callersWithinTheIntervalShareTheLatestCountWithoutCountingAgain() {
        for (int request = 0; request < 100; request++) {
            shared.latest();
            clock.advance(Duration.ofMillis(5));
        }

        assertThat(counts).hasValue(1);
    }

    @Test
    void aCallerAfterTheIntervalStartsTheNextCount() {
        shared.latest();
        clock.advance(Duration.ofSeconds(1));

        assertThat(shared.latest().value()).isEqualTo(2);
        assertThat(counts).hasValue(2);
    }

    @Test
    void aSlowCountIsFollowedByTheNextOnlyTwentyTimesAsLongAsItTookAfterItEnded() {
        countTakes = Duration.ofMillis(400);
        shared.latest();

        clock.advance(Duration.ofMillis(7_999));
        assertThat(shared.latest().value()).isEqualTo(1);
        clock.advance(Duration.ofMillis(1));
        assertThat(shared.latest().value()).isEqualTo(2);
    }

    @Test
    void whileACountIsUnderWayCallersGetTheFiguresBeforeItAndStartNoOther() {
        shared.latest();
        holdCounts = true;
        clock.advance(Duration.ofSeconds(5));

        assertThat(shared.latest()).isEqualTo(new Counted<>(1, START));
        assertThat(shared.latest()).isEqualTo(new Counted<>(1, START));
        assertThat(held).hasSize(1);

        held.remove().run();
        assertThat(shared.latest().value()).isEqualTo(2);
        assertThat(shared.latest().countedAt()).isEqualTo(START.plusMillis(5_010));
    }

    @Test
    void aFailedCountKeepsTheFiguresBeforeItAndIsPacedLikeAnyOther() {
        shared.latest();
        clock.advance(Duration.ofSeconds(1));
        countFails = new IllegalStateException("store away");

        assertThat(shared.latest()).isEqualTo(new Counted<>(1, START));
        assertThat(shared.latest()).isEqualTo(new Counted<>(1, START));
        assertThat(counts).hasValue(2);

        countFails = null;
        clock.advance(Duration.ofSeconds(1));
        assertThat(shared.latest().value()).isEqualTo(3);
    }

    @Test
    void whileNoCountHasSucceededCallersGetTheLastFailureUntilTheNextCountMayStart() {
        countFails = new IllegalStateException("store away");

        assertThatThrownBy(shared::latest).isSameAs(countFails);
        assertThatThrownBy(shared::latest).isSameAs(countFails);
        assertThat(counts).hasValue(1);

        countFails = null;
        clock.advance(Duration.ofSeconds(1));
        assertThat(shared.latest().value()).isEqualTo(2);
    }

    @Test
    void callersArrivingTogetherAtStartWaitForOneCount() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            SharedCount<Integer> slow = new SharedCount<>(() -> {
                started.incrementAndGet();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return 42;
            }, Duration.ofSeconds(1), pool, clock);

            CompletableFuture<Counted<Integer>> one = CompletableFuture.supplyAsync(slow::latest, pool);
            CompletableFuture<Counted<Integer>> two = CompletableFuture.supplyAsync(slow::latest, pool);
            await().atMost(Duration.ofSeconds(10)).until(() -> started.get() == 1);
            release.countDown();

            assertThat(one.get(10, TimeUnit.SECONDS).value()).isEqualTo(42);
            assertThat(two.get(10, TimeUnit.SECONDS).value()).isEqualTo(42);
            assertThat(started).hasValue(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theFiguresSayHowOldTheyAre() {
        Counted<Integer> counted = new Counted<>(1, START);

        assertThat(counted.age(START.plusSeconds(3))).isEqualTo(Duration.ofSeconds(3));
        assertThat(counted.age(START.minusSeconds(1))).isEqualTo(Duration.ZERO);
    }

    @Test
    void aSeldomReaderWaitsForTheCountItStartsInsteadOfGettingFiguresAsOldAsItsLastVisit() throws Exception {
        SharedCount<Integer> slow = countedTwentySecondsAgoCountingAgainOnlyWhenReleased();

        CompletableFuture<Counted<Integer>> scrape = CompletableFuture.supplyAsync(
                () -> slow.fresh(Duration.ofSeconds(30)));
        await().atMost(Duration.ofSeconds(10)).until(() -> counts.get() == 2);
        assertThat(scrape).isNotDone();
        release.countDown();

        assertThat(scrape.get(10, TimeUnit.SECONDS).value()).isEqualTo(2);
        assertThat(scrape.get().countedAt()).isEqualTo(START.plusSeconds(20));
    }

    @Test
    void aSeldomReaderGetsTheLatestFiguresWhenTheCountTakesLongerThanItsPatience() {
        SharedCount<Integer> slow = countedTwentySecondsAgoCountingAgainOnlyWhenReleased();

        assertThat(slow.fresh(Duration.ofMillis(50)).value()).isEqualTo(1);
    }

    @AfterEach
    void releaseAndStopTheCounter() {
        release.countDown();
        counter.shutdownNow();
    }

    /**
     * A shared count on a thread of its own whose first count ended twenty seconds ago, and whose
     * next count ends only once {@link #release} is counted down.
     */
    private SharedCount<Integer> countedTwentySecondsAgoCountingAgainOnlyWhenReleased() {
        SharedCount<Integer> slow = new SharedCount<>(() -> {
            int n = counts.incrementAndGet();
            if (n > 1) {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return n;
        }, Duration.ofSeconds(1), counter, clock);
        slow.latest();
        clock.advance(Duration.ofSeconds(20));
        return slow;
    }
}
