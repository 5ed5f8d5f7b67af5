package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonStructure;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class PlainJsonTest {

    private static final Jsonb JSONB = JsonbBuilder.create();

    static Stream<Object> plainValues() {
        Map<String, Object> ordered = new LinkedHashMap<>();
        ordered.put("z", 1);
        ordered.put("a", List.of("x", true));
        ordered.put("nothing", null);
        Map<String, Object> many = new HashMap<>();
        for (int i = 0; i < 40; i++) {
            many.put("key-" + i, i % 2 == 0 ? (Object) ("v" + i) : (Object) (long) i);
        }
        List<Object> withNull = new ArrayList<>(Arrays.asList("a", null, 3));
        return Stream.of("text", "Grüße, 日本 \uD83D\uDE00 \"quoted\" back\\slash \n\t\u0000 /", "", true, false,
                0, -7, Integer.MAX_VALUE, Long.MIN_VALUE, (short) 12, (byte) -3,
                new BigInteger("123456789012345678901234567890"),
                Map.of(), List.of(), Map.of("tRun0", 54780280690054L, "tPrev", 54780442372500L),
                Map.of("order", Map.of("id", "A-1", "lines", List.of(Map.of("sku", "b-1", "qty", 2)))),
                ordered, new TreeMap<>(Map.of("b", 2, "a", 1)), many, withNull, List.of(List.of(List.of())));
    }

    @ParameterizedTest
    @MethodSource("plainValues")
    void writesPlainValuesExactlyAsJsonBDoes(Object value) {
        assertThat(PlainJson.write(value)).contains(JSONB.toJson(value));
    }

    static Stream<Object> valuesForJsonB() {
        record Order(String id, int quantity) {
        }
        return Stream.of(1.5, 2.0f, new BigDecimal("1.10"), Instant.EPOCH, Optional.of("x"), Set.of("a"),
                new Order("A-1", 2), Map.of(1, "one"), Map.of("price", 9.99), List.of(new Order("A-2", 1)),
                new int[] {1, 2}, List.of(new StringBuilder("a")), nested(40));
    }

    @ParameterizedTest
    @MethodSource("valuesForJsonB")
    void leavesEverythingElseToJsonB(Object value) {
        assertThat(PlainJson.write(value)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "[]", "{\"tRun0\":54780280690054,\"step1.done\":{\"tPrev\":1.5e3,\"ok\":true}}",
            "[1, \"two\", null, {\"three\": [3]}]", "{ \"spaced\" : \"Grüße \\u00e9\" }"})
    void readsObjectsAndArraysIntoJsonPValuesAsJsonBDoes(String text) {
        Class<? extends JsonStructure> type = text.startsWith("{") ? JsonObject.class : JsonArray.class;

        assertThat(PlainJson.read(text, type)).contains(JSONB.fromJson(text, type));
    }

    @Test
    void leavesOtherReadsToJsonB() {
        assertThat(PlainJson.read("null", JsonObject.class)).isEmpty();
        assertThat(PlainJson.read(" {}", JsonObject.class)).isEmpty();
        assertThat(PlainJson.read("[]", JsonObject.class)).isEmpty();
        assertThat(PlainJson.read("{}", Map.class)).isEmpty();
    }

    @Test
    void refusesAnObjectThatIsNotJson() {
        assertThatThrownBy(() -> PlainJson.read("{\"open\":", JsonObject.class)).isInstanceOf(JsonException.class);
    }

    private static Object nested(int depth) {
        Object value = "bottom";
        for (int i = 0; i < depth; i++) {
            value = List.of(value);
        }
        return value;
    }
}
