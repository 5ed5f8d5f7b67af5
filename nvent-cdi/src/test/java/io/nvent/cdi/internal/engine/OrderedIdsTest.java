package io.nvent.cdi.internal.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Ids made one after the other, many within one millisecond, sort in the order they were made, and are UUIDs. */
class OrderedIdsTest {

    @Test
    void idsMadeOneAfterTheOtherSortInTheOrderTheyWereMade() {
        List<String> made = IntStream.range(0, 10_000).mapToObj(i -> OrderedIds.next()).toList();

        List<String> sorted = new ArrayList<>(made);
        sorted.sort(null);
        assertThat(sorted).isEqualTo(made);
        assertThat(made).doesNotHaveDuplicates()
                .allSatisfy(id -> assertThat(UUID.fromString(id).version()).isEqualTo(7))
                .allSatisfy(id -> assertThat(UUID.fromString(id).variant()).isEqualTo(2));
    }
}
