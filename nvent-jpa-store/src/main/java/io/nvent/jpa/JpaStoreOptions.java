package io.nvent.jpa;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Settings of a {@link JpaFlowStore}. Immutable; start from {@link #defaults()} or
 * {@link #newBuilder()}; {@link Builder#build()} validates.
 *
 * <p>In a container the same settings come from MicroProfile Config:
 * <table>
 *   <caption>Configuration keys</caption>
 *   <tr><th>key</th><th>default</th><th>option</th></tr>
 *   <tr><td>{@code nvent.store.datasource}</td><td>{@code java:comp/DefaultDataSource}</td>
 *       <td>JNDI name of the JTA datasource (container only)</td></tr>
 *   <tr><td>{@code nvent.store.table-prefix}</td><td>{@code nvent_}</td><td>{@link #tablePrefix()}</td></tr>
 *   <tr><td>{@code nvent.store.schema}</td><td>(connection default)</td><td>{@link #schema()}</td></tr>
 *   <tr><td>{@code nvent.store.max-payload-bytes}</td><td>{@code 1048576}</td>
 *       <td>{@link #maxPayloadBytes()}</td></tr>
 *   <tr><td>{@code nvent.store.max-attempts}</td><td>{@code 10}</td><td>{@link #maxAttempts()}</td></tr>
 *   <tr><td>{@code nvent.store.migrate}</td><td>{@code true}</td><td>{@link #migrateSchema()}</td></tr>
 *   <tr><td>{@code nvent.store.group-commit-threads}</td><td>{@code 0} in a container</td>
 *       <td>{@link #groupCommitThreads()}</td></tr>
 *   <tr><td>{@code nvent.store.slow-write-warning}</td><td>{@code PT10S}</td>
 *       <td>ISO-8601 duration; {@link #slowWriteWarning()}</td></tr>
 *   <tr><td>{@code nvent.store.trigger-lock-wait}</td><td>{@code PT5S}</td>
 *       <td>ISO-8601 duration; {@link #triggerLockWait()}</td></tr>
 *   <tr><td>{@code nvent.store.retention.max-age}</td><td>(off)</td>
 *       <td>ISO-8601 duration, e.g. {@code P30D}; see {@link RetentionPolicy}</td></tr>
 *   <tr><td>{@code nvent.store.retention.max-finished-runs-per-flow}</td><td>(off)</td>
 *       <td>see {@link RetentionPolicy}</td></tr>
 * </table>
 *
 * @param tablePrefix prefix of every table and index name (letters, digits, underscore; may be
 *     empty); lets several stores share one schema
 * @param schema schema holding the tables, created if missing; empty for the connection's default
 * @param maxPayloadBytes largest payload (UTF-8 bytes) accepted for run input, result, emitted
 *     payloads, history entry data and state values
 * @param maxAttempts how often an operation is tried when it loses a race for a row lock or a
 *     version check, before {@link io.nvent.ConcurrentRunModificationException}
 * @param retention which finished runs {@link JpaFlowStore#purgeFinishedRuns(java.time.Instant)}
 *     deletes
 * @param migrateSchema whether the store applies its Flyway migrations when it starts; turn off
 *     when a DBA applies them: the store then only checks, in Flyway's history table
 *     {@code <prefix>schema_history}, that all of them were applied, and refuses to start otherwise
 * @param groupCommitThreads how many threads commit the writes of concurrent callers together
 *     when the store begins its own transactions (outside a container): every caller still returns
 *     only after its write committed, but one commit serves many callers; {@code 0} commits each
 *     write alone. Writes that join a caller's JTA transaction are never grouped. Default: the
 *     number of processors, at least 2 and at most 8 (a committer spends its time on the CPU
 *     preparing its group, so more committers than cores only compete for them)
 * @param slowWriteWarning how long a write may wait for its grouped commit before the store logs a
 *     warning ({@code NVENT-0322}) naming the run and showing where the committer thread is (for
 *     example waiting for a row lock another transaction holds); the write goes on waiting, and a
 *     second message ({@code NVENT-0323}) says when it committed
 * @param triggerLockWait how long, on PostgreSQL, a schedule tick's claim and a trigger's statistics and
 *     history entry wait at most for a lock another transaction holds (an instance that stopped in the
 *     middle of its own claim or fire): the claim then answers {@link io.nvent.spi.TickClaim#IN_DOUBT}
 *     ({@code NVENT-0331}), the statistics lose that fire's count and the history entry fails
 *     ({@code NVENT-0332}), instead of holding up the trigger's ticks on every instance; at least a
 *     millisecond and at most a day (since 0.2)
 * @param hibernateProperties extra Hibernate settings (e.g. {@code hibernate.jdbc.batch_size}),
 *     applied last
 * @since 0.1
 */
public record JpaStoreOptions(String tablePrefix, Optional<String> schema, int maxPayloadBytes, int maxAttempts,
                              RetentionPolicy retention, boolean migrateSchema, int groupCommitThreads,
                              Duration slowWriteWarning, Duration triggerLockWait,
                              Map<String, String> hibernateProperties) {

    /** Default payload limit: 1 MiB. */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

    /** Default table prefix. */
    public static final String DEFAULT_TABLE_PREFIX = "nvent_";

    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_]{0,20}");
    private static final Pattern SCHEMA = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
    /** Default {@link #triggerLockWait()}: five seconds. */
    public static final Duration DEFAULT_TRIGGER_LOCK_WAIT = Duration.ofSeconds(5);

    private static final Duration MAX_TRIGGER_LOCK_WAIT = Duration.ofDays(1);
    private static final JpaStoreOptions DEFAULTS = newBuilder().build();

    public JpaStoreOptions {
        Objects.requireNonNull(tablePrefix, "tablePrefix");
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(slowWriteWarning, "slowWriteWarning");
        Objects.requireNonNull(triggerLockWait, "triggerLockWait");
        // Prefix and schema end up inside SQL text, so only plain identifiers are allowed.
        if (!PREFIX.matcher(tablePrefix).matches()) {
            throw new IllegalArgumentException(
                    "tablePrefix must be at most 20 letters, digits or underscores, was '" + tablePrefix + "'");
        }
        schema.ifPresent(s -> {
            if (!SCHEMA.matcher(s).matches()) {
                throw new IllegalArgumentException("schema must be a plain SQL identifier, was '" + s + "'");
            }
        });
        if (maxPayloadBytes < 16) {
            throw new IllegalArgumentException("maxPayloadBytes must be >= 16, was " + maxPayloadBytes);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
        }
        if (groupCommitThreads < 0 || groupCommitThreads > 64) {
            throw new IllegalArgumentException("groupCommitThreads must be 0..64, was " + groupCommitThreads);
        }
        if (slowWriteWarning.isNegative() || slowWriteWarning.isZero()) {
            throw new IllegalArgumentException("slowWriteWarning must be positive, was " + slowWriteWarning);
        }
        // PostgreSQL's lock_timeout counts whole milliseconds, and 0 would mean "wait for ever".
        if (triggerLockWait.compareTo(Duration.ofMillis(1)) < 0 || triggerLockWait.compareTo(MAX_TRIGGER_LOCK_WAIT) > 0) {
            throw new IllegalArgumentException("triggerLockWait must be at least PT0.001S and at most PT24H, was "
                    + triggerLockWait);
        }
        hibernateProperties = Map.copyOf(hibernateProperties);
    }

    /**
     * The options as before 0.2, with the default {@link #triggerLockWait()}.
     *
     * @param tablePrefix see {@link #tablePrefix()}
     * @param schema see {@link #schema()}
     * @param maxPayloadBytes see {@link #maxPayloadBytes()}
     * @param maxAttempts see {@link #maxAttempts()}
     * @param retention see {@link #retention()}
     * @param migrateSchema see {@link #migrateSchema()}
     * @param groupCommitThreads see {@link #groupCommitThreads()}
     * @param slowWriteWarning see {@link #slowWriteWarning()}
     * @param hibernateProperties see {@link #hibernateProperties()}
     */
    public JpaStoreOptions(String tablePrefix, Optional<String> schema, int maxPayloadBytes, int maxAttempts,
                           RetentionPolicy retention, boolean migrateSchema, int groupCommitThreads,
                           Duration slowWriteWarning, Map<String, String> hibernateProperties) {
        this(tablePrefix, schema, maxPayloadBytes, maxAttempts, retention, migrateSchema, groupCommitThreads,
                slowWriteWarning, DEFAULT_TRIGGER_LOCK_WAIT, hibernateProperties);
    }

    /** The defaults: prefix {@code nvent_}, default schema, 1 MiB payloads, 10 attempts, no retention. */
    public static JpaStoreOptions defaults() {
        return DEFAULTS;
    }

    /** A builder holding the defaults. */
    public static Builder newBuilder() {
        return new Builder();
    }

    /** A builder holding these options. */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.tablePrefix = tablePrefix;
        builder.schema = schema;
        builder.maxPayloadBytes = maxPayloadBytes;
        builder.maxAttempts = maxAttempts;
        builder.retention = retention;
        builder.migrateSchema = migrateSchema;
        builder.groupCommitThreads = groupCommitThreads;
        builder.slowWriteWarning = slowWriteWarning;
        builder.triggerLockWait = triggerLockWait;
        builder.hibernateProperties.putAll(hibernateProperties);
        return builder;
    }

    /** Builds {@link JpaStoreOptions}; not thread-safe. */
    public static final class Builder {
        private String tablePrefix = DEFAULT_TABLE_PREFIX;
        private Optional<String> schema = Optional.empty();
        private int maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES;
        private int maxAttempts = 10;
        private RetentionPolicy retention = RetentionPolicy.off();
        private boolean migrateSchema = true;
        private int groupCommitThreads = Math.max(2, Math.min(8, Runtime.getRuntime().availableProcessors()));
        private Duration slowWriteWarning = Duration.ofSeconds(10);
        private Duration triggerLockWait = DEFAULT_TRIGGER_LOCK_WAIT;
        private final Map<String, String> hibernateProperties = new LinkedHashMap<>();

        private Builder() {
        }

        /** See {@link JpaStoreOptions#tablePrefix()}. */
        public Builder tablePrefix(String prefix) {
            this.tablePrefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /** See {@link JpaStoreOptions#schema()}. */
        public Builder schema(String name) {
            this.schema = Optional.of(name);
            return this;
        }

        /** Use the connection's default schema. */
        public Builder defaultSchema() {
            this.schema = Optional.empty();
            return this;
        }

        /** See {@link JpaStoreOptions#maxPayloadBytes()}. */
        public Builder maxPayloadBytes(int bytes) {
            this.maxPayloadBytes = bytes;
            return this;
        }

        /** See {@link JpaStoreOptions#maxAttempts()}. */
        public Builder maxAttempts(int attempts) {
            this.maxAttempts = attempts;
            return this;
        }

        /** See {@link JpaStoreOptions#retention()}. */
        public Builder retention(RetentionPolicy policy) {
            this.retention = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** See {@link JpaStoreOptions#migrateSchema()}. */
        public Builder migrateSchema(boolean migrate) {
            this.migrateSchema = migrate;
            return this;
        }

        /** See {@link JpaStoreOptions#groupCommitThreads()}. */
        public Builder groupCommitThreads(int threads) {
            this.groupCommitThreads = threads;
            return this;
        }

        /** See {@link JpaStoreOptions#slowWriteWarning()}. */
        public Builder slowWriteWarning(Duration after) {
            this.slowWriteWarning = Objects.requireNonNull(after, "after");
            return this;
        }

        /** See {@link JpaStoreOptions#triggerLockWait()}. */
        public Builder triggerLockWait(Duration atMost) {
            this.triggerLockWait = Objects.requireNonNull(atMost, "atMost");
            return this;
        }

        /** Adds one Hibernate setting; see {@link JpaStoreOptions#hibernateProperties()}. */
        public Builder hibernateProperty(String name, String value) {
            hibernateProperties.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * The options.
         *
         * @throws IllegalArgumentException if a value is out of range
         */
        public JpaStoreOptions build() {
            return new JpaStoreOptions(tablePrefix, schema, maxPayloadBytes, maxAttempts, retention, migrateSchema,
                    groupCommitThreads, slowWriteWarning, triggerLockWait, hibernateProperties);
        }
    }
}
