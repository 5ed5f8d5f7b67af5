package io.nvent.cdi.internal.engine;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Ids whose text sorts in the order they were made: UUIDs laid out as version 7 (RFC 9562), the wall clock's
 * millisecond first, then a counter within the millisecond, so that of two ids made in one JVM the later one
 * sorts after, also within one millisecond. A concurrency key's waiters that began waiting at one instant are
 * told apart by their await's id (see {@link io.nvent.spi.SchedulingStore#settleConcurrencyKey}): these ids
 * keep them in the order they began waiting.
 */
final class OrderedIds {

    /** The last stamp handed out: the millisecond shifted left by 12 bits, plus the counter within it. */
    private static final AtomicLong LAST = new AtomicLong();

    private OrderedIds() {
    }

    /** A new id, sorting after every id this JVM made before. */
    static String next() {
        long stamp = LAST.updateAndGet(last -> Math.max(last + 1, System.currentTimeMillis() << 12));
        long high = ((stamp >>> 12) << 16) | 0x7000L | (stamp & 0xFFFL);
        long low = (ThreadLocalRandom.current().nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(high, low).toString();
    }
}
