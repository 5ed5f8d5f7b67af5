package io.nvent.jpa.internal;

import io.nvent.NventException;
import io.nvent.jpa.JpaStoreOptions;
import io.nvent.jpa.RetentionPolicy;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * The container store's settings, read from MicroProfile Config when the server has it, else from
 * system properties and environment variables ({@code nvent.store.table-prefix} or
 * {@code NVENT_STORE_TABLE_PREFIX}).
 *
 * @param dataSource JNDI name of the JTA datasource
 * @param transactionManager JNDI name of the transaction manager, if not a well-known one
 * @param options the store options
 */
public record StoreSettings(String dataSource, Optional<String> transactionManager, JpaStoreOptions options) {

    /** Key naming the selected store adapter; the CDI store starts eagerly when it is {@code jpa}. */
    public static final String ADAPTER = "nvent.store.adapter";
    public static final String DATASOURCE = "nvent.store.datasource";
    public static final String TRANSACTION_MANAGER = "nvent.store.transaction-manager";
    public static final String TABLE_PREFIX = "nvent.store.table-prefix";
    public static final String SCHEMA = "nvent.store.schema";
    public static final String MAX_PAYLOAD_BYTES = "nvent.store.max-payload-bytes";
    public static final String MAX_ATTEMPTS = "nvent.store.max-attempts";
    public static final String MIGRATE = "nvent.store.migrate";
    public static final String GROUP_COMMIT_THREADS = "nvent.store.group-commit-threads";
    public static final String SLOW_WRITE_WARNING = "nvent.store.slow-write-warning";
    public static final String TRIGGER_LOCK_WAIT = "nvent.store.trigger-lock-wait";
    public static final String RETENTION_MAX_AGE = "nvent.store.retention.max-age";
    public static final String RETENTION_MAX_RUNS = "nvent.store.retention.max-finished-runs-per-flow";
    public static final String DEFAULT_DATASOURCE = "java:comp/DefaultDataSource";

    /** Reads the settings from {@code source}. */
    public static StoreSettings read(Function<String, Optional<String>> source) {
        try {
            JpaStoreOptions.Builder options = JpaStoreOptions.newBuilder();
            source.apply(TABLE_PREFIX).ifPresent(options::tablePrefix);
            source.apply(SCHEMA).filter(s -> !s.isBlank()).ifPresent(options::schema);
            source.apply(MAX_PAYLOAD_BYTES).map(v -> parseInt(MAX_PAYLOAD_BYTES, v)).ifPresent(options::maxPayloadBytes);
            source.apply(MAX_ATTEMPTS).map(v -> parseInt(MAX_ATTEMPTS, v)).ifPresent(options::maxAttempts);
            source.apply(MIGRATE).map(v -> parseBoolean(MIGRATE, v)).ifPresent(options::migrateSchema);
            // In a container writes are grouped only when asked to (see the README); each commits alone by default.
            options.groupCommitThreads(source.apply(GROUP_COMMIT_THREADS).filter(s -> !s.isBlank())
                    .map(v -> parseInt(GROUP_COMMIT_THREADS, v)).orElse(0));
            source.apply(SLOW_WRITE_WARNING).filter(s -> !s.isBlank())
                    .map(v -> parseDuration(SLOW_WRITE_WARNING, v)).ifPresent(options::slowWriteWarning);
            source.apply(TRIGGER_LOCK_WAIT).filter(s -> !s.isBlank())
                    .map(v -> parseDuration(TRIGGER_LOCK_WAIT, v)).ifPresent(options::triggerLockWait);
            RetentionPolicy retention = RetentionPolicy.off();
            Optional<Duration> maxAge = source.apply(RETENTION_MAX_AGE).filter(s -> !s.isBlank())
                    .map(v -> parseDuration(RETENTION_MAX_AGE, v));
            if (maxAge.isPresent()) {
                retention = retention.andMaxAge(maxAge.get());
            }
            Optional<Integer> maxRuns = source.apply(RETENTION_MAX_RUNS).filter(s -> !s.isBlank())
                    .map(v -> parseInt(RETENTION_MAX_RUNS, v));
            if (maxRuns.isPresent()) {
                retention = retention.andMaxFinishedRunsPerFlow(maxRuns.get());
            }
            options.retention(retention);
            return new StoreSettings(source.apply(DATASOURCE).filter(s -> !s.isBlank()).orElse(DEFAULT_DATASOURCE),
                    source.apply(TRANSACTION_MANAGER).filter(s -> !s.isBlank()), options.build());
        } catch (IllegalArgumentException e) {
            throw new NventException("NVENT-0309 invalid store configuration: " + e.getMessage(), e);
        }
    }

    /** Reads the settings from MicroProfile Config, or system properties and environment. */
    public static StoreSettings fromEnvironment() {
        return read(StoreSettings::lookup);
    }

    /** One setting from MicroProfile Config, or else a system property or environment variable. */
    public static Optional<String> lookup(String key) {
        try {
            return org.eclipse.microprofile.config.ConfigProvider.getConfig().getOptionalValue(key, String.class);
        } catch (LinkageError | RuntimeException e) {
            // No MicroProfile Config on this server (or none configured): fall back to the JVM.
            Optional<String> property = Optional.ofNullable(System.getProperty(key));
            return property.or(() -> Optional.ofNullable(
                    System.getenv(key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'))));
        }
    }

    private static boolean parseBoolean(String key, String value) {
        String trimmed = value.trim();
        if (!trimmed.equalsIgnoreCase("true") && !trimmed.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException(key + " must be true or false, was '" + value + "'");
        }
        return Boolean.parseBoolean(trimmed);
    }

    private static int parseInt(String key, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, was '" + value + "'");
        }
    }

    private static Duration parseDuration(String key, String value) {
        try {
            return Duration.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(key + " must be an ISO-8601 duration such as P30D or PT10S, was '"
                    + value + "'");
        }
    }
}
