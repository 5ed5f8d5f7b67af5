package io.nvent.postgres;

import jakarta.transaction.TransactionSynchronizationRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of a {@link PgEventStream}. Immutable; built with {@link #newBuilder()}, which validates
 * eagerly.
 *
 * @param channel the notification channel every instance listens on
 * @param tablePrefix prefix of the table holding events too large for one notification
 *     ({@code <prefix>payload})
 * @param payloadRetention how long such large events stay readable; a subscriber connected at
 *     publish time reads them within milliseconds, so minutes are plenty
 * @param createSchema whether the stream creates its table if absent
 * @param transactions the container's registry; when present and a JTA transaction is active, a
 *     publish is sent once that transaction committed, and not at all if it rolled back (since 0.2)
 * @since 0.1
 */
public record PgStreamOptions(String channel, String tablePrefix, Duration payloadRetention, boolean createSchema,
                              Optional<TransactionSynchronizationRegistry> transactions) {

    /** Channel {@code nvent_events}, table prefix {@code nvent_s_}, large events kept 5 minutes. */
    public static final PgStreamOptions DEFAULTS = newBuilder().build();

    public PgStreamOptions {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(tablePrefix, "tablePrefix");
        Objects.requireNonNull(payloadRetention, "payloadRetention");
        Objects.requireNonNull(transactions, "transactions");
        if (!PgQueueOptions.IDENTIFIER.matcher(channel).matches()) {
            throw new IllegalArgumentException("channel must match " + PgQueueOptions.IDENTIFIER + ", was '" + channel
                    + "'");
        }
        if (!PgQueueOptions.IDENTIFIER.matcher(tablePrefix).matches()) {
            throw new IllegalArgumentException("tablePrefix must match " + PgQueueOptions.IDENTIFIER + ", was '"
                    + tablePrefix + "'");
        }
        if (payloadRetention.compareTo(Duration.ofSeconds(10)) < 0) {
            throw new IllegalArgumentException("payloadRetention must be at least 10 s, was " + payloadRetention);
        }
    }

    /**
     * Options without a transaction registry, as before 0.2.
     *
     * @param channel the notification channel every instance listens on
     * @param tablePrefix prefix of the table holding events too large for one notification
     * @param payloadRetention how long such large events stay readable
     * @param createSchema whether the stream creates its table if absent
     */
    public PgStreamOptions(String channel, String tablePrefix, Duration payloadRetention, boolean createSchema) {
        this(channel, tablePrefix, payloadRetention, createSchema, Optional.empty());
    }

    /** A builder with the defaults. */
    public static Builder newBuilder() {
        return new Builder();
    }

    /** A builder initialised from these options. */
    public Builder toBuilder() {
        return new Builder().channel(channel).tablePrefix(tablePrefix).payloadRetention(payloadRetention)
                .createSchema(createSchema).transactions(transactions.orElse(null));
    }

    /** Builder of {@link PgStreamOptions}. */
    public static final class Builder {
        private String channel = "nvent_events";
        private String tablePrefix = "nvent_s_";
        private Duration payloadRetention = Duration.ofMinutes(5);
        private boolean createSchema = true;
        private TransactionSynchronizationRegistry transactions;

        private Builder() {
        }

        public Builder channel(String value) {
            this.channel = value;
            return this;
        }

        public Builder tablePrefix(String value) {
            this.tablePrefix = value;
            return this;
        }

        public Builder payloadRetention(Duration value) {
            this.payloadRetention = value;
            return this;
        }

        public Builder createSchema(boolean value) {
            this.createSchema = value;
            return this;
        }

        /**
         * The container's transaction registry ({@code null}: none, outside a container).
         *
         * @since 0.2
         */
        public Builder transactions(TransactionSynchronizationRegistry value) {
            this.transactions = value;
            return this;
        }

        /** Builds the options; throws {@link IllegalArgumentException} for invalid values. */
        public PgStreamOptions build() {
            return new PgStreamOptions(channel, tablePrefix, payloadRetention, createSchema,
                    Optional.ofNullable(transactions));
        }
    }
}
