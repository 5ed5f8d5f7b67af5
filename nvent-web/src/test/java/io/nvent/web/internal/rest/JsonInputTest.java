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

    @Test
    void anAwaitsWebhookBodyThatIsNoJsonIsRefusedInJsonTermsBeforeTheEngineIsAskedToResolve() {
        AwaitsResource awaits = new AwaitsResource();
        awaits.flows = AwaitWebhookTest.engineWithAwaitOf("a-token");

        assertThatThrownBy(() -> awaits.webhook("a-token", TriggersResourceTest.headers(), "{\"approved\" true}".getBytes(
                java.nio.charset.StandardCharsets.UTF_8))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0726 the body is not valid JSON at line 1, column 16: expected ':'");
    }

    @Test
    void aDefinitionThatGivesAMemberTwiceInOneObjectIsRefusedNamingItsPath() {
        assertThatThrownBy(() -> JsonInput.parseDefinition("{\"flows\":[\"a\"],\"flows\":[\"b\"]}", "trigger",
                member -> " (hint)")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0780 the trigger gives the member \"flows\" twice; give each member once (hint)");
        assertThat(JsonInput.memberGivenTwice("{\"filter\":{\"region\":\"eu\",\"region\":\"us\"}}"))
                .contains("filter.region");
        assertThat(JsonInput.memberGivenTwice("{\"a\":[{\"x\":1},[{\"y\":2,\"y\":2}]]}")).contains("a[1][0].y");
        assertThat(JsonInput.memberGivenTwice("{\"x\":{\"x\":1},\"y\":[{\"x\":2},{\"x\":3}],\"z\":null}"))
                .as("the same name in different objects").isEmpty();
        assertThat(JsonInput.memberGivenTwice("[1, \"x\", true]")).isEmpty();
        assertThat(JsonInput.parseDefinition("{\"a\":{\"b\":1}}", "trigger", member -> "").asJsonObject())
                .containsKey("a");
    }

    /**
     * A run's input, an event's payload or an await's data that gives a member twice: the parser kept the
     * last value, and the run went on with {@code "id":"B"} while the sender's {@code "A"} was lost.
     */
    @Test
    void aBodyGivingAMemberTwiceIsRefusedWhereverItBecomesARunsData() {
        assertThatThrownBy(() -> JsonInput.parseBody("{\"id\":\"A\",\"item\":\"book\",\"id\":\"B\"}",
                "input of flow 'order'")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0780 the input of flow 'order' gives the member \"id\" twice; give each member once");
        assertThatThrownBy(() -> JsonInput.webhookBody("{\"order\":{\"lines\":[{\"sku\":1,\"sku\":2}]}}"))
                .hasMessage("NVENT-0780 the body gives the member \"order.lines[0].sku\" twice; give each member once");
        assertThat(JsonInput.parseBody("{\"id\":\"A\",\"lines\":[{\"id\":1},{\"id\":2}]}", "input"))
                .hasToString("{\"id\":\"A\",\"lines\":[{\"id\":1},{\"id\":2}]}");
        assertThat(JsonInput.webhookBody("")).isEqualTo("{}");
    }
}
