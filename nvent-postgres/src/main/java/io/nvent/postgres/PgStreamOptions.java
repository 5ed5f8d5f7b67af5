package io.nvent.postgres;

import java.time.Duration;
import java.util.Objects;

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
 * @since 0.1
 */
public record PgStreamOptions(String channel, String tablePrefix, Duration payloadRetention, boolean createSchema) {

    /** Channel {@code nvent_events}, table prefix {@code nvent_s_}, large events kept 5 minutes. */
    public static final PgStreamOptions DEFAULTS = newBuilder().build();

    public PgStreamOptions {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(tablePrefix, "tablePrefix");
        Objects.requireNonNull(payloadRetention, "payloadRetention");
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

    /** A builder with the defaults. */
    public static Builder newBuilder() {
        return new Builder();
    }

    /** A builder initialised from these options. */
    public Builder toBuilder() {
        return new Builder().channel(channel).tablePrefix(tablePrefix).payloadRetention(payloadRetention)
                .createSchema(createSchema);
    }

    /** Builder of {@link PgStreamOptions}. */
    public static final class Builder {
        private String channel = "nvent_events";
        private String tablePrefix = "nvent_s_";
        private Duration payloadRetention = Duration.ofMinutes(5);
        private boolean createSchema = true;

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

        /** Builds the options; throws {@link IllegalArgumentException} for invalid values. */
        public PgStreamOptions build() {
            return new PgStreamOptions(channel, tablePrefix, payloadRetention, createSchema);
        }
    }
}
