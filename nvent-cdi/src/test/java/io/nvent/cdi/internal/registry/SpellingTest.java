package io.nvent.cdi.internal.registry;

import java.util.List;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SpellingTest {

    @Test
    void distanceCountsEachInsertionDeletionAndSubstitution() {
        assertThat(Spelling.distance("concurrency", "concurency")).isEqualTo(1);
        assertThat(Spelling.distance("kitten", "sitting")).isEqualTo(3);
        assertThat(Spelling.distance("", "abc")).isEqualTo(3);
        assertThat(Spelling.distance("same", "same")).isZero();
    }

    @Test
    void twoAdjacentLettersSwappedAreOneEdit() {
        assertThat(Spelling.distance("order.recieved", "order.received")).isEqualTo(1);
        assertThat(Spelling.distance("ab", "ba")).isEqualTo(1);
    }

    @Test
    void theClosestKnownNameWithinTheEditsIsSuggested() {
        List<String> known = List.of("order.received", "order.shipped", "order.paid");

        assertThat(Spelling.closest("order.recieved", known, 2)).contains("order.received");
        assertThat(Spelling.closest("order.shiped", known, 2)).contains("order.shipped");
        assertThat(Spelling.closest("invoice.sent", known, 2)).isEmpty();
    }

    @Test
    void aShortNameIsNoMisspellingOfAnotherShortName() {
        assertThat(Spelling.closest("b", List.of("a"), 2)).isEmpty();
        assertThat(Spelling.closest("go", List.of("ok"), 2)).isEmpty();
    }

    @Test
    void ofNamesAsCloseTheFirstAlphabeticallyIsSuggested() {
        assertThat(Spelling.closest("order.pad", List.of("order.pat", "order.paid", "order.pay"), 2))
                .contains("order.paid");
    }
}
