package io.nvent.web.internal.rest;

import io.nvent.InvalidPayloadException;
import jakarta.json.Json;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Fields of a request body: the wrong shape answers 400 naming the field and what it must be. */
class JsonFieldsTest {

    private static JsonFields trigger(String json) {
        try (var reader = Json.createReader(new StringReader(json))) {
            return JsonFields.of(reader.readValue(), "the trigger", "{\"name\":…}");
        }
    }

    @Test
    void fieldsOfTheRightTypeAreReadAndAbsentOrNullOnesAreEmpty() {
        JsonFields fields = trigger("{\"name\":\"t\",\"enabled\":false,\"flows\":[\"order\",\"ship\"],\"cron\":null}");

        assertThat(fields.string("name")).contains("t");
        assertThat(fields.bool("enabled")).contains(false);
        assertThat(fields.strings("flows", "flow names")).hasValueSatisfying(
                flows -> assertThat(flows).containsExactly("order", "ship"));
        assertThat(fields.string("cron")).isEmpty();
        assertThat(fields.string("event")).isEmpty();
    }

    @Test
    void aBodyThatIsNotAnObjectIsRefused() {
        assertThatThrownBy(() -> trigger("[]")).isInstanceOf(InvalidPayloadException.class)
                .hasMessageContaining("the trigger must be a JSON object").hasMessageEndingWith("was an array");
        assertThatThrownBy(() -> JsonFields.of(JsonValue.TRUE, "the trigger", "{}"))
                .hasMessageEndingWith("was a boolean");
    }

    @Test
    void aFieldOfAnotherTypeIsRefusedNamingTheFieldAndWhatItMustBe() {
        assertThatThrownBy(() -> trigger("{\"flows\":\"order\"}").strings("flows", "flow names"))
                .isInstanceOf(InvalidPayloadException.class)
                .hasMessageContaining("\"flows\" of the trigger must be an array of flow names (strings), was \"order\"");
        assertThatThrownBy(() -> trigger("{\"flows\":[1,2]}").strings("flows", "flow names"))
                .hasMessageContaining("\"flows\"").hasMessageContaining("was [1,2]");
        assertThatThrownBy(() -> trigger("{\"enabled\":\"yes\"}").bool("enabled"))
                .hasMessageContaining("\"enabled\" of the trigger must be true or false, was \"yes\"");
        assertThatThrownBy(() -> trigger("{\"event\":5}").string("event"))
                .hasMessageContaining("\"event\" of the trigger must be a string, was 5");
    }

    @Test
    void aBodyHeldToItsFieldsRefusesOthersNamingThemAndWhatItTakes() {
        assertThat(trigger("{\"name\":\"t\",\"enabled\":null}").allowOnly(List.of("name", "enabled")).string("name"))
                .contains("t");
        assertThatThrownBy(() -> trigger("{\"name\":\"t\",\"nmae\":\"u\"}").allowOnly(List.of("name", "enabled")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0752 the trigger has a field it cannot have: \"nmae\"; it takes only name, enabled");
    }
}
