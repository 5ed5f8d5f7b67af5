package io.nvent;

import java.time.ZoneId;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a trigger is: its type, the flows it starts, and its type's settings. Build with
 * {@link #newBuilder(String, TriggerType)}, which validates eagerly (the cron syntax is checked by
 * the engine when the trigger is saved).
 *
 * @param name unique name (letters, digits, {@code . _ -})
 * @param type how it fires
 * @param flows flows it starts
 * @param cron for schedules
 * @param timezone zone of the cron expression
 * @param event for event triggers
 * @param description shown in the UI
 * @param enabled whether it fires
 * @since 0.1
 */
public record TriggerSpec(String name, TriggerType type, List<String> flows, Optional<String> cron, ZoneId timezone,
                          Optional<String> event, String description, boolean enabled) {

    /** What {@link #isValidName} asks of a name, in words. */
    public static final String NAME_RULE = "must be 1-100 letters, digits, '.', '_' or '-', and not dots only";

    /**
     * Whether a trigger name can be used: it is part of URLs ({@code /triggers/{name}/webhook}), so
     * it is 1-100 letters, digits, {@code . _ -}, and not {@code .} or {@code ..}, which clients
     * resolve away as path segments.
     */
    public static boolean isValidName(String name) {
        return name.matches("[A-Za-z0-9._-]{1,100}") && !name.matches("\\.+");
    }

    public TriggerSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        flows = List.copyOf(flows);
        Objects.requireNonNull(cron, "cron");
        Objects.requireNonNull(timezone, "timezone");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(description, "description");
        if (!isValidName(name)) {
            throw new IllegalArgumentException("trigger name '" + name + "' " + NAME_RULE);
        }
        if (type == TriggerType.SCHEDULE && cron.filter(c -> !c.isBlank()).isEmpty()) {
            throw new IllegalArgumentException("schedule trigger '" + name + "' needs a cron expression");
        }
        if (type == TriggerType.EVENT && event.filter(e -> !e.isBlank()).isEmpty()) {
            throw new IllegalArgumentException("event trigger '" + name + "' needs an event name");
        }
    }

    /** A builder for a trigger of the given name and type. */
    public static Builder newBuilder(String name, TriggerType type) {
        return new Builder(name, type);
    }

    /** A builder initialised from this spec. */
    public Builder toBuilder() {
        Builder builder = new Builder(name, type).flows(flows).timezone(timezone).description(description)
                .enabled(enabled);
        cron.ifPresent(builder::cron);
        event.ifPresent(builder::event);
        return builder;
    }

    /** This spec enabled or disabled. */
    public TriggerSpec withEnabled(boolean newEnabled) {
        return new TriggerSpec(name, type, flows, cron, timezone, event, description, newEnabled);
    }

    /** Builder of {@link TriggerSpec}. */
    public static final class Builder {
        private final String name;
        private final TriggerType type;
        private List<String> flows = List.of();
        private String cron;
        private ZoneId timezone = ZoneId.of("UTC");
        private String event;
        private String description = "";
        private boolean enabled = true;

        private Builder(String name, TriggerType type) {
            this.name = name;
            this.type = type;
        }

        public Builder flows(List<String> value) {
            this.flows = value;
            return this;
        }

        public Builder flow(String value) {
            this.flows = List.of(value);
            return this;
        }

        public Builder cron(String value) {
            this.cron = value;
            return this;
        }

        public Builder timezone(ZoneId value) {
            this.timezone = value;
            return this;
        }

        public Builder event(String value) {
            this.event = value;
            return this;
        }

        public Builder description(String value) {
            this.description = value;
            return this;
        }

        public Builder enabled(boolean value) {
            this.enabled = value;
            return this;
        }

        /** Builds the spec; throws {@link IllegalArgumentException} for invalid values. */
        public TriggerSpec build() {
            return new TriggerSpec(name, type, flows, Optional.ofNullable(cron).map(String::trim), timezone,
                    Optional.ofNullable(event).map(String::trim), description, enabled);
        }
    }
}
