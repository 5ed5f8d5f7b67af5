package io.nvent.cdi.internal.engine;

import io.nvent.InvalidPayloadException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the engine accepts as a JSON payload, and how it says what it refuses. */
class JsonValidationTest {

    private final Json json = new Json(1024 * 1024);

    private static String nested(int depth) {
        return "[".repeat(depth) + "]".repeat(depth);
    }

    @Test
    void acceptsNestingUpToTheStoresLimit() {
        assertThat(json.validate(nested(Json.MAX_DEPTH), "input")).isEqualTo(nested(Json.MAX_DEPTH));
    }

    @Test
    void refusesDeeperNestingWithAnErrorNamingTheLimitInsteadOfTheParsersOwnFailure() {
        assertThatThrownBy(() -> json.validate(nested(Json.MAX_DEPTH + 1), "input of flow 'order'"))
                .isInstanceOf(InvalidPayloadException.class)
                .hasMessageContaining("input of flow 'order' is nested deeper than 512 levels");
        assertThatThrownBy(() -> json.validate(nested(100_000), "input"))
                .isInstanceOf(InvalidPayloadException.class).hasMessageContaining("nested deeper");
    }

    @Test
    void refusesMalformedEmptyAndTrailingContent() {
        assertThatThrownBy(() -> json.validate("{\"a\":", "input")).isInstanceOf(InvalidPayloadException.class)
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> json.validate("{} {}", "input")).hasMessageContaining("input is not valid JSON");
        assertThatThrownBy(() -> json.validate("  ", "input")).isInstanceOf(InvalidPayloadException.class)
                .hasMessage("NVENT-0204 input is empty: give a JSON value, such as {} or null");
        assertThatThrownBy(() -> json.validate(null, "input")).isInstanceOf(InvalidPayloadException.class)
                .hasMessageContaining("input is missing (null)");
        assertThat(json.validate("null", "input")).isEqualTo("null");
    }

    @Test
    void refusesStringsWithAnUnpairedSurrogateWrittenAsEscapesOrRaw() {
        for (String bad : new String[] {"{\"s\":\"\\ud800\"}", "{\"\\uDC00\":1}", "[\"a\\ud800b\"]",
                "{\"s\":\"\ud800\"}", "{\"s\":\"\\udc00\\ud800\"}"}) {
            assertThatThrownBy(() -> json.validate(bad, "payload of trigger 'hook'")).as(bad)
                    .isInstanceOf(InvalidPayloadException.class)
                    .hasMessageContaining("payload of trigger 'hook' is not valid JSON: a string holds an unpaired surrogate");
        }
    }

    @Test
    void acceptsSurrogatePairsAndOtherEscapes() {
        for (String good : new String[] {"{\"s\":\"\\ud83d\\ude00\"}", "{\"s\":\"\ud83d\ude00\"}",
                "{\"s\":\"\\u00e9\\u4e2d\\\\ud800\"}"}) {
            assertThat(json.validate(good, "input")).as(good).isEqualTo(good);
        }
    }
}
