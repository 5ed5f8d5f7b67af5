package io.nvent;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * Review: the public records that gained a concurrency limit refuse what no run can have, as {@link StartOptions},
 * {@code RunRecord} and {@code AwaitRecord} do, and an await's first holder is the first of its holders.
 */
class ReviewConcurrencyLimitRecordsTest {

    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

    private static AwaitInfo await(Optional<String> holder, List<String> holders, int limit) {
        return new AwaitInfo("await-1", "run-1", "sync", "sync-customer", AwaitPosition.BEFORE,
                AwaitType.CONCURRENCY_KEY, AwaitStatus.WAITING, T0, Optional.empty(), Optional.empty(),
                Optional.of("k"), holder, holders, limit);
    }

    @Test
    void anAwaitInfoOfALimitOutOfRangeIsRefused() {
        assertThatThrownBy(() -> await(Optional.empty(), List.of(), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NVENT-0270");
    }

    @Test
    void anAwaitInfoWhoseFirstHolderIsNotTheFirstOfItsHoldersIsRefused() {
        assertThatThrownBy(() -> await(Optional.of("run-a"), List.of("run-b", "run-c"), 2))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRunInfoOfALimitOutOfRangeIsRefused() {
        assertThatThrownBy(() -> new RunInfo("run-1", "sync", RunStatus.RUNNING, T0, Optional.empty(),
                Optional.empty(), Map.of(), Optional.empty(), Optional.empty(), Optional.of("k"), OptionalInt.of(0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NVENT-0270");
    }
}
