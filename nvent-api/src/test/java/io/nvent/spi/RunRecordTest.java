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

    /**
     * A long error is cut where every store can keep it: at most {@link RunRecord#MAX_ERROR_LENGTH} UTF-16 units
     * (H2 counts them, and its column holds that many), never between the two halves of a character outside the
     * Basic Multilingual Plane (PostgreSQL cannot store half of one, and would show {@code ?}).
     */
    @Test
    void aLongErrorIsCutBetweenCharactersNeverInsideOne() {
        String face = "\uD83D\uDE00"; // one character, two UTF-16 units
        RunRecord run = withError(RunStatus.RUNNING);

        String straddling = run.withFailure(T0, "x".repeat(998) + face + "tail").error().orElseThrow();
        String fitting = run.withFailure(T0, "x".repeat(997) + face + "tail").error().orElseThrow();

        assertThat(straddling).as("the character that the 999th unit would split, left out whole")
                .isEqualTo("x".repeat(998) + "…");
        assertThat(fitting).isEqualTo("x".repeat(997) + face + "…").hasSize(RunRecord.MAX_ERROR_LENGTH);
        assertThat(run.withFailure(T0, "x".repeat(998) + face).error()).as("no longer than a run keeps: whole")
                .contains("x".repeat(998) + face);
    }
}
