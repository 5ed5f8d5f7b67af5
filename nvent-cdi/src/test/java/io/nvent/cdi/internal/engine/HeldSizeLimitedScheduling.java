package io.nvent.cdi.internal.engine;

import io.nvent.InvalidPayloadException;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.AwaitRecord;
import java.nio.charset.StandardCharsets;

/** A memory scheduling store that refuses an await whose held events are larger than a limit, as the JPA store does. */
final class HeldSizeLimitedScheduling extends MemorySchedulingStore {

    private final int limit;

    /** Refuses held events of more than {@code limit} bytes (nvent.store.max-payload-bytes). */
    HeldSizeLimitedScheduling(int limit) {
        this.limit = limit;
    }

    @Override
    public synchronized void saveAwait(AwaitRecord await) {
        if (await.held().getBytes(StandardCharsets.UTF_8).length > limit) {
            throw new InvalidPayloadException("held emissions of await '" + await.awaitId()
                    + "' is larger than the limit of " + limit + " bytes (nvent.store.max-payload-bytes)");
        }
        super.saveAwait(await);
    }
}
