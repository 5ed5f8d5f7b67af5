package io.nvent.jms.internal;

import jakarta.jms.ConnectionFactory;
import java.time.Clock;

/**
 * What the workers of all queues share.
 *
 * @param factory connection factory for the workers' own contexts
 * @param registry this node's job knowledge
 * @param runner runs attempts with their timeout
 * @param clock time of records and backoff
 * @param prefix JMS queue name prefix
 * @param receiveTimeoutMillis how long one receive blocks
 * @param maxErrorLength characters of an error kept in a record
 * @param maxAttemptsPerCommit most messages a worker consumes in one transaction
 * @param maxCommitDelayNanos how long after its first message a worker stops adding more to a transaction
 * @param destinations the queue objects, made once per name
 * @param raisedPriorityDelayMillis least delivery delay of a job above the default priority, whole ms
 * @param connections the connections the workers of all queues hold
 * @param sends watches the workers' sends the broker may hold back
 * @param maxDeliveries most deliveries of an attempt that end without an outcome, 0 for no limit
 */
public record QueueRuntime(ConnectionFactory factory, JobRegistry registry, AttemptRunner runner, Clock clock,
                           String prefix, long receiveTimeoutMillis, int maxErrorLength, int maxAttemptsPerCommit,
                           long maxCommitDelayNanos, Destinations destinations,
                           long raisedPriorityDelayMillis, WorkerConnections connections, HeldBackSends sends,
                           int maxDeliveries) {

    /** JMS queue of an nvent queue. */
    public String mainQueue(String queue) {
        return prefix + queue;
    }

    /**
     * The delivery delay to send a job's message with: until it is due, and for a job above the
     * default priority at least {@link #raisedPriorityDelayMillis()}, which makes Artemis honour
     * its priority (see {@code JmsJobQueueOptions#raisedPriorityDelay()}).
     */
    public long deliveryDelayMillis(JobMessage job) {
        long due = job.deliveryDelayMillis(clock.instant());
        return job.priority() > 0 ? Math.max(due, raisedPriorityDelayMillis) : due;
    }

    /**
     * The delivery delay to send back, keeping its place, a job's message a worker received: as
     * {@link #deliveryDelayMillis}, and at least {@code keepPlaceMillis}, as Artemis puts a scheduled message that falls
     * due at the head of its priority; none of that with {@link #raisedPriorityDelayMillis()} 0, which turns off every
     * delay sent only to re-sort the queue.
     */
    public long sendBackDelayMillis(JobMessage job, long keepPlaceMillis) {
        long due = deliveryDelayMillis(job);
        return raisedPriorityDelayMillis == 0 ? due : Math.max(keepPlaceMillis, due);
    }

    /** JMS dead-letter queue of an nvent queue. */
    public String deadLetterQueue(String queue) {
        return prefix + queue + ".dlq";
    }

    /** An error as kept in a job record: its text and stack trace, cut to the configured length. */
    public String describe(Throwable error) {
        StringBuilder text = new StringBuilder(String.valueOf(error));
        for (Throwable current = error; current != null && text.length() < maxErrorLength;
             current = current.getCause() == current ? null : current.getCause()) {
            if (current != error) {
                text.append("\nCaused by: ").append(current);
            }
            for (StackTraceElement frame : current.getStackTrace()) {
                if (text.length() >= maxErrorLength) {
                    break;
                }
                text.append("\n\tat ").append(frame);
            }
        }
        return text.length() > maxErrorLength ? text.substring(0, maxErrorLength) : text.toString();
    }
}
