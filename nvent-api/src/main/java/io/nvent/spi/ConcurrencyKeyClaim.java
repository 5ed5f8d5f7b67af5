package io.nvent.spi;

import java.util.List;
import java.util.Objects;

/**
 * What a claim of a run to a concurrency key's line came to ({@link SchedulingStore#claimConcurrencyKeyLine}): the
 * key's holders once settled, and the runs whose claims the store admitted before this one and that are still in the
 * line or hold the key. The store admits the claims of one key one after the other, on every instance, so that of
 * fires racing on several instances each sees the ones admitted before it and none sees one admitted after: the
 * order does not depend on the instances' clocks.
 *
 * @param holders the runs holding the key after the claim's settle, the one that got it first first; empty if it is
 *     free
 * @param claimedBefore the runs whose claims to the key were admitted before this one and that still wait for it or
 *     hold it, in the order admitted (whether they are under way the caller asks the runs' store)
 * @since 0.2
 */
public record ConcurrencyKeyClaim(List<String> holders, List<String> claimedBefore) {

    /**
     * Copies both lists.
     *
     * @param holders the runs holding the key, the one that got it first first
     * @param claimedBefore the runs admitted before, still waiting for the key or holding it, in the order admitted
     * @throws NullPointerException if a list is {@code null}
     */
    public ConcurrencyKeyClaim {
        holders = List.copyOf(Objects.requireNonNull(holders, "holders"));
        claimedBefore = List.copyOf(Objects.requireNonNull(claimedBefore, "claimedBefore"));
    }
}
