package io.nvent;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A query of the runs one run started: kept through every other refinement, checked when it is made. */
class RunQueryParentTest {

    @Test
    void theParentStaysWhateverElseTheQueryIsNarrowedTo() {
        RunPosition last = new RunPosition(Instant.parse("2030-01-01T00:00:00Z"), "run-7");

        RunQuery children = RunQuery.ofFlow("mail").withParentRunId("batch-1").withStatus(RunStatus.FAILED)
                .page(10, 100).startingAfter(last);

        assertThat(children).isEqualTo(new RunQuery(Optional.of("mail"), Optional.of(RunStatus.FAILED), 10, 100,
                Optional.of(last), Optional.of("batch-1")));
    }

    @Test
    void theConstructorsOfEarlierVersionsNameNoParent() {
        assertThat(new RunQuery(Optional.empty(), Optional.empty(), 0, 50).parentRunId()).isEmpty();
        assertThat(new RunQuery(Optional.empty(), Optional.empty(), 0, 50, Optional.empty())).isEqualTo(RunQuery.all());
        assertThat(RunQuery.all().parentRunId()).isEmpty();
    }

    @Test
    void aParentThatCannotBeARunIdIsRefusedSayingWhy() {
        assertThatThrownBy(() -> RunQuery.all().withParentRunId(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("runId");
        assertThatThrownBy(() -> RunQuery.all().withParentRunId(" ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("parentRunId must not be blank");
        assertThatThrownBy(() -> RunQuery.all().withParentRunId("r".repeat(256)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("parentRunId must be at most 255 characters (a run id), was 256");
        assertThat(RunQuery.all().withParentRunId("r".repeat(255)).parentRunId()).hasValue("r".repeat(255));
    }
}
