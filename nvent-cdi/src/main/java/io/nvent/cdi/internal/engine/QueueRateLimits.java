package io.nvent.cdi.internal.engine;

import io.nvent.cdi.NventConfig;
import io.nvent.spi.RateLimit;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The rate limit of each queue, from {@code nvent.queue.limiter.*} (every queue) and
 * {@code nvent.queue.<name>.limiter.*} (one queue, which wins), as the reference system's
 * {@code queue.limiter} block: {@code max} starts per {@code duration-ms}. A queue's
 * {@code limiter.max=0} exempts it from the default. {@code limiter.scope} says whether the limit
 * holds for the cluster (the default) or for each instance; {@code limiter.group-key} names the
 * field of a step's data each of whose values has the limit to itself (the reference's
 * {@code groupKey}).
 */
public final class QueueRateLimits {

    static final Duration DEFAULT_SPAN = Duration.ofSeconds(1);
    /** The longest field name a group key may be. */
    private static final int LONGEST_GROUP_KEY = 200;
    private static final String DEFAULT_PREFIX = "nvent.queue.limiter.";

    private QueueRateLimits() {
    }

    /**
     * The limit of a queue, if one applies.
     *
     * @throws IllegalArgumentException naming the key, for a value that is no limit or a span with no max
     */
    static Optional<RateLimit> of(NventConfig config, String queue) {
        String own = "nvent.queue." + queue + ".limiter.";
        boolean ownMax = config.get(own + "max").isPresent();
        String maxKey = ownMax ? own + "max" : DEFAULT_PREFIX + "max";
        int max = config.getInt(maxKey, 0, 0);
        if (max == 0) {
            for (String setting : List.of("duration-ms", "group-key")) {
                if (!ownMax && config.get(own + setting).isPresent()) {
                    throw new IllegalArgumentException("NVENT-0510 configuration key " + own + setting + " is set, but "
                            + "no limiter.max applies to queue " + queue + " (" + maxKey + (config.get(maxKey).isPresent()
                            ? " is 0" : " is not set") + "): set " + own + "max to limit the queue, or remove the key");
                }
            }
            // A queue's own max of 0 exempts it, whatever span is configured.
            return Optional.empty();
        }
        if (max > RateLimit.MOST_STARTS) {
            throw new IllegalArgumentException("NVENT-0001 configuration key " + maxKey + " must be at most "
                    + RateLimit.MOST_STARTS + " (a queue remembers the time of each start within the span), was " + max);
        }
        String spanKey = config.get(own + "duration-ms").isPresent() ? own + "duration-ms" : DEFAULT_PREFIX + "duration-ms";
        Duration span = config.getMillis(spanKey, DEFAULT_SPAN, Duration.ofMillis(1));
        if (span.compareTo(RateLimit.LONGEST_SPAN) > 0) {
            throw new IllegalArgumentException("NVENT-0001 configuration key " + spanKey + " must be at most "
                    + RateLimit.LONGEST_SPAN.toMillis() + " ms (a day), was " + span.toMillis() + " ms");
        }
        return Optional.of(new RateLimit(max, span));
    }

    /**
     * Whether a queue keeps its limit on each instance ({@code limiter.scope=instance}) rather than for
     * every instance sharing the scheduling store ({@code cluster}, the default).
     *
     * @throws IllegalArgumentException naming the key, for another value
     */
    static boolean perInstance(NventConfig config, String queue) {
        String own = "nvent.queue." + queue + ".limiter.scope";
        String key = config.get(own).isPresent() ? own : DEFAULT_PREFIX + "scope";
        String scope = config.get(key, "cluster").trim();
        return switch (scope) {
            case "cluster" -> false;
            case "instance" -> true;
            default -> throw new IllegalArgumentException("NVENT-0001 configuration key " + key
                    + " must be cluster (the limit holds for every instance sharing the scheduling store) or instance "
                    + "(each instance keeps it on its own), was '" + scope + "'");
        };
    }

    /**
     * Refuses a default span without a default max: it would do nothing, silently.
     *
     * @throws IllegalArgumentException ({@code NVENT-0510}) if so
     */
    static void checkDefaults(NventConfig config) {
        for (String setting : List.of("duration-ms", "group-key")) {
            if (config.get(DEFAULT_PREFIX + setting).isPresent() && config.get(DEFAULT_PREFIX + "max").isEmpty()) {
                throw new IllegalArgumentException("NVENT-0510 configuration key " + DEFAULT_PREFIX + setting + " is set, "
                        + "but " + DEFAULT_PREFIX + "max is not: set it to limit every queue, or remove the key");
            }
        }
    }

    /**
     * The field of a step's data each of whose values has a queue's limit to itself, if the limit is
     * kept per group: {@code nvent.queue.<name>.limiter.group-key}, else
     * {@code nvent.queue.limiter.group-key}.
     *
     * @throws IllegalArgumentException naming the key, for a value that is no field name
     */
    static Optional<String> groupKey(NventConfig config, String queue) {
        String own = "nvent.queue." + queue + ".limiter.group-key";
        String key = config.get(own).isPresent() ? own : DEFAULT_PREFIX + "group-key";
        return config.get(key).map(field -> checkGroupKey(field, "configuration key " + key));
    }

    /**
     * Checks that a group key names a top-level field: 1 to 200 characters, no control characters.
     *
     * @throws IllegalArgumentException ({@code NVENT-0001}) naming {@code what}, if not
     */
    public static String checkGroupKey(String field, String what) {
        if (field.isBlank() || field.length() > LONGEST_GROUP_KEY || field.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("NVENT-0001 " + what + " must name a top-level field of a step's data "
                    + "(1 to " + LONGEST_GROUP_KEY + " characters, no control characters), was '"
                    + field.replaceAll("\\p{Cntrl}", "?") + "'");
        }
        return field;
    }
}
