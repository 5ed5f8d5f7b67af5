package io.nvent.spi.internal;

import io.nvent.TriggerEvent;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A page of a trigger's history taken from the whole of it, for the defaults of a service or store implemented
 * outside nvent, which know only how to read the newest entries.
 */
public final class TriggerHistoryPages {

    private TriggerHistoryPages() {
    }

    /**
     * @param newestFirst a trigger's history, newest first
     * @param types the entry types listed; empty for every type
     * @param before the entries listed have a lower sequence number; empty for the newest
     * @param limit the most entries returned
     * @return up to {@code limit} entries of {@code newestFirst}, in its order
     */
    public static List<TriggerEvent> page(List<TriggerEvent> newestFirst, Set<String> types, OptionalLong before,
                                          int limit) {
        PageLimits.requireAtLeastOne(limit);
        return newestFirst.stream()
                .filter(e -> types.isEmpty() || types.contains(e.type()))
                .filter(e -> before.isEmpty() || e.seq() < before.getAsLong())
                .limit(limit).toList();
    }
}
