package io.nvent.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * A run under way past its deadline, as {@link FlowStore#runsPastDeadline} finds it, and where the maintenance
 * sweep's next page of them starts: after this deadline, and among runs with the same deadline after this run id.
 *
 * @param deadline the run's {@link RunRecord#deadline()}
 * @param runId the run's id
 * @since 0.2
 */
public record RunDeadline(Instant deadline, String runId) {

    /**
     * @param deadline the run's deadline
     * @param runId the run's id
     * @throws NullPointerException if either is {@code null}
     */
    public RunDeadline {
        Objects.requireNonNull(deadline, "deadline");
        Objects.requireNonNull(runId, "runId");
    }
}
