package io.nvent.jpa.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.RunStatus;
import io.nvent.jpa.internal.RunTables.StoredRun;
import io.nvent.spi.RunRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Which states of a run the cache hands out, and for how long. */
class RunCacheTest {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    private static final Duration MAX_AGE = Duration.ofMillis(200);

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final RunCache cache = new RunCache(100, nanos::get);

    private static StoredRun atVersion(long version) {
        return new StoredRun(RunRecord.started("run-1", "orders", "{}", Optional.empty(), T0).withVersion(version),
                version + 1);
    }

    @Test
    void aRememberedStateIsRecentUntilItIsOlderThanTheMaximumAge() {
        cache.remember(atVersion(3));

        nanos.addAndGet(MAX_AGE.toNanos());
        assertThat(cache.recent("run-1", 3, MAX_AGE)).map(s -> s.run().version()).contains(3L);

        nanos.incrementAndGet();
        assertThat(cache.recent("run-1", 3, MAX_AGE)).isEmpty();
        assertThat(cache.get("run-1")).as("still there for a grouped commit, whose update checks the version")
                .isPresent();
    }

    @Test
    void aStateBelowTheVersionTheCallerKnowsOfIsNotRecent() {
        cache.remember(atVersion(3));

        assertThat(cache.recent("run-1", 4, MAX_AGE)).isEmpty();
        assertThat(cache.recent("run-1", 2, MAX_AGE)).map(s -> s.run().version()).contains(3L);
        assertThat(cache.recent("run-2", 0, MAX_AGE)).isEmpty();
    }

    @Test
    void aReadThatComesBackAfterANewerCommitDoesNotTakeTheRunBack() {
        cache.remember(atVersion(5));
        nanos.addAndGet(MAX_AGE.toNanos());

        cache.remember(atVersion(4));

        assertThat(cache.get("run-1")).map(s -> s.run().version()).contains(5L);
        nanos.incrementAndGet();
        assertThat(cache.recent("run-1", 5, MAX_AGE)).as("the older read did not refresh the newer state's age")
                .isEmpty();
    }

    @Test
    void aFinishedRunIsForgotten() {
        cache.remember(atVersion(1));

        cache.remember(new StoredRun(atVersion(2).run().withStatus(RunStatus.COMPLETED, T0), 3));

        assertThat(cache.get("run-1")).isEmpty();
        assertThat(cache.recent("run-1", 0, MAX_AGE)).isEmpty();
    }
}
