package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.spi.FlowStore;
import io.nvent.cdi.VirtualClock;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A bounded clear of a flow's history asks the store for a step of runs at a time, and stops at its
 * limit, when the store has no more, or once its time is up: a run goes with its whole history, so a
 * count of runs alone does not bound how long a request takes.
 */
class HistoryClearTest {

    private final VirtualClock clock = VirtualClock.startingAt(Instant.parse("2026-12-04T02:00:00Z"));
    /** The most runs of each store call. */
    private final List<Integer> asked = new ArrayList<>();
    private int finished;
    /** How long each store call takes. */
    private Duration perCall = Duration.ZERO;

    private final FlowStore store = (FlowStore) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {FlowStore.class}, (proxy, method, args) -> {
                if (!method.getName().equals("deleteFinishedRuns") || args.length != 2) {
                    throw new UnsupportedOperationException(method.getName());
                }
                int max = (Integer) args[1];
                asked.add(max);
                clock.advance(perCall);
                int deleted = Math.min(max, finished);
                finished -= deleted;
                return deleted;
            });

    @Test
    void deletesUpToItsLimitAStepOfAHundredRunsAtATime() {
        finished = 1_000;

        assertThat(HistoryClear.delete(store, clock, "order", 250)).isEqualTo(250);

        assertThat(asked).containsExactly(100, 100, 50);
        assertThat(finished).isEqualTo(750);
    }

    @Test
    void stopsWhenTheStoreHasNoMoreFinishedRuns() {
        finished = 130;

        assertThat(HistoryClear.delete(store, clock, "order", 1_000)).isEqualTo(130);

        assertThat(asked).containsExactly(100, 100);
    }

    @Test
    void beginsNoFurtherStepOnceItsTimeIsUpWhateverItsLimit() {
        finished = 5_000;
        perCall = Duration.ofSeconds(3);

        assertThat(HistoryClear.delete(store, clock, "order", 10_000)).as("10 s: four steps of 3 s").isEqualTo(400);

        assertThat(finished).isEqualTo(4_600);
    }
}
