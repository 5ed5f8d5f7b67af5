package io.nvent.spi;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One attempt in a job's history.
 *
 * @param attempt 1-based attempt number
 * @param startedAt start of the attempt
 * @param endedAt end of the attempt, once it ended
 * @param error failure message and stack trace, if it failed
 * @since 0.1
 */
public record JobAttempt(int attempt, Instant startedAt, Optional<Instant> endedAt, Optional<String> error) {

    /**
     * Checks that every object component is given.
     *
     * @param attempt 1-based attempt number
     * @param startedAt start of the attempt
     * @param endedAt end of the attempt, once it ended
     * @param error failure message and stack trace, if it failed
     * @throws NullPointerException if {@code startedAt}, {@code endedAt} or {@code error} is {@code null}
     */
    public JobAttempt {
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(endedAt, "endedAt");
        Objects.requireNonNull(error, "error");
    }
}
