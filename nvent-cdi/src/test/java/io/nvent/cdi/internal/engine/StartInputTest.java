package io.nvent.cdi.internal.engine;

import io.nvent.FlowStep;
import io.nvent.InvalidPayloadException;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Input the entry step cannot read is refused when the run is started, and no run is left behind. */
class StartInputTest {

    public record Order(String id, int quantity) {
    }

    @FlowStep(flow = "typed", name = "take", role = StepRole.ENTRY)
    public static class TakeOrder implements Step<Order, String> {
        @Override
        public String execute(Order order, StepContext ctx) {
            return order.id();
        }
    }

    @FlowStep(flow = "plain", name = "look", role = StepRole.ENTRY)
    public static class Look implements Step<JsonObject, Void> {
        @Override
        public Void execute(JsonObject input, StepContext ctx) {
            return null;
        }
    }

    static final Map<String, String> READ = new java.util.concurrent.ConcurrentHashMap<>();

    /** Reads its input as text and keeps what it and the run's state hold, as text and as a number. */
    @FlowStep(flow = "text", name = "read", role = StepRole.ENTRY)
    public static class ReadText implements Step<String, Void> {
        @Override
        public Void execute(String input, StepContext ctx) {
            READ.put(ctx.runId(), String.valueOf(input == null ? "<null>" : "'" + input + "'"));
            ctx.state().set("n", null);
            READ.put(ctx.runId() + " state", ctx.state().get("n", String.class) + " "
                    + ctx.state().get("n", Integer.class) + " " + ctx.state().get("n", JsonValue.class));
            return null;
        }
    }

    @Test
    void aStringInputGetsAStringsValueTheJsonTextOfOtherValuesAndNullForJsonNull() {
        READ.clear();
        try (EngineHarness h = new EngineHarness(new ReadText())) {
            String none = h.engine.start("text", null);
            String object = h.engine.start("text", Map.of("a", 1));
            String string = h.engine.startWithJson("text", "\"abc\"");
            String number = h.engine.start("text", 42);
            for (String run : List.of(none, object, string, number)) {
                h.awaitStatus(run, RunStatus.COMPLETED);
            }

            assertThat(READ).containsEntry(none, "<null>").containsEntry(object, "'{\"a\":1}'")
                    .containsEntry(string, "'abc'").containsEntry(number, "'42'");
            assertThat(READ).as("state set to null reads as empty for every type")
                    .containsEntry(none + " state", "Optional.empty Optional.empty Optional.empty");
        }
    }

    @Test
    void noJsonTextIsRefusedAsInvalidJsonWhileTheTextNullIsJsonNull() {
        try (EngineHarness h = new EngineHarness(new ReadText())) {
            for (String nothing : new String[] {null, "", "  "}) {
                assertThatThrownBy(() -> h.engine.startWithJson("text", nothing)).as("[" + nothing + "]")
                        .isInstanceOf(InvalidPayloadException.class)
                        .hasMessageContaining("input of flow 'text' is ")
                        .hasMessageEndingWith(": give a JSON value, such as {} or null");
            }
            assertThat(h.engine.runs(RunQuery.all())).isEmpty();

            h.awaitStatus(h.engine.startWithJson("text", "null"), RunStatus.COMPLETED);
        }
    }

    @Test
    void inputOfTheWrongShapeIsRefusedAtTheStartInJsonTermsAndNoRunExists() {
        try (EngineHarness h = new EngineHarness(new TakeOrder(), new Look())) {
            assertThatThrownBy(() -> h.engine.start("typed", List.of(1, 2)))
                    .isInstanceOf(InvalidPayloadException.class)
                    .hasMessage("NVENT-0204 input of flow 'typed' for step 'take' must be a JSON object, got a JSON "
                            + "array");
            assertThatThrownBy(() -> h.engine.startWithJson("typed", "\"A-1\""))
                    .isInstanceOf(InvalidPayloadException.class)
                    .hasMessageEndingWith("must be a JSON object, got a JSON string");
            assertThatThrownBy(() -> h.engine.startWithJson("typed", "{\"id\":\"A-1\",\"quantity\":\"two\"}"))
                    .as("a member of the wrong kind, named as JSON-B's chain of properties says, not its own types")
                    .hasMessageEndingWith(": its member 'quantity' is \"two\", which does not fit it");
            assertThatThrownBy(() -> h.engine.startWithJson("typed", "{\"id\":{\"n\":1},\"quantity\":2}"))
                    .hasMessageEndingWith(": its member 'id' is a JSON object that does not fit it")
                    .message().doesNotContain("Incorrect position", "START_OBJECT", "java.lang.String");
            assertThatThrownBy(() -> h.engine.startWithJson("typed", "{\"id\":\"A-1\",\"quantity\":1.5}"))
                    .as("a number the step's type would change").isInstanceOf(InvalidPayloadException.class)
                    .hasMessageEndingWith("'quantity' is 1.5, which does not fit the step's whole-number type"
                            + " (it would read as 1)");
            assertThatThrownBy(() -> h.engine.startWithJson("plain", "[1,2]"))
                    .isInstanceOf(InvalidPayloadException.class)
                    .hasMessage("NVENT-0204 input of flow 'plain' for step 'look' must be a JSON object, got a JSON "
                            + "array");

            assertThat(h.engine.runs(RunQuery.all())).isEmpty();
        }
    }

    @Test
    void inputThatFitsStartsTheRun() {
        try (EngineHarness h = new EngineHarness(new TakeOrder(), new Look())) {
            String typed = h.engine.start("typed", Map.of("id", "A-1", "quantity", 2));
            String plain = h.engine.startWithJson("plain", "{\"a\":1}");

            h.awaitStatus(typed, RunStatus.COMPLETED);
            h.awaitStatus(plain, RunStatus.COMPLETED);
        }
    }

    @Test
    void aMemberTheEntrysClassHasNoPropertyForIsRefusedAtTheStartNamingItAndTheClass() {
        try (EngineHarness h = new EngineHarness(new TakeOrder())) {
            assertThatThrownBy(() -> h.engine.startWithJson("typed", "{\"orderId\":\"A-1\",\"quantity\":2}"))
                    .isInstanceOf(InvalidPayloadException.class)
                    .hasMessage("NVENT-0204 input of flow 'typed' for step 'take' cannot be read as "
                            + Order.class.getTypeName() + ": its member 'orderId' would be dropped, since "
                            + Order.class.getName() + " has no property of that name (its properties are [id, "
                            + "quantity]); fix the name, or give the class the property (@JsonbProperty names it "
                            + "otherwise)");

            assertThat(h.engine.runs(RunQuery.all())).isEmpty();
        }
    }

    /** Sends what it computed as well: a getter's value read back is no unknown member. */
    public static final class Priced {
        public String id;
        public int quantity;

        public int getTotal() {
            return quantity * 10;
        }
    }

    @FlowStep(flow = "priced", name = "price", role = StepRole.ENTRY, emits = "priced")
    public static class Price implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            Priced priced = new Priced();
            priced.id = "A-1";
            priced.quantity = 2;
            ctx.emit("priced", input.containsKey("typo") ? Map.of("id", "A-1", "qantity", 2) : priced);
            return null;
        }
    }

    public record PricedInput(@jakarta.json.bind.annotation.JsonbProperty("priced") Priced priced) {
    }

    @FlowStep(flow = "priced", name = "bill", subscribes = "priced", maxAttempts = 1)
    public static class Bill implements Step<PricedInput, Integer> {
        @Override
        public Integer execute(PricedInput input, StepContext ctx) {
            return input.priced().getTotal();
        }
    }

    @Test
    void aStepsOwnInputClassReadsWhatJsonBWroteOfItIncludingItsGetters() {
        try (EngineHarness h = new EngineHarness(new Price(), new Bill())) {
            String runId = h.engine.start("priced", Map.of());

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(h.eventsOf(runId, io.nvent.EventType.STEP_COMPLETED))
                    .anySatisfy(completed -> assertThat(completed.data()).contains("\"result\":20"));
        }
    }

    @Test
    void aMemberOfAnEventsPayloadTheSubscribersClassLacksFailsTheAttemptNamingItsPathAndTheClass() {
        try (EngineHarness h = new EngineHarness(new Price(), new Bill())) {
            String runId = h.engine.start("priced", Map.of("typo", true));

            h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(h.eventsOf(runId, io.nvent.EventType.STEP_FAILED)).singleElement()
                    .satisfies(failed -> assertThat(failed.data()).contains("NVENT-0204 input of bill in run " + runId
                            + " cannot be read as " + PricedInput.class.getTypeName() + ": its member 'priced.qantity' "
                            + "would be dropped, since " + Priced.class.getName() + " has no property of that name (its "
                            + "properties are [id, quantity])"));
        }
    }
}
