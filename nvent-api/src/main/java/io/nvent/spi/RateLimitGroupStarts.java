package io.nvent.spi;

import java.util.Objects;

/**
 * How many starts a {@link RateLimitGroup} recorded within a span: what an operator reads to see
 * which groups (customers, tenants) their limit holds back.
 *
 * @param group the group
 * @param starts its starts recorded within the span, at least 1
 * @since 0.1
 */
public record RateLimitGroupStarts(RateLimitGroup group, int starts) {

    /**
     * Checks the components.
     *
     * @param group the group
     * @param starts its starts recorded within the span, at least 1
     * @throws NullPointerException if {@code group} is {@code null}
     * @throws IllegalArgumentException if {@code starts} is less than 1 (NVENT-0247)
     */
    public RateLimitGroupStarts {
        Objects.requireNonNull(group, "group");
        if (starts < 1) {
            throw new IllegalArgumentException("NVENT-0247 a group listed with its starts has at least one, was " + starts);
        }
    }
}
