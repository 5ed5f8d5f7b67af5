package io.nvent.web.internal.rest;

import io.nvent.InvalidPayloadException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Request bodies that are not JSON become a 400 problem, never a 500. */
class JsonInputTest {

    @Test
    void aBodyNestedBeyondTheParsersLimitIsBadInputNamingWhatWasRead() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);

        assertThatThrownBy(() -> JsonInput.parse(deep, "trigger definition"))
                .isInstanceOf(InvalidPayloadException.class)
                .hasMessageContaining("trigger definition");
    }

    @Test
    void malformedJsonSaysWhereItBroke() {
        assertThatThrownBy(() -> JsonInput.parse("{\"a\":", "input"))
                .isInstanceOf(InvalidPayloadException.class)
                .hasMessageContaining("input is not valid JSON");
        assertThatThrownBy(() -> JsonInput.parse("{\"a\" 1}", "input"))
                .hasMessageEndingWith("input is not valid JSON at line 1, column 6: expected ':'");
        assertThatThrownBy(() -> JsonInput.parse("{\"a\":1,", "input"))
                .hasMessageEndingWith("input is not valid JSON: it ends too early, expected a string");
        assertThat(JsonInput.parse("{\"a\":[1]}", "input").asJsonObject().getJsonArray("a")).hasSize(1);
    }
}
