package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.json.JsonReader;
import java.io.StringReader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonQuoteTest {

    @ParameterizedTest
    @ValueSource(strings = {"", "jobId", "2f1c9a7e-5b1d-4c1e-9d7a-1c2b3a4d5e6f:send", "Grüße, 日本 \uD83D\uDE00",
            "say \"hi\"", "back\\slash", "line\nbreak\ttab\r", "\u0000\u001f", "\u007f\u2028", "/slash/"})
    void quotesAStringAsJsonPDoesAndReadsBackTheSame(String value) {
        String quoted = Json.quote(value);

        assertThat(quoted).isEqualTo(Json.PROVIDER.createValue(value).toString());
        try (JsonReader reader = Json.PROVIDER.createReader(new StringReader("[" + quoted + "]"))) {
            assertThat(reader.readArray().getString(0)).isEqualTo(value);
        }
    }
}
