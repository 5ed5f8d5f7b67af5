package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How the {@code Nvent-Reason} header's value is read: percent-encoded UTF-8, strictly. */
class ReasonHeaderTest {

    @Test
    void aPlusIsAPlusAsRfc3986SaysNotASpace() {
        assertThat(ReasonHeader.decode("1+1%20is%202")).isEqualTo("1+1 is 2");
    }

    @Test
    void anEscapeCutShortAtTheEndIsRefusedSayingWhere() {
        assertThatThrownBy(() -> ReasonHeader.decode("50%")).hasMessageContaining("NVENT-1125")
                .hasMessageContaining("'%' at character 3");
        assertThatThrownBy(() -> ReasonHeader.decode("50%2")).hasMessageContaining("'%2' at character 3");
    }

    @Test
    void overlongUtf8AndEncodedSurrogatesAreNoUtf8() {
        assertThatThrownBy(() -> ReasonHeader.decode("%C0%AE")).hasMessageContaining("NVENT-1125")
                .hasMessageContaining("not UTF-8");
        assertThatThrownBy(() -> ReasonHeader.decode("%ED%A0%80%ED%B0%80")).hasMessageContaining("not UTF-8");
        assertThat(ReasonHeader.decode("%F0%9F%98%80")).isEqualTo("😀");
    }

    @Test
    void controlAndLineSeparatorCharactersThatDecodingGivesAreRefusedAsInTheQuery() {
        for (String value : List.of("a%00b", "a%7Fb", "a%C2%85b", "a%E2%80%A8b", "a%0Db")) {
            assertThat(ReasonHeader.refusal(List.of(value), null)).as(value).hasValueSatisfying(detail ->
                    assertThat(detail).startsWith("NVENT-0734 the Nvent-Reason header refused"));
        }
    }

    @Test
    void aBlankHeaderIsNoReasonAndDoesNotContradictTheQuerysOne() {
        assertThat(ReasonHeader.refusal(List.of(""), null)).isEmpty();
        assertThat(ReasonHeader.refusal(List.of(""), "customer called")).as("an empty header gives no reason")
                .isEmpty();
        assertThat(ReasonHeader.refusal(List.of("customer%20called"), "")).as("nor does an empty ?reason=")
                .isEmpty();
    }
}
