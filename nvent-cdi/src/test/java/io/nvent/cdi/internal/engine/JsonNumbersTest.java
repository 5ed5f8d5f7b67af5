package io.nvent.cdi.internal.engine;

import io.nvent.InvalidPayloadException;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Whole numbers in a payload reach a step as sent, or are refused: never narrowed on the way. */
class JsonNumbersTest {

    private final Json json = new Json(1024 * 1024);

    public record Order(String id, int quantity, long total, Short shelf, BigInteger serial) {
    }

    public static class Line {
        public Integer count;
        public byte flags;
    }

    private Object read(String text, Class<?> type) {
        return json.fromJson(text, type, "input of run r-1");
    }

    @Test
    void wholeNumbersWithinTheirTypesRangeAreReadAsSent() {
        Order order = (Order) read("{\"id\":\"A\",\"quantity\":2147483647,\"total\":-9223372036854775808,"
                + "\"shelf\":7,\"serial\":123456789012345678901234567890}", Order.class);

        assertThat(order.quantity()).isEqualTo(Integer.MAX_VALUE);
        assertThat(order.total()).isEqualTo(Long.MIN_VALUE);
        assertThat(order.shelf()).isEqualTo((short) 7);
        assertThat(order.serial()).isEqualTo(new BigInteger("123456789012345678901234567890"));
        assertThat(((Line) read("{\"count\":3,\"flags\":1}", Line.class)).flags).isEqualTo((byte) 1);
    }

    @Test
    void aNumberBeyondAnIntsRangeIsRefusedInsteadOfWrappingAround() {
        assertThatThrownBy(() -> read("{\"id\":\"A\",\"quantity\":99999999999999999999}", Order.class))
                .isInstanceOf(InvalidPayloadException.class)
                .hasMessageContaining("input of run r-1 cannot be read as")
                .hasMessageContaining("'quantity' is 99999999999999999999, which does not fit the step's"
                        + " whole-number type");
        assertThatThrownBy(() -> read("{\"count\":2147483648}", Line.class))
                .isInstanceOf(InvalidPayloadException.class).hasMessageContaining("'count' is 2147483648");
        assertThatThrownBy(() -> read("{\"flags\":300}", Line.class))
                .isInstanceOf(InvalidPayloadException.class).hasMessageEndingWith("its member 'flags' is 300, which does not fit it");
    }

    @Test
    void aFractionIsRefusedWhereAWholeNumberIsBound() {
        assertThatThrownBy(() -> read("{\"id\":\"A\",\"quantity\":1.5}", Order.class))
                .isInstanceOf(InvalidPayloadException.class)
                .hasMessageContaining("'quantity' is 1.5, which does not fit the step's whole-number type (it would read as 1)");
        assertThatThrownBy(() -> read("{\"serial\":2.5}", Order.class))
                .isInstanceOf(InvalidPayloadException.class).hasMessageEndingWith("its member 'serial' is 2.5, which does not fit it");
    }

    @Test
    void untypedPayloadsKeepTheirNumbersAsTheyAre() {
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) json.fromJson("{\"big\":99999999999999999999,\"x\":1.5}",
                Map.class, "input");
        assertThat(map.get("big").toString()).isEqualTo("99999999999999999999");
        assertThat(map.get("x").toString()).isEqualTo("1.5");
        assertThat(read("[1,2]", List.class)).asList().hasSize(2);
    }
}
