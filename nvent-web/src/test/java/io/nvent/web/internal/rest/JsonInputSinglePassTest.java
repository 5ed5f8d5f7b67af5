package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.json.JsonException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one pass that finds a member given twice fails on text that is no JSON as reading the tree does. */
class JsonInputSinglePassTest {

    private static final List<String> MALFORMED = List.of("{\"a\":", "{\"a\" 1}", "{\"a\":1,", "{\"a\":1} x",
            "{\"a\":1}}", "[1,]", "[1 2]", "{\"a\":1,\"a\":2,}", "{\"a\":1,\"a\":2} [", "tru", "\"abc", "01", "-",
            "{'a':1}", "{\"a\":1}\n{\"b\":2}", "1 2", "{\"a\":NaN}", "[" .repeat(100_000), "", "  ", "}");

    @Test
    void everyMalformedTextFailsAsTheTreeReadFailsWithTheSameDescription() {
        for (String text : MALFORMED) {
            assertThat(failure(() -> JsonInput.memberGivenTwice(text))).as(text)
                    .isEqualTo(failure(() -> JsonInput.read(text)));
        }
    }

    @Test
    void aRunsInputThatIsNoJsonIsRefusedAsReadingItsTreeRefusesIt() {
        for (String text : MALFORMED) {
            assertThat(failure(() -> JsonInput.requireJson(text, "input of flow 'order'"))).as(text)
                    .isEqualTo(failure(() -> JsonInput.parseBody(text, "input of flow 'order'")));
        }
        assertThat(failure(() -> JsonInput.requireJson("{\"id\":1,\"id\":2}", "input"))).isEqualTo(
                "IllegalArgumentException: NVENT-0780 the input gives the member \"id\" twice; give each member once");
        assertThat(failure(() -> JsonInput.requireJson("{\"id\":1,\"lines\":[{\"id\":2}]}", "input")))
                .isEqualTo("read");
    }

    private static String failure(Runnable reading) {
        try {
            reading.run();
            return "read";
        } catch (JsonException e) {
            return JsonInput.whatIsWrong(e);
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName() + (e.getMessage() == null || e.getMessage().length() > 200 ? ""
                    : ": " + e.getMessage());
        }
    }
}
