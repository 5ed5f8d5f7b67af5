package io.nvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FlowStatsTest {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

    /** A store adds up its runs one by one, or by status in groups, in any order: the latest start and completion win. */
    @Test
    void addingRunsKeepsTheLatestStartOfAnyStatusAndTheLatestEndOfACompletedRun() {
        FlowStats stats = FlowStats.empty("orders")
                .plus(RunStatus.COMPLETED, 2, T0.plusSeconds(10), Optional.of(T0.plusSeconds(40)))
                .plus(RunStatus.FAILED, 1, T0.plusSeconds(30), Optional.of(T0.plusSeconds(90)))
                .plus(RunStatus.RUNNING, 1, T0.plusSeconds(50), Optional.empty())
                .plus(RunStatus.COMPLETED, 1, T0.plusSeconds(5), Optional.of(T0.plusSeconds(20)));

        assertThat(stats.lastStartedAt()).contains(T0.plusSeconds(50));
        assertThat(stats.lastCompletedAt()).as("a failed run's later end is no completion").contains(T0.plusSeconds(40));
        assertThat(stats.total()).isEqualTo(5);
        assertThat(stats.completed()).isEqualTo(3);
    }

    /** Counts made as nvent 0.1 made them, by a store adapter written for it, say no times; none is ever null. */
    @Test
    void countsWithoutTimesHaveNoneAndNoTimeIsNull() {
        FlowStats counts = new FlowStats("orders", 2, 1, 0, 1, 0, 0, 0).plus(RunStatus.RUNNING, 1);

        assertThat(counts.lastStartedAt()).isEmpty();
        assertThat(counts.lastCompletedAt()).isEmpty();
        assertThatNullPointerException().isThrownBy(() -> new FlowStats("orders", 0, 0, 0, 0, 0, 0, 0, 0, null,
                Optional.empty())).withMessage("lastStartedAt");
    }
}
