package io.nvent.cdi.internal.engine;

import io.nvent.cdi.NventConfig;
import io.nvent.spi.RateLimit;
import java.time.Duration;
import java.util.Optional;

/**
 * The rate limit of each queue, from {@code nvent.queue.limiter.*} (every queue) and
 * {@code nvent.queue.<name>.limiter.*} (one queue, which wins), as the reference system's
 * {@code queue.limiter} block: {@code max} starts per {@code duration-ms}. A queue's
 * {@code limiter.max=0} exempts it from the default.
 */
final class QueueRateLimits {

    static final Duration DEFAULT_SPAN = Duration.ofSeconds(1);
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
        String maxKey = config.get(own + "max").isPresent() ? own + "max" : DEFAULT_PREFIX + "max";
        String spanKey = config.get(own + "duration-ms").isPresent() ? own + "duration-ms" : DEFAULT_PREFIX + "duration-ms";
        int max = config.getInt(maxKey, 0, 0);
        Duration span = config.getMillis(spanKey, DEFAULT_SPAN, Duration.ofMillis(1));
        if (max == 0) {
            if (config.get(own + "duration-ms").isPresent()) {
                throw new IllegalArgumentException("NVENT-0510 configuration key " + own + "duration-ms is set, but "
                        + "no limiter.max applies to queue " + queue + " (" + maxKey + (config.get(maxKey).isPresent()
                        ? " is 0" : " is not set") + "): set " + own + "max to limit the queue, or remove the key");
            }
            return Optional.empty();
        }
        try {
            return Optional.of(new RateLimit(max, span));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("NVENT-0001 configuration keys " + maxKey + " and " + spanKey
                    + " give no rate limit for queue " + queue + ": " + e.getMessage(), e);
        }
    }
}
