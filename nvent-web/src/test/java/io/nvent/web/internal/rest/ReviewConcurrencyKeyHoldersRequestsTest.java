package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.AwaitInfo;
import io.nvent.AwaitPosition;
import io.nvent.AwaitStatus;
import io.nvent.AwaitType;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Review: a run of limit 1 waiting behind several holders of a higher limit. Its waits name them all; the awaits
 * list (and the console's Awaits screen, which reads {@code concurrencyKeyHolders}) names only the first, as if one
 * run held the key.
 */
class ReviewConcurrencyKeyHoldersRequestsTest {

    private static final Instant AT = Instant.parse("2026-12-05T10:00:00Z");

    @Test
    void anAwaitOfLimitOneBehindSeveralHoldersListsThemAll() {
        AwaitInfo await = new AwaitInfo("a3", "r3", "sync", "sync-customer", AwaitPosition.BEFORE,
                AwaitType.CONCURRENCY_KEY, AwaitStatus.WAITING, AT, Optional.empty(), Optional.empty(),
                Optional.of("customer-42"), Optional.of("r1"), List.of("r1", "r2", "r4"), 1);

        assertThat(AwaitsResource.await(await).build()).containsKey("concurrencyKeyHolders");
    }
}
