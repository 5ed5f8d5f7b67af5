package io.nvent;

import io.nvent.spi.RunRecord;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Labels a run is started with: checked when given, folded and sorted, carried to the run and its queries. */
class RunLabelsTest {

    @Test
    void labelsGivenOneByOneOrTogetherAreSortedAndAGivenTwiceCountsOnce() {
        StartOptions options = StartOptions.newBuilder().label("vip").labels("customer-42", "vip")
                .labels(List.of("campaign:spring")).build();

        assertThat(options.labels()).containsExactly("campaign:spring", "customer-42", "vip");
    }

    @Test
    void optionsWithoutLabelsCarryNone() {
        assertThat(StartOptions.DEFAULTS.labels()).isEmpty();
        assertThat(new StartOptions(Optional.of("k"), Optional.empty(), Optional.empty(), 1).labels()).isEmpty();
    }

    @Test
    void aLabelThatBreaksARuleIsRefusedWhenGivenSayingWhich() {
        StartOptions.Builder builder = StartOptions.newBuilder();

        assertThatThrownBy(() -> builder.label("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0286 a label has 1 to 64 characters, this one 0");
        assertThatThrownBy(() -> builder.label("x".repeat(65))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0286 a label has 1 to 64 characters, this one 65: 'xxxx");
        assertThatThrownBy(() -> builder.label("tab\there")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0286 a label must not contain control characters, this one holds U+0009 at position 3");
        assertThatThrownBy(() -> builder.label(" vip")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0286 a label must not begin or end with white space, was ' vip'");
        assertThatThrownBy(() -> builder.labels("vip ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0286");
        assertThatThrownBy(() -> builder.label(null)).isInstanceOf(NullPointerException.class);
        assertThat(builder.label("x".repeat(64)).label("in between").build().labels())
                .containsExactly("in between", "x".repeat(64));
    }

    @Test
    void moreThanTenLabelsAreRefusedAndTheBuilderKeepsWhatItHad() {
        StartOptions.Builder builder = StartOptions.newBuilder()
                .labels(IntStream.range(0, 10).mapToObj(i -> "l" + i).toList());

        assertThatThrownBy(() -> builder.label("one-too-many")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0287 a run carries at most 10 labels, these are 11: ");
        assertThat(builder.label("l3").build().labels()).hasSize(10).doesNotContain("one-too-many");
    }

    @Test
    void aRunRecordCarriesItsLabelsThroughEveryChangeIntoItsInfo() {
        RunRecord run = RunRecord.started("r1", "mail", "{}", Optional.empty(), Instant.EPOCH)
                .withLabels(java.util.Set.of("b", "a"));

        RunRecord changed = run.withStep("send", StepStatus.QUEUED).withStatus(RunStatus.COMPLETED, Instant.EPOCH)
                .withVersion(3).withResult("1").withConcurrencyKey("k");

        assertThat(changed.labels()).containsExactly("a", "b");
        assertThat(changed.toInfo().labels()).containsExactly("a", "b");
        assertThat(RunRecord.started("r2", "mail", "{}", Optional.empty(), Instant.EPOCH).toInfo().labels()).isEmpty();
    }

    @Test
    void aQueryByLabelKeepsItThroughEveryRefinementAndChecksIt() {
        RunPosition last = new RunPosition(Instant.parse("2030-01-01T00:00:00Z"), "run-7");

        RunQuery tagged = RunQuery.ofFlow("mail").withLabel("vip").withParentRunId("batch-1")
                .withStatus(RunStatus.FAILED).page(0, 20).startingAfter(last);

        assertThat(tagged).isEqualTo(new RunQuery(Optional.of("mail"), Optional.of(RunStatus.FAILED), 0, 20,
                Optional.of(last), Optional.of("batch-1"), Optional.of("vip")));
        assertThat(RunQuery.all().label()).isEmpty();
        assertThatThrownBy(() -> RunQuery.all().withLabel(" vip")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0286");
    }
}
