package io.nvent.jpa.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class JsonTest {

    @ParameterizedTest
    @ValueSource(strings = {"{}", "[]", "0", "-0", "1.5e-3", "-12E+7", "\"\"", "true", "false", "null",
            " { \"a\" : [ 1 , { } , \"x\\\"y\\\\z\\/\\b\\f\\n\\r\\t\\u00e9\" ] } ",
            "\"\\ud83d\\ude00\"", "\"😀\"", "[[[[[[]]]]]]"})
    void acceptsJson(String json) {
        assertThatCode(() -> Json.check(json)).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "{", "}", "[1,]", "{\"a\":1,}", "{'a':1}", "{a:1}", "01", "1.", ".5", "+1",
            "1e", "-", "tru", "nul", "NaN", "\"unterminated", "\"tab\there\"", "\"bad \\x escape\"", "\"\\u12\"",
            "1 2", "{} {}", "\"\\u0000\"", "\"\\ud800\"", "\"\\ude00\"", "\"\\ud800x\"", "[1 2]", "{\"a\" 1}"})
    void refusesWhatIsNotJsonOrCannotBeStored(String json) {
        assertThatThrownBy(() -> Json.check(json)).isInstanceOf(Json.NotJsonException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1e999999999", "{\"x\":1e999999999}", "-1E+1001", "1e-1001", "1e1000", "1e99999999999999999999",
            "0.5e-1000", "1000e998", "0.0001e1001", "0e1001"})
    void refusesNumbersPostgresqlCannotStoreNamingTheRule(String json) {
        assertThatThrownBy(() -> Json.check(json)).isInstanceOf(Json.NotJsonException.class)
                .hasMessageContaining("is out of range: " + Json.NUMBER_RULE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1e999", "-1E+999", "1e-1000", "0.0001e1000", "0e1000", "123.456e-997", "0.000"})
    void acceptsNumbersUpToAThousandDigitsEitherSideOfThePoint(String json) {
        assertThatCode(() -> Json.check(json)).doesNotThrowAnyException();
        assertThatCode(() -> Json.check("9".repeat(1000) + "." + "9".repeat(1000))).doesNotThrowAnyException();
        assertThatThrownBy(() -> Json.check("9".repeat(1001))).hasMessageContaining("out of range");
        assertThatThrownBy(() -> Json.check("0." + "9".repeat(1001))).hasMessageContaining("out of range");
    }

    @Test
    void refusesNestingDeeperThanTheLimit() {
        String deep = "[".repeat(Json.MAX_DEPTH + 2) + "]".repeat(Json.MAX_DEPTH + 2);
        String fine = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);

        assertThatThrownBy(() -> Json.check(deep)).hasMessageContaining("nested deeper");
        assertThatCode(() -> Json.check(fine)).doesNotThrowAnyException();
    }

    @Test
    void countsUtf8Bytes() {
        assertThat(Json.utf8Length("abc", 100)).isEqualTo(3);
        assertThat(Json.utf8Length("é", 100)).isEqualTo(2);
        assertThat(Json.utf8Length("€", 100)).isEqualTo(3);
        assertThat(Json.utf8Length("😀", 100)).isEqualTo(4);
        assertThat(Json.utf8Length("x".repeat(1000), 10)).isEqualTo(11);
    }

    @Test
    void writesAndReadsObjectsOfRawValues() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("plain", "1");
        values.put("quote\"and\\slash", "{\"nested\":[1,\"}\"]}");
        values.put("tab\t", "\"text\"");

        String json = Json.object(values);

        assertThatCode(() -> Json.check(json)).doesNotThrowAnyException();
        assertThat(Json.members(json)).containsExactlyEntriesOf(values);
        assertThat(Json.members("{ \"a\" : 1 , \"b\": [2, 3] }")).containsEntry("a", "1").containsEntry("b", "[2, 3]");
        assertThat(Json.members("{}")).isEmpty();
    }

    @Test
    void writesAndReadsArraysOfStrings() {
        List<String> values = List.of("orders", "with \"quotes\"", "ü 😀");

        assertThat(Json.strings(Json.strings(values))).containsExactlyElementsOf(values);
        assertThat(Json.strings(" [ \"a\" , \"b\" ] ")).containsExactly("a", "b");
        assertThat(Json.strings("[]")).isEmpty();
        assertThat(Json.strings(List.of())).isEqualTo("[]");
    }

    @Test
    void quotesAndUnquotesStrings() {
        String text = "line\nbreak \"quoted\" \\ \u0001 ü 😀";

        assertThat(Json.unquote(Json.quote(text))).isEqualTo(text);
        assertThatCode(() -> Json.check(Json.quote(text))).doesNotThrowAnyException();
    }
}
