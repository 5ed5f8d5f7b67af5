package io.nvent.postgres.internal;

import io.nvent.spi.JobState;
import java.util.Optional;

/**
 * A job that ran as a continuation (without a row) and ended: its row is inserted with this outcome.
 *
 * @param job the job as it ran, attempt 1
 * @param state {@link JobState#COMPLETED}, {@link JobState#WAITING} (due again after its backoff) or
 *     {@link JobState#FAILED} (dead)
 * @param startedMicros start of the attempt, epoch microseconds; also the job's creation time
 * @param endedMicros end of the attempt, epoch microseconds
 * @param availableMicros when the job is due again (for {@code WAITING}), epoch microseconds
 * @param error the attempt's error, for a failed one
 */
public record ContinuedJob(ClaimedJob job, JobState state, long startedMicros, long endedMicros,
                           long availableMicros, Optional<String> error) {
}
