package io.nvent.spi;

import java.time.Instant;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A lease tells the executions of a step apart by owner, attempt and execution, where both sides name one, and a
 * write it refuses says which execution it was refused for.
 */
class StepLeaseTest {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

    private static StepLease lease() {
        return StepLease.renewed("run-1", "ship", "node-a@1f2e3d4c", T0, T0.plusSeconds(60));
    }

    @Test
    void aLeaseOfAnotherExecutionOfTheSameAttemptRefusesTheWritesOfTheOther() {
        StepLease retry = lease().forExecution(1, 8);

        assertThat(retry.admits(lease().forExecution(1, 7))).as("the timed-out execution's write").isFalse();
        assertThat(retry.isHeldFor(lease().forExecution(1, 7))).isFalse();
        assertThat(retry.admits(lease().forExecution(1, 8))).as("its own").isTrue();
        assertThat(retry.admits(lease().forAttempt(1))).as("a writer naming no execution").isTrue();
        assertThat(lease().forAttempt(1).admits(retry)).as("a lease naming no execution").isTrue();
    }

    @Test
    void aWriteRefusedForALeaseNoLongerHeldNamesTheAttemptAndTheExecutionItWasMadeFor() {
        assertThat(lease().forExecution(1, 7).notHeld()).hasMessageContaining(
                "its lease is no longer held by node-a@1f2e3d4c for attempt 1, execution 7)");
        assertThat(lease().forAttempt(2).notHeld()).hasMessageContaining(
                "its lease is no longer held by node-a@1f2e3d4c for attempt 2)");
        assertThat(lease().notHeld()).hasMessageContaining("its lease is no longer held by node-a@1f2e3d4c)");
    }
}
