package io.nvent.jms.internal;

/**
 * Identifies one attempt of a job across redeliveries and duplicates: {@code round} counts how
 * often the job was retried from the dead-letter queue, {@code attempt} is the 1-based attempt in
 * that round. Every message of a job carries its key, so a redelivered or duplicated message is
 * recognised as the same attempt.
 *
 * @param round 0 for the first enqueue, +1 per retry or redrive
 * @param attempt 1-based attempt number within the round
 */
public record AttemptKey(int round, int attempt) implements Comparable<AttemptKey> {

    /** The key of a job's first message. */
    public static final AttemptKey FIRST = new AttemptKey(0, 1);

    /** The attempt after this one. */
    public AttemptKey next() {
        return new AttemptKey(round, attempt + 1);
    }

    /** The first attempt of the next round. */
    public AttemptKey nextRound() {
        return new AttemptKey(round + 1, 1);
    }

    @Override
    public int compareTo(AttemptKey other) {
        return round != other.round ? Integer.compare(round, other.round) : Integer.compare(attempt, other.attempt);
    }

    @Override
    public String toString() {
        return round + ":" + attempt;
    }
}
