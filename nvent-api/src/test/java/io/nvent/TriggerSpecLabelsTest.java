package io.nvent;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A trigger's labels follow a start's rules, survive its copies, and join a fire's own labels up to ten in all. */
class TriggerSpecLabelsTest {

    private static TriggerSpec.Builder manual(String name) {
        return TriggerSpec.newBuilder(name, TriggerType.MANUAL).flow("billing");
    }

    private static List<String> labels(String prefix, int count) {
        return IntStream.rangeClosed(1, count).mapToObj(i -> prefix + i).toList();
    }

    @Test
    void aTriggerHasNoLabelsUnlessGivenAndKeepsThemSortedOnceEach() {
        assertThat(manual("plain").build().labels()).isEmpty();
        assertThat(manual("nightly").labels("nightly", "billing", "nightly").build().labels())
                .containsExactly("billing", "nightly");
        assertThat(manual("nightly").labels("a").labels(List.of("b")).build().labels()).as("replaced, not added")
                .containsExactly("b");
    }

    @Test
    void aLabelBreakingAStartsRuleIsRefusedByTheBuilderAtOnceAsAStartsIs() {
        assertThatThrownBy(() -> manual("nightly").labels(" vip")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0286 a label must not begin or end with white space");
        assertThatThrownBy(() -> manual("nightly").labels("")).hasMessageStartingWith("NVENT-0286 a label has 1 to 64");
        assertThatThrownBy(() -> manual("nightly").labels("x".repeat(65))).hasMessageStartingWith("NVENT-0286");
        assertThatThrownBy(() -> manual("nightly").labels("a\tb")).hasMessageStartingWith("NVENT-0286 a label must not"
                + " contain control characters");
        assertThatThrownBy(() -> manual("nightly").labels(labels("l", 11)))
                .hasMessageStartingWith("NVENT-0287 a run carries at most 10 labels");
        assertThat(manual("nightly").labels(labels("l", 10)).build().labels()).hasSize(10);
    }

    @Test
    void theCanonicalConstructorChecksTheLabelsAsTheBuilderDoes() {
        assertThatThrownBy(() -> new TriggerSpec("nightly", TriggerType.MANUAL, List.of("billing"), Optional.empty(),
                Optional.empty(), java.time.ZoneId.of("UTC"), Optional.empty(), Optional.empty(), "", true,
                Misfire.INHERIT, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 1,
                Set.of("ok", "not ok ")))
                .hasMessageStartingWith("NVENT-0286");
    }

    @Test
    void theLabelsSurviveACopyAndEnablingOrDisabling() {
        TriggerSpec spec = manual("nightly").labels("nightly", "billing").build();

        assertThat(spec.toBuilder().build()).isEqualTo(spec);
        assertThat(spec.withEnabled(false).labels()).containsExactly("billing", "nightly");
        assertThat(spec).isNotEqualTo(spec.toBuilder().labels("nightly").build());
    }

    @Test
    void aFiresRunsCarryTheTriggersLabelsAndTheFiresAsOneSet() {
        TriggerSpec spec = manual("nightly").labels("nightly", "billing").build();

        assertThat(spec.labelsWith(Set.of())).containsExactly("billing", "nightly");
        assertThat(spec.labelsWith(List.of("customer:acme", "nightly"))).containsExactly("billing", "customer:acme",
                "nightly");
        assertThat(manual("plain").build().labelsWith(List.of("vip"))).containsExactly("vip");
    }

    @Test
    void moreThanTenLabelsTogetherAreRefusedNamingTheTriggersAndTheFires() {
        TriggerSpec spec = manual("nightly").labels(labels("t", 6)).build();

        assertThat(spec.labelsWith(labels("t", 6))).as("the same ones count once").hasSize(6);
        assertThat(spec.labelsWith(labels("f", 4))).hasSize(10);
        assertThatThrownBy(() -> spec.labelsWith(labels("f", 5))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0283 trigger 'nightly' labels its runs with [t1, t2, t3, t4, t5, t6] and the fire's"
                        + " options add [f1, f2, f3, f4, f5]: 11 labels together, a run carries at most 10; give the"
                        + " fire fewer labels, or the trigger");
    }
}
