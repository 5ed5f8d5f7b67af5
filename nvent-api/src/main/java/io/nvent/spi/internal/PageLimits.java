package io.nvent.spi.internal;

/** The bound of a page that stores read, checked alike by every store. */
public final class PageLimits {

    private PageLimits() {
    }

    /**
     * @param limit the most items a page may hold
     * @throws IllegalArgumentException if {@code limit} is below 1
     */
    public static void requireAtLeastOne(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1; was " + limit);
        }
    }
}
