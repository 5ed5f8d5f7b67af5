package io.nvent.jms;

import jakarta.transaction.TransactionSynchronizationRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of a {@link JmsJobQueue}. Immutable; built with {@link #newBuilder()}, which validates
 * eagerly. {@link #DEFAULTS} suits a plain (unmanaged) connection factory.
 *
 * @param prefix prepended to a queue name to form the JMS queue name; the dead-letter queue adds
 *     {@code .dlq}, e.g. {@code nvent.mail} and {@code nvent.mail.dlq}
 * @param receiveTimeout how long a worker blocks in one receive; bounds how fast pause and close
 *     take effect on an idle worker
 * @param completedRetention completed job records kept in memory per queue; older ones are
 *     forgotten (their ids then rely on the broker's duplicate-id cache)
 * @param brokerDuplicateDetection whether a first enqueue outside a JTA transaction carries the
 *     Artemis duplicate id {@code _AMQ_DUPL_ID}, so the broker drops a second enqueue of the same
 *     job id from any node and after a restart; ignored by other brokers
 * @param shareConnection whether sends and browsing reuse one connection of this queue; right for
 *     a plain connection factory (a new connection per send would be slow), wrong for a
 *     container-managed one, which pools connections and enlists each in the caller's transaction
 * @param transactions when present, bookkeeping of an enqueue inside a JTA transaction waits for its
 *     outcome, so a rolled-back enqueue leaves no job record and the job id stays free
 * @param shutdownGrace how long {@link JmsJobQueue#close()} waits for running attempts before it
 *     interrupts them
 * @param maxErrorLength characters of an attempt's error (message and stack trace) kept in its record
 * @param maxAttemptsPerCommit most job messages a worker consumes in one JMS transaction. While
 *     more jobs are available at once, a worker runs them one after another and commits their
 *     outcomes together: a persistent commit waits for the broker's disk, so a backlog drains up
 *     to this many times faster. A crash before the commit runs the whole group again (at least
 *     once, as always). 1 commits every attempt on its own
 * @param maxCommitDelay how long after a transaction's first message a worker stops adding more to
 *     it; bounds how long an ended attempt stays uncommitted (and counted as active)
 * @param raisedPriorityDelay the least delivery delay of a job enqueued above the default priority
 *     (a run's next step, a step of raised priority). Works around an ActiveMQ Artemis defect
 *     (ARTEMIS-4985, present up to at least 2.42): a consumer that found the higher priority empty
 *     for a moment goes on taking lower-priority messages, and is not sent back up while the newer
 *     messages keep arriving at one priority, so under load the higher ones wait behind the whole
 *     lower backlog. A scheduled message that falls due makes every consumer of the queue start again
 *     from the highest priority. Costs the broker a scheduling per such job; {@link Duration#ZERO}
 *     turns it off (for a broker without the defect, or one that schedules poorly), and with it the 1 ms delay a
 *     job a worker sends back (a pause, a shrink) gets to keep its place: then it goes behind the jobs waiting at
 *     its priority (since 0.2)
 * @param sendTimeout how long an enqueue (and a retry or redrive of dead letters) waits for the
 *     broker to take its message. A broker holds producers back while its disk or memory limit is
 *     reached (ActiveMQ Artemis: {@code max-disk-usage}, an address with {@code address-full-policy}
 *     BLOCK), and its client waits for that without a bound; after this long the send is
 *     interrupted and fails with {@link JmsQueueException} ({@code NVENT-0647}), and {@link JmsJobQueue#problem()}
 *     reports the queue as held back
 * @param broker how the queue's failures ({@link JmsQueueException}) name its broker, e.g. the
 *     connection factory's JNDI name or the broker's {@code host:port}; never credentials. Default
 *     {@value #UNNAMED_BROKER}; the CDI bean names its connection factory's JNDI name (since 0.2)
 * @param maxDeliveries most deliveries of one attempt's message that end without an outcome (its attempt killed
 *     its worker or the JVM, or its transaction rolled back); the next delivery goes to the dead letters without
 *     running, as failed ({@code NVENT-0623}). Counts the deliveries before a pause or shrink sent the message
 *     back, which the broker's {@code JMSXDeliveryCount} starts again without. {@value #NO_DELIVERY_LIMIT}, the
 *     default: no limit, as before (since 0.2)
 * @since 0.1
 */
public record JmsJobQueueOptions(String prefix, Duration receiveTimeout, int completedRetention,
                                 boolean brokerDuplicateDetection, boolean shareConnection,
                                 Optional<TransactionSynchronizationRegistry> transactions, Duration shutdownGrace,
                                 int maxErrorLength, int maxAttemptsPerCommit, Duration maxCommitDelay,
                                 Duration raisedPriorityDelay, Duration sendTimeout, String broker,
                                 int maxDeliveries) {

    /** {@link #maxDeliveries()} of no limit: {@value}. */
    public static final int NO_DELIVERY_LIMIT = 0;

    /** How failures name the broker when the options do not: {@value}. */
    public static final String UNNAMED_BROKER = "of its connection factory";

    /** The largest {@link #raisedPriorityDelay()}: it is there to re-sort the queue, not to hold jobs back. */
    public static final Duration MAX_RAISED_PRIORITY_DELAY = Duration.ofSeconds(1);

    /**
     * Prefix {@code nvent.}, 200 ms receive timeout, 10,000 completed records, shared connection,
     * up to 32 attempts per commit within 50 ms, jobs above the default priority delayed by at least 1 ms,
     * sends held back by the broker failing after 10 s.
     */
    public static final JmsJobQueueOptions DEFAULTS = newBuilder().build();

    public JmsJobQueueOptions {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(receiveTimeout, "receiveTimeout");
        Objects.requireNonNull(transactions, "transactions");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        Objects.requireNonNull(maxCommitDelay, "maxCommitDelay");
        Objects.requireNonNull(raisedPriorityDelay, "raisedPriorityDelay");
        Objects.requireNonNull(sendTimeout, "sendTimeout");
        Objects.requireNonNull(broker, "broker");
        if (broker.isBlank()) {
            throw new IllegalArgumentException("broker must not be blank");
        }
        if (receiveTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("receiveTimeout must be at least 1 ms, was " + receiveTimeout);
        }
        if (completedRetention < 0) {
            throw new IllegalArgumentException("completedRetention must be >= 0, was " + completedRetention);
        }
        if (shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("shutdownGrace must not be negative, was " + shutdownGrace);
        }
        if (maxErrorLength < 100) {
            throw new IllegalArgumentException("maxErrorLength must be >= 100, was " + maxErrorLength);
        }
        if (maxAttemptsPerCommit < 1) {
            throw new IllegalArgumentException("maxAttemptsPerCommit must be >= 1, was " + maxAttemptsPerCommit);
        }
        if (maxCommitDelay.isNegative()) {
            throw new IllegalArgumentException("maxCommitDelay must not be negative, was " + maxCommitDelay);
        }
        if (raisedPriorityDelay.isNegative() || raisedPriorityDelay.compareTo(MAX_RAISED_PRIORITY_DELAY) > 0) {
            throw new IllegalArgumentException("raisedPriorityDelay must be between PT0S and " + MAX_RAISED_PRIORITY_DELAY
                    + ", was " + raisedPriorityDelay);
        }
        if (sendTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("sendTimeout must be at least 1 ms, was " + sendTimeout);
        }
        if (maxDeliveries < 0) {
            throw new IllegalArgumentException("maxDeliveries must be >= 0 (" + NO_DELIVERY_LIMIT + " for no limit), was "
                    + maxDeliveries);
        }
    }

    /**
     * The options of 0.2 before {@link #maxDeliveries()}: no delivery limit. Kept so that code written against
     * them still compiles and links; {@link #newBuilder()} is the way to build options.
     *
     * @param prefix see {@link #prefix()}
     * @param receiveTimeout see {@link #receiveTimeout()}
     * @param completedRetention see {@link #completedRetention()}
     * @param brokerDuplicateDetection see {@link #brokerDuplicateDetection()}
     * @param shareConnection see {@link #shareConnection()}
     * @param transactions see {@link #transactions()}
     * @param shutdownGrace see {@link #shutdownGrace()}
     * @param maxErrorLength see {@link #maxErrorLength()}
     * @param maxAttemptsPerCommit see {@link #maxAttemptsPerCommit()}
     * @param maxCommitDelay see {@link #maxCommitDelay()}
     * @param raisedPriorityDelay see {@link #raisedPriorityDelay()}
     * @param sendTimeout see {@link #sendTimeout()}
     * @param broker see {@link #broker()}
     */
    public JmsJobQueueOptions(String prefix, Duration receiveTimeout, int completedRetention,
                              boolean brokerDuplicateDetection, boolean shareConnection,
                              Optional<TransactionSynchronizationRegistry> transactions, Duration shutdownGrace,
                              int maxErrorLength, int maxAttemptsPerCommit, Duration maxCommitDelay,
                              Duration raisedPriorityDelay, Duration sendTimeout, String broker) {
        this(prefix, receiveTimeout, completedRetention, brokerDuplicateDetection, shareConnection, transactions,
                shutdownGrace, maxErrorLength, maxAttemptsPerCommit, maxCommitDelay, raisedPriorityDelay, sendTimeout,
                broker, NO_DELIVERY_LIMIT);
    }

    /**
     * The options of 0.1, before {@link #broker()}: failures name the broker {@value #UNNAMED_BROKER}.
     * Kept so that code written against 0.1 still compiles and links; {@link #newBuilder()} is the
     * way to build options.
     *
     * @param prefix see {@link #prefix()}
     * @param receiveTimeout see {@link #receiveTimeout()}
     * @param completedRetention see {@link #completedRetention()}
     * @param brokerDuplicateDetection see {@link #brokerDuplicateDetection()}
     * @param shareConnection see {@link #shareConnection()}
     * @param transactions see {@link #transactions()}
     * @param shutdownGrace see {@link #shutdownGrace()}
     * @param maxErrorLength see {@link #maxErrorLength()}
     * @param maxAttemptsPerCommit see {@link #maxAttemptsPerCommit()}
     * @param maxCommitDelay see {@link #maxCommitDelay()}
     * @param raisedPriorityDelay see {@link #raisedPriorityDelay()}
     * @param sendTimeout see {@link #sendTimeout()}
     */
    public JmsJobQueueOptions(String prefix, Duration receiveTimeout, int completedRetention,
                              boolean brokerDuplicateDetection, boolean shareConnection,
                              Optional<TransactionSynchronizationRegistry> transactions, Duration shutdownGrace,
                              int maxErrorLength, int maxAttemptsPerCommit, Duration maxCommitDelay,
                              Duration raisedPriorityDelay, Duration sendTimeout) {
        this(prefix, receiveTimeout, completedRetention, brokerDuplicateDetection, shareConnection, transactions,
                shutdownGrace, maxErrorLength, maxAttemptsPerCommit, maxCommitDelay, raisedPriorityDelay, sendTimeout,
                UNNAMED_BROKER, NO_DELIVERY_LIMIT);
    }

    /** A builder with the defaults. */
    public static Builder newBuilder() {
        return new Builder();
    }

    /** A builder initialised from these options. */
    public Builder toBuilder() {
        return new Builder().prefix(prefix).receiveTimeout(receiveTimeout).completedRetention(completedRetention)
                .brokerDuplicateDetection(brokerDuplicateDetection).shareConnection(shareConnection)
                .transactions(transactions.orElse(null)).shutdownGrace(shutdownGrace).maxErrorLength(maxErrorLength)
                .maxAttemptsPerCommit(maxAttemptsPerCommit).maxCommitDelay(maxCommitDelay)
                .raisedPriorityDelay(raisedPriorityDelay).sendTimeout(sendTimeout).broker(broker)
                .maxDeliveries(maxDeliveries);
    }

    /** Builder of {@link JmsJobQueueOptions}. */
    public static final class Builder {
        private String prefix = "nvent.";
        private Duration receiveTimeout = Duration.ofMillis(200);
        private int completedRetention = 10_000;
        private boolean brokerDuplicateDetection = true;
        private boolean shareConnection = true;
        private TransactionSynchronizationRegistry transactions;
        private Duration shutdownGrace = Duration.ofSeconds(10);
        private int maxErrorLength = 4000;
        private int maxAttemptsPerCommit = 32;
        private Duration maxCommitDelay = Duration.ofMillis(50);
        private Duration raisedPriorityDelay = Duration.ofMillis(1);
        private Duration sendTimeout = Duration.ofSeconds(10);
        private int maxDeliveries = NO_DELIVERY_LIMIT;
        private String broker = UNNAMED_BROKER;

        private Builder() {
        }

        public Builder prefix(String value) {
            this.prefix = value;
            return this;
        }

        public Builder receiveTimeout(Duration value) {
            this.receiveTimeout = value;
            return this;
        }

        public Builder completedRetention(int value) {
            this.completedRetention = value;
            return this;
        }

        public Builder brokerDuplicateDetection(boolean value) {
            this.brokerDuplicateDetection = value;
            return this;
        }

        public Builder shareConnection(boolean value) {
            this.shareConnection = value;
            return this;
        }

        /** The container's registry; {@code null} for none. */
        public Builder transactions(TransactionSynchronizationRegistry value) {
            this.transactions = value;
            return this;
        }

        public Builder shutdownGrace(Duration value) {
            this.shutdownGrace = value;
            return this;
        }

        public Builder maxErrorLength(int value) {
            this.maxErrorLength = value;
            return this;
        }

        public Builder maxAttemptsPerCommit(int value) {
            this.maxAttemptsPerCommit = value;
            return this;
        }

        public Builder maxCommitDelay(Duration value) {
            this.maxCommitDelay = value;
            return this;
        }

        public Builder raisedPriorityDelay(Duration value) {
            this.raisedPriorityDelay = value;
            return this;
        }

        public Builder sendTimeout(Duration value) {
            this.sendTimeout = value;
            return this;
        }

        /** How failures name the broker: a JNDI name or {@code host:port}, never credentials (since 0.2). */
        public Builder broker(String value) {
            this.broker = value;
            return this;
        }

        /** See {@link JmsJobQueueOptions#maxDeliveries()} (since 0.2). */
        public Builder maxDeliveries(int value) {
            this.maxDeliveries = value;
            return this;
        }

        /** Builds the options; throws {@link IllegalArgumentException} for invalid values. */
        public JmsJobQueueOptions build() {
            return new JmsJobQueueOptions(prefix, receiveTimeout, completedRetention, brokerDuplicateDetection,
                    shareConnection, Optional.ofNullable(transactions), shutdownGrace, maxErrorLength,
                    maxAttemptsPerCommit, maxCommitDelay, raisedPriorityDelay, sendTimeout, broker, maxDeliveries);
        }
    }
}
