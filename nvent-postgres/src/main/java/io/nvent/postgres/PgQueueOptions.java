package io.nvent.postgres;

import jakarta.transaction.TransactionSynchronizationRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * Settings of a {@link PgJobQueue}. Immutable; built with {@link #newBuilder()}, which validates
 * eagerly. {@link #DEFAULTS} suits most deployments.
 *
 * @param tablePrefix prefix of the queue's tables and of its notification channel, e.g.
 *     {@code nvent_q_} gives {@code nvent_q_job}, {@code nvent_q_queue} and channel
 *     {@code nvent_q_jobs}; lower-case letters, digits and {@code _}, starting with a letter or {@code _}
 * @param instanceId names this instance in the leases it takes ({@code locked_by}); empty (the
 *     default) for the host name plus a random suffix, chosen per queue object. A stable name (e.g.
 *     the server instance's) lets a restarted instance hand back at once the jobs it was running
 *     when it died, instead of leaving them until their leases run out; it must then be unique
 *     among the instances running at the same time
 * @param leaseDuration how long a claimed job stays reserved for this instance without renewal.
 *     Running jobs are renewed every third of it; when an instance dies, its jobs run again elsewhere
 *     once their lease ran out. Must exceed the clock skew between instances by far
 * @param pollInterval fallback poll: how often an idle worker looks for jobs even without a wake-up
 *     notification (e.g. while the listener connection is down), and how often expired leases are
 *     looked for
 * @param completedRetention how long completed jobs are kept; their job ids stay taken (enqueue of
 *     the same id is ignored) for that long
 * @param shutdownGrace how long {@link PgJobQueue#close()} waits for running attempts before it
 *     interrupts them and hands their jobs back to the queue
 * @param createSchema whether the queue creates its tables and indexes if absent; turn off where
 *     the application's user may not run DDL, and apply {@code queue-schema.sql} yourself
 * @param batchEnqueue whether enqueues outside a JTA transaction are grouped: concurrent callers'
 *     jobs are inserted by one statement and one commit (each caller still returns only after its
 *     job is committed)
 * @param maxEnqueueBatch most jobs one grouped insert takes
 * @param durableClaims whether claims, lease renewals and completions wait for the database's WAL
 *     flush. {@code false} (the default) lets them commit asynchronously: a crash of the database
 *     server may then undo the last few hundred milliseconds of them, and the affected jobs run again
 *     (delivery is at least once anyway). Enqueues, failures and dead letters always commit
 *     synchronously
 * @param prefetch how many jobs per queue the workers claim beyond their free slots, so a worker
 *     finishing a job starts the next without waiting for a round trip to the database and claims
 *     overlap running jobs; at most {@code concurrency} handlers still run at once. Prefetched jobs
 *     count as active, hold a lease like running ones, and are handed back unchanged if the queue
 *     is paused before they start. Empty (the default): as many as the queue's concurrency; 0
 *     claims only for free slots
 * @param maxErrorLength characters of an attempt's error (message and stack trace) kept in its record
 * @param transactions the container's registry; when present and a JTA transaction is active, an
 *     enqueue inserts on the caller's (enlisted) connection so the job exists only if the
 *     transaction commits, and wake-ups are sent after the commit
 * @since 0.1
 */
public record PgQueueOptions(String tablePrefix, Optional<String> instanceId, Duration leaseDuration, Duration pollInterval,
                             Duration completedRetention, Duration shutdownGrace, boolean createSchema,
                             boolean batchEnqueue, int maxEnqueueBatch, boolean durableClaims, OptionalInt prefetch,
                             int maxErrorLength,
                             Optional<TransactionSynchronizationRegistry> transactions) {

    /** Identifiers the prefix may form; they are spliced into SQL, so nothing else is allowed. */
    static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,39}");

    /** Prefix {@code nvent_q_}, 30 s leases, 1 s fallback poll, completed jobs kept 7 days. */
    public static final PgQueueOptions DEFAULTS = newBuilder().build();

    public PgQueueOptions {
        Objects.requireNonNull(tablePrefix, "tablePrefix");
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(leaseDuration, "leaseDuration");
        Objects.requireNonNull(pollInterval, "pollInterval");
        Objects.requireNonNull(completedRetention, "completedRetention");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        Objects.requireNonNull(transactions, "transactions");
        Objects.requireNonNull(prefetch, "prefetch");
        if (!IDENTIFIER.matcher(tablePrefix).matches()) {
            throw new IllegalArgumentException("tablePrefix must match " + IDENTIFIER + " (lower-case SQL identifier "
                    + "of at most 40 characters), was '" + tablePrefix + "'");
        }
        if (instanceId.filter(id -> id.isBlank() || id.length() > 200).isPresent()) {
            throw new IllegalArgumentException("instanceId must be 1-200 characters, was '" + instanceId.get() + "'");
        }
        if (leaseDuration.compareTo(Duration.ofMillis(300)) < 0) {
            throw new IllegalArgumentException("leaseDuration must be at least 300 ms, was " + leaseDuration);
        }
        if (pollInterval.toMillis() < 10) {
            throw new IllegalArgumentException("pollInterval must be at least 10 ms, was " + pollInterval);
        }
        if (completedRetention.isNegative()) {
            throw new IllegalArgumentException("completedRetention must not be negative, was " + completedRetention);
        }
        if (shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("shutdownGrace must not be negative, was " + shutdownGrace);
        }
        if (maxEnqueueBatch < 1 || maxEnqueueBatch > 10_000) {
            throw new IllegalArgumentException("maxEnqueueBatch must be 1-10000, was " + maxEnqueueBatch);
        }
        if (prefetch.isPresent() && (prefetch.getAsInt() < 0 || prefetch.getAsInt() > 10_000)) {
            throw new IllegalArgumentException("prefetch must be 0-10000, was " + prefetch.getAsInt());
        }
        if (maxErrorLength < 100) {
            throw new IllegalArgumentException("maxErrorLength must be >= 100, was " + maxErrorLength);
        }
    }

    /** A builder with the defaults. */
    public static Builder newBuilder() {
        return new Builder();
    }

    /** A builder initialised from these options. */
    public Builder toBuilder() {
        return new Builder().tablePrefix(tablePrefix).instanceId(instanceId.orElse(null)).leaseDuration(leaseDuration)
                .pollInterval(pollInterval).completedRetention(completedRetention).shutdownGrace(shutdownGrace)
                .createSchema(createSchema).batchEnqueue(batchEnqueue).maxEnqueueBatch(maxEnqueueBatch)
                .durableClaims(durableClaims).prefetch(prefetch.isPresent() ? prefetch.getAsInt() : null)
                .maxErrorLength(maxErrorLength).transactions(transactions.orElse(null));
    }

    /** Builder of {@link PgQueueOptions}. */
    public static final class Builder {
        private String tablePrefix = "nvent_q_";
        private String instanceId;
        private Duration leaseDuration = Duration.ofSeconds(30);
        private Duration pollInterval = Duration.ofSeconds(1);
        private Duration completedRetention = Duration.ofDays(7);
        private Duration shutdownGrace = Duration.ofSeconds(10);
        private boolean createSchema = true;
        private boolean batchEnqueue = true;
        private int maxEnqueueBatch = 500;
        private boolean durableClaims;
        private Integer prefetch;
        private int maxErrorLength = 4000;
        private TransactionSynchronizationRegistry transactions;

        private Builder() {
        }

        public Builder tablePrefix(String value) {
            this.tablePrefix = value;
            return this;
        }

        /** {@code null} for the default: host name and a random suffix. */
        public Builder instanceId(String value) {
            this.instanceId = value;
            return this;
        }

        public Builder leaseDuration(Duration value) {
            this.leaseDuration = value;
            return this;
        }

        public Builder pollInterval(Duration value) {
            this.pollInterval = value;
            return this;
        }

        public Builder completedRetention(Duration value) {
            this.completedRetention = value;
            return this;
        }

        public Builder shutdownGrace(Duration value) {
            this.shutdownGrace = value;
            return this;
        }

        public Builder createSchema(boolean value) {
            this.createSchema = value;
            return this;
        }

        public Builder batchEnqueue(boolean value) {
            this.batchEnqueue = value;
            return this;
        }

        public Builder maxEnqueueBatch(int value) {
            this.maxEnqueueBatch = value;
            return this;
        }

        public Builder durableClaims(boolean value) {
            this.durableClaims = value;
            return this;
        }

        /** {@code null} for the default: as many as each queue's concurrency. */
        public Builder prefetch(Integer value) {
            this.prefetch = value;
            return this;
        }

        public Builder maxErrorLength(int value) {
            this.maxErrorLength = value;
            return this;
        }

        /** The container's registry; {@code null} for none (plain JVM). */
        public Builder transactions(TransactionSynchronizationRegistry value) {
            this.transactions = value;
            return this;
        }

        /** Builds the options; throws {@link IllegalArgumentException} for invalid values. */
        public PgQueueOptions build() {
            return new PgQueueOptions(tablePrefix, Optional.ofNullable(instanceId),
                    leaseDuration, pollInterval, completedRetention, shutdownGrace, createSchema, batchEnqueue,
                    maxEnqueueBatch, durableClaims,
                    prefetch == null ? OptionalInt.empty() : OptionalInt.of(prefetch), maxErrorLength,
                    Optional.ofNullable(transactions));
        }
    }
}
