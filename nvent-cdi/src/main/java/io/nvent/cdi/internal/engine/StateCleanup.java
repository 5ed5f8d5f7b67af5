package io.nvent.cdi.internal.engine;

import io.nvent.EventType;
import io.nvent.HistoryEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * When a run's state ({@link io.nvent.RunState}) is removed: {@code nvent.store.state.cleanup.strategy}
 * and {@code nvent.store.state.cleanup.ttl-ms}, the reference system's {@code store.state.cleanup}.
 *
 * @param strategy when the state goes
 * @param ttl with {@link Strategy#TTL}, how long a value set without a time to live of its own lives
 */
public record StateCleanup(Strategy strategy, Duration ttl) {

    /** The default time to live of {@link Strategy#TTL}: one hour, as in the reference system. */
    public static final Duration DEFAULT_TTL = Duration.ofHours(1);

    /** State stays until the run is purged by retention, or its values expire. */
    public static final StateCleanup NEVER = new StateCleanup(Strategy.NEVER, DEFAULT_TTL);

    /** When a run's state is removed. */
    public enum Strategy {
        /** Kept; run retention ({@code nvent.store.retention.*}) removes it with the run. */
        NEVER,
        /** Removed when the run completes, fails or is canceled. */
        ON_COMPLETE,
        /** Removed after every completed step, and when the run ends: state lives within one step. */
        IMMEDIATE,
        /** A value set without a time to live expires after {@link StateCleanup#ttl()}. */
        TTL;

        /** The configuration value, e.g. {@code on-complete}. */
        public String configValue() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    public StateCleanup {
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("NVENT-0001 configuration key nvent.store.state.cleanup.ttl-ms must be positive, was "
                    + ttl.toMillis());
        }
    }

    /**
     * The cleanup named by a configuration value ({@code never}, {@code on-complete},
     * {@code immediate} or {@code ttl}, in any case).
     *
     * @throws IllegalArgumentException naming the key and the accepted values, for any other value
     */
    public static StateCleanup of(String strategy, Duration ttl) {
        String wanted = strategy.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(Strategy.values()).filter(s -> s.configValue().equals(wanted)).findFirst()
                .map(s -> new StateCleanup(s, ttl))
                .orElseThrow(() -> new IllegalArgumentException("NVENT-0001 configuration key nvent.store.state.cleanup.strategy must be one of "
                        + Arrays.stream(Strategy.values()).map(Strategy::configValue).collect(Collectors.joining(", "))
                        + "; was '" + strategy + "'"));
    }

    /** The runs whose state is to be removed now that these history entries of theirs are stored. */
    Set<String> runsToClearAfter(List<HistoryEvent> stored) {
        if (strategy == Strategy.NEVER || strategy == Strategy.TTL) {
            return Set.of();
        }
        return stored.stream().filter(this::clearsAfter).map(HistoryEvent::runId).collect(Collectors.toSet());
    }

    private boolean clearsAfter(HistoryEvent entry) {
        return entry.type().isTerminal() || (strategy == Strategy.IMMEDIATE && entry.type() == EventType.STEP_COMPLETED);
    }

    /** When a value set at {@code now} without a time to live of its own expires. */
    Optional<Instant> expiryOfUntimedValue(Instant now) {
        return strategy == Strategy.TTL ? Optional.of(now.plus(ttl)) : Optional.empty();
    }
}
