package io.nvent.cdi.internal.engine;

import io.nvent.ConcurrencyKeyNotInPayloadException;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** REVIEW r3 (not product tests): edge cases of the key a trigger reads from a fire's payload. */
class ReviewR3TriggerConcurrencyKeyTest {

    private static TriggerSpec pointer(String from) {
        return TriggerSpec.newBuilder("hook", TriggerType.WEBHOOK).flow("f").concurrencyKeyFrom(from).build();
    }

    private static Optional<String> key(String from, String payload) {
        return TriggerConcurrencyKey.of(pointer(from), payload);
    }

    @Test
    void longIntegersBeyondDoublePrecisionStayDistinct() {
        assertThat(key("/id", "{\"id\":12345678901234567890}")).hasValue("12345678901234567890");
        assertThat(key("/id", "{\"id\":12345678901234567891}")).hasValue("12345678901234567891");
    }

    @Test
    void negativeZeroInAnyFormIsZero() {
        for (String zero : new String[] {"-0", "-0.0", "0e5", "-0E-5", "0.000"}) {
            assertThat(key("/id", "{\"id\":" + zero + "}")).as(zero).hasValue("0");
        }
    }

    @Test
    void hugeExponentsAreRefusedAsNoKey() {
        assertThatThrownBy(() -> key("/id", "{\"id\":1e400}")).isInstanceOf(ConcurrencyKeyNotInPayloadException.class);
        assertThatThrownBy(() -> key("/id", "{\"id\":1e-400}")).isInstanceOf(ConcurrencyKeyNotInPayloadException.class);
    }

    @Test
    void anExponentBeyondAnIntIsRefusedAsNoKeyNotAnUncheckedParserError() {
        assertThatThrownBy(() -> key("/id", "{\"id\":1e99999999999}"))
                .isInstanceOf(ConcurrencyKeyNotInPayloadException.class);
    }

    @Test
    void escapesAreDecodedInRfc6901Order() {
        assertThat(key("/a~01", "{\"a~1\":\"x\",\"a/\":\"wrong\"}")).hasValue("x");
        assertThat(key("/a~1b", "{\"a/b\":\"y\"}")).hasValue("y");
        assertThat(key("/", "{\"\":\"empty-name\"}")).hasValue("empty-name");
    }

    @Test
    void arrayIndexesFollowRfc6901() {
        assertThat(key("/l/1", "{\"l\":[\"a\",\"b\"]}")).hasValue("b");
        assertThatThrownBy(() -> key("/l/01", "{\"l\":[\"a\",\"b\"]}")).isInstanceOf(ConcurrencyKeyNotInPayloadException.class);
        assertThatThrownBy(() -> key("/l/-", "{\"l\":[\"a\"]}")).isInstanceOf(ConcurrencyKeyNotInPayloadException.class);
        assertThatThrownBy(() -> key("/l/2", "{\"l\":[\"a\"]}")).isInstanceOf(ConcurrencyKeyNotInPayloadException.class);
        assertThatThrownBy(() -> key("/l/9999999999", "{\"l\":[\"a\"]}")).isInstanceOf(ConcurrencyKeyNotInPayloadException.class);
    }

    @Test
    void aPrefixOfTheLongestKeyLengthLeavesNoRoomForAnyValue() {
        // The spec accepts a 200-character prefix, yet no fire of such a trigger can ever start a run.
        assertThatThrownBy(() -> TriggerSpec.newBuilder("hook", TriggerType.WEBHOOK).flow("f").concurrencyKeyFrom("/id")
                .concurrencyKeyPrefix("p".repeat(200)).build()).isInstanceOf(IllegalArgumentException.class);
    }
}
