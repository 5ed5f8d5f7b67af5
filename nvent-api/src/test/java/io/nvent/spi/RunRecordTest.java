package io.nvent.spi;

import io.nvent.RunStatus;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A run record shows the error its run failed with only while the run is failed. */
class RunRecordTest {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

    private static RunRecord withError(RunStatus status) {
        return new RunRecord("run-1", "orders", status, "{}", Optional.empty(), Optional.empty(), T0,
                Optional.empty(), Map.of(), Map.of(), 3, Optional.empty(), Optional.of("card declined"));
    }

    @Test
    void aFailedRunShowsTheErrorItFailedWith() {
        assertThat(withError(RunStatus.FAILED).error()).contains("card declined");
        assertThat(withError(RunStatus.FAILED).toInfo().error()).contains("card declined");
    }

    @Test
    void aRunThatWentOnAfterItsFailureShowsNoErrorThoughItsStoreStillHasOne() {
        for (RunStatus status : RunStatus.values()) {
            if (status != RunStatus.FAILED) {
                assertThat(withError(status).error()).as("error of a run %s", status).isEmpty();
                assertThat(withError(status).toInfo().error()).as("error in the view of a run %s", status).isEmpty();
            }
        }
    }
}
