package io.nvent.cdi.internal.engine;

import io.nvent.InvalidPayloadException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * JSON-B reaches the members of public classes only: a payload class declared without {@code public}
 * (a record nested in a service or a test, say) fails its conversion, and the message says to make it public.
 */
class JsonNonPublicClassesTest {

    private final Json json = new Json(1024 * 1024);

    record Invoice(String customerId, long amountCents) {
    }

    public record Order(String id, Invoice invoice) {
    }

    static class Customer {
        private String name;

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }
    }

    @Test
    void anInputOfAClassThatIsNotPublicIsRefusedNamingTheClassToMakePublic() {
        assertThatThrownBy(() -> json.toJson(new Invoice("C-1", 4200), "input of flow 'send-invoice'"))
                .isInstanceOf(InvalidPayloadException.class)
                .hasMessageStartingWith("NVENT-0204 input of flow 'send-invoice' cannot be converted to JSON: ")
                .hasMessageEndingWith("JSON-B reaches the members of public classes only: declare "
                        + Invoice.class.getName() + " public");
    }

    @Test
    void aPublicInputHoldingAClassThatIsNotPublicNamesTheClassHeldToMakePublic() {
        assertThatThrownBy(() -> json.toJson(new Order("A-1", new Invoice("C-1", 4200)), "input of flow 'order'"))
                .isInstanceOf(InvalidPayloadException.class)
                .hasMessageEndingWith("JSON-B reaches the members of public classes only: declare "
                        + Invoice.class.getName() + " public");
    }

    @Test
    void readingAClassThatIsNotPublicIsRefusedNamingTheClassToMakePublic() {
        assertThatThrownBy(() -> json.fromJson("{\"customerId\":\"C-1\",\"amountCents\":4200}", Invoice.class,
                "input of flow 'send-invoice' for step 'send'"))
                .isInstanceOf(InvalidPayloadException.class)
                .hasMessageEndingWith("JSON-B reaches the members of public classes only: declare "
                        + Invoice.class.getName() + " public");
        assertThatThrownBy(() -> json.fromJson("{\"name\":\"Ada\"}", Customer.class, "input"))
                .isInstanceOf(InvalidPayloadException.class)
                .hasMessageEndingWith("JSON-B reaches the members of public classes only: declare "
                        + Customer.class.getName() + " public");
    }
}
