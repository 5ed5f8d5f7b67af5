package io.nvent.jms.internal;

import java.time.Instant;
import java.util.Optional;

/**
 * What came of one attempt, remembered so that a redelivered message of the same attempt is not
 * executed again but only has its follow-up (retry message, dead letter) sent.
 *
 * @param key the attempt
 * @param kind completed, to be retried, or dead
 * @param nextAttemptAt for {@link Kind#RETRY}, when the next attempt is due
 * @param committed whether the JMS transaction that consumed the attempt's message committed
 */
public record Outcome(AttemptKey key, Kind kind, Optional<Instant> nextAttemptAt, boolean committed) {

    /** Kinds of outcome. */
    public enum Kind {
        COMPLETED, RETRY, DEAD
    }

    Outcome settled() {
        return new Outcome(key, kind, nextAttemptAt, true);
    }
}
