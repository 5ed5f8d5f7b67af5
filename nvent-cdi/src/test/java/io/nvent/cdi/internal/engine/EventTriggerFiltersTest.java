package io.nvent.cdi.internal.engine;

import io.nvent.FlowStep;
import io.nvent.RunQuery;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerEvent;
import io.nvent.TriggerInfo;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.testkit.LogRecorder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Event triggers with a filter fire only for events whose payload contains it. */
class EventTriggerFiltersTest {

    @FlowStep(flow = "ship", name = "ship", role = StepRole.ENTRY)
    @Trigger(name = "eu-orders", type = TriggerType.EVENT, event = "order.placed",
            filter = "{\"region\": \"eu\", \"order\": {\"priority\": 2}}")
    static class Ship implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "audit", name = "audit", role = StepRole.ENTRY)
    @Trigger(name = "every-order", type = TriggerType.EVENT, event = "order.placed")
    static class Audit implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    private static int shipped(EngineHarness h, Object payload) {
        List<String> started = h.engine.publishEvent("order.placed", payload).startedRuns();
        List<String> ships = h.engine.runs(RunQuery.ofFlow("ship")).stream().map(r -> r.runId()).toList();
        return (int) started.stream().filter(ships::contains).count();
    }

    @Test
    void aFilteredTriggerFiresForAPayloadThatContainsTheFilterAndNotForOneThatDoesNot() {
        try (EngineHarness h = new EngineHarness(new Ship(), new Audit())) {
            assertThat(shipped(h, Map.of("region", "eu", "order", Map.of("priority", 2, "total", 30), "rush", true)))
                    .isEqualTo(1);
            assertThat(shipped(h, Map.of("region", "us", "order", Map.of("priority", 2)))).isZero();
            assertThat(shipped(h, Map.of("region", "eu"))).isZero();
        }
    }

    @Test
    void nestedObjectsMatchAsSubsetsAndOtherValuesAsWholeValues() {
        try (EngineHarness h = new EngineHarness(new Ship(), new Audit())) {
            assertThat(shipped(h, Map.of("region", "eu", "order", Map.of("priority", 2, "lines", List.of(1, 2)))))
                    .isEqualTo(1);
            assertThat(shipped(h, Map.of("region", "eu", "order", Map.of("priority", 3)))).isZero();
            assertThat(shipped(h, Map.of("region", "eu", "order", "priority 2"))).isZero();
            assertThat(shipped(h, Map.of("region", List.of("eu"), "order", Map.of("priority", 2)))).isZero();
        }
    }

    @Test
    void numbersInTheFilterMatchByValue() {
        try (EngineHarness h = new EngineHarness(new Ship(), new Audit())) {
            assertThat(shipped(h, Map.of("region", "eu", "order", Map.of("priority", 2.0)))).isEqualTo(1);
            assertThat(shipped(h, Map.of("region", "eu", "order", Map.of("priority", new java.math.BigDecimal("2.00")))))
                    .isEqualTo(1);
            assertThat(shipped(h, Map.of("region", "eu", "order", Map.of("priority", "2")))).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"1e999999999999", "-1e-99999999999"})
    void aPayloadHoldingANumberNoBigDecimalHoldsMatchesNoFilterWithoutDisturbingTheEmitter(String number) {
        String payload = "{\"region\":\"eu\",\"order\":{\"priority\":" + number + "}}";
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness h = new EngineHarness(new Ship(), new Audit())) {
            List<List<String>> started = new ArrayList<>();
            assertThatCode(() -> {
                started.add(h.triggers.fireOnEvent("order.placed", payload));
                started.add(h.triggers.fireOnEvent("order.placed", payload));
            }).doesNotThrowAnyException();

            assertThat(started).allSatisfy(runs -> assertThat(runs).singleElement()
                    .satisfies(run -> assertThat(h.engine.run(run).orElseThrow().flow()).isEqualTo("audit")));
            assertThat(h.engine.runs(RunQuery.ofFlow("ship"))).isEmpty();
            assertThat(h.triggers.trigger("eu-orders").orElseThrow().fires()).isZero();
            assertThat(h.triggers.history("eu-orders", 10)).extracting(TriggerEvent::type)
                    .containsExactly("trigger.registered");
            assertThat(log.messagesContaining("eu-orders")).singleElement().satisfies(line -> assertThat(line)
                    .startsWith("NVENT-0578 event trigger eu-orders did not fire").contains("said once per trigger"));
        }
    }

    /**
     * Review: NVENT-0578 is said "once per trigger until the instance starts again", but it is remembered by name:
     * a trigger deleted and created anew under its name at run time (another trigger, another filter) is never
     * told about again.
     */
    @Test
    void aTriggerCreatedAnewUnderADeletedOnesNameIsToldOfAnUnreadablePayloadAgain() {
        String payload = "{\"region\":\"eu\",\"order\":{\"priority\":1e999999999999}}";
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness h = new EngineHarness(new Ship(), new Audit())) {
            h.triggers.create(TriggerSpec.newBuilder("big-orders", TriggerType.EVENT).event("order.placed")
                    .flow("ship").filter("{\"region\":\"eu\"}").build());
            h.triggers.fireOnEvent("order.placed", payload);
            h.triggers.delete("big-orders");
            h.triggers.create(TriggerSpec.newBuilder("big-orders", TriggerType.EVENT).event("order.placed")
                    .flow("ship").filter("{\"region\":\"us\"}").build());

            h.triggers.fireOnEvent("order.placed", payload);

            assertThat(log.messagesContaining("NVENT-0578 event trigger big-orders")).as("once per trigger").hasSize(2);
        }
    }

    @Test
    void aTriggerDeletedAndCreatedAnewWithTheSameDefinitionIsToldOfAnUnreadablePayloadAgain() {
        String payload = "{\"region\":\"eu\",\"order\":{\"priority\":1e999999999999}}";
        TriggerSpec bigOrders = TriggerSpec.newBuilder("big-orders", TriggerType.EVENT).event("order.placed")
                .flow("ship").filter("{\"region\":\"eu\"}").build();
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness h = new EngineHarness(new Ship(), new Audit())) {
            h.triggers.create(bigOrders);
            h.triggers.fireOnEvent("order.placed", payload);
            h.triggers.fireOnEvent("order.placed", payload);
            h.triggers.delete("big-orders");
            h.triggers.create(bigOrders);

            h.triggers.fireOnEvent("order.placed", payload);

            assertThat(log.messagesContaining("NVENT-0578 event trigger big-orders")).as("once per trigger created")
                    .hasSize(2);
        }
    }

    @Test
    void numbersABigDecimalHoldsStillMatchByValueInAPayloadGivenAsText() {
        try (EngineHarness h = new EngineHarness(new Ship(), new Audit())) {
            for (String priority : List.of("2", "2.0", "0.2e1", "2E0")) {
                assertThat(h.triggers.fireOnEvent("order.placed", "{\"region\":\"eu\",\"order\":{\"priority\":"
                        + priority + "}}")).as(priority).hasSize(2);
            }
            assertThat(h.triggers.fireOnEvent("order.placed", "{\"region\":\"eu\",\"order\":{\"priority\":2e-99}}"))
                    .hasSize(1);
        }
    }

    @Test
    void aPayloadThatIsNoObjectNeverMatchesAFilterButStillFiresUnfilteredTriggers() {
        try (EngineHarness h = new EngineHarness(new Ship(), new Audit())) {
            for (Object payload : List.of(List.of(Map.of("region", "eu")), "eu", 2)) {
                assertThat(shipped(h, payload)).as(String.valueOf(payload)).isZero();
            }
            assertThat(h.triggers.trigger("every-order").orElseThrow().fires()).isEqualTo(3);
        }
    }

    @Test
    void anEventTheFilterRejectsIsNoFireOfTheTrigger() {
        try (EngineHarness h = new EngineHarness(new Ship(), new Audit())) {
            shipped(h, Map.of("region", "us"));
            shipped(h, Map.of("region", "eu", "order", Map.of("priority", 2)));

            TriggerInfo info = h.triggers.trigger("eu-orders").orElseThrow();
            assertThat(info.fires()).isEqualTo(1);
            assertThat(info.runsStarted()).isEqualTo(1);
            assertThat(h.triggers.history("eu-orders", 10)).extracting(TriggerEvent::type)
                    .containsExactly("trigger.fired", "trigger.registered");
            assertThat(h.triggers.history("eu-orders", 10).get(0).data()).contains("\"region\":\"eu\"")
                    .doesNotContain("\"us\"");
        }
    }

    @Test
    void aTriggerCreatedAtRunTimeKeepsItsFilterCompactAndFiresForEveryEventOnceItIsRemoved() {
        try (EngineHarness h = new EngineHarness(new Ship(), new Audit())) {
            TriggerInfo created = h.triggers.create(TriggerSpec.newBuilder("big-orders", TriggerType.EVENT)
                    .event("order.big").flow("audit").filter(" { \"size\" : \"XL\" } ").build());

            assertThat(created.spec().filter()).hasValue("{\"size\":\"XL\"}");
            assertThat(h.triggers.history("big-orders", 1).get(0).data()).contains("\"filter\":{\"size\":\"XL\"}");
            assertThat(h.engine.publishEvent("order.big", Map.of("size", "S")).startedRuns()).isEmpty();
            assertThat(h.engine.publishEvent("order.big", Map.of("size", "XL")).startedRuns()).hasSize(1);

            h.triggers.update(created.spec().withFilter(Optional.empty()));

            assertThat(h.engine.publishEvent("order.big", Map.of("size", "S")).startedRuns()).hasSize(1);
            assertThat(h.engine.publishEvent("order.big", List.of()).startedRuns()).hasSize(1);
        }
    }

    @Test
    void anEmptyFilterMatchesEveryPayload() {
        try (EngineHarness h = new EngineHarness(new Ship(), new Audit())) {
            h.triggers.create(TriggerSpec.newBuilder("any-order", TriggerType.EVENT).event("order.any").flow("audit")
                    .filter("{}").build());

            assertThat(h.engine.publishEvent("order.any", "plain text").startedRuns()).hasSize(1);
        }
    }

    @Test
    void aFilterThatIsNoJsonObjectOrOnAnotherTypeOfTriggerIsRefusedByTheBuilder() {
        TriggerSpec.Builder event = TriggerSpec.newBuilder("eu-orders", TriggerType.EVENT).event("order.placed")
                .flow("ship");

        assertThatThrownBy(() -> event.filter("[\"eu\"]").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NVENT-0220 the filter of event trigger 'eu-orders' must be a JSON object")
                .hasMessageEndingWith("was [\"eu\"]");
        assertThatThrownBy(() -> event.filter("{\"region\": eu}").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NVENT-0220", "not valid JSON");
        assertThatThrownBy(() -> event.filter("").build()).hasMessageContaining("NVENT-0220");
        assertThatThrownBy(() -> event.filter("{\"region\":\"eu\"}, {\"region\":\"us\"}").build())
                .hasMessageContaining("NVENT-0220", "an object followed by more text");
        assertThatThrownBy(() -> event.filter("{\"a\":1}}").build()).hasMessageContaining("NVENT-0220");
        assertThatThrownBy(() -> event.filter("{\"a\":[\"x\\u0000\"]}").build())
                .hasMessageContaining("NVENT-0222", "U+0000");
        assertThat(event.filter(" {\"a\": 1} \n").build().filter()).hasValue("{\"a\":1}");
        assertThatThrownBy(() -> TriggerSpec.newBuilder("nul", TriggerType.EVENT).event("a\u0000b").flow("ship")
                .build()).hasMessageContaining("NVENT-0223 the event name of trigger 'nul' holds the character U+0000");
        assertThatThrownBy(() -> TriggerSpec.newBuilder("nul", TriggerType.EVENT).event("e").flow("ship")
                .description("a\u0000b").build())
                .hasMessageContaining("NVENT-0223 the description");
        assertThatThrownBy(() -> TriggerSpec.newBuilder("by-hand", TriggerType.MANUAL).flow("ship")
                .filter("{\"region\":\"eu\"}").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NVENT-0221 trigger 'by-hand' is a manual trigger; a filter belongs to event "
                        + "triggers only");
        assertThatThrownBy(() -> event.filter("{\"priority\":1e99999999999}").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0274 the filter of event trigger 'eu-orders' holds a number too large"
                        + " to write out");
        assertThat(event.filter(null).build().filter()).isEmpty();
    }

    @Test
    void aFilterThatGivesAMemberTwiceInOneObjectIsRefusedNamingIt() {
        TriggerSpec.Builder event = TriggerSpec.newBuilder("eu-orders", TriggerType.EVENT).event("order.placed")
                .flow("ship");

        assertThatThrownBy(() -> event.filter("{\"region\":\"eu\",\"region\":\"us\"}").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0230 the filter of event trigger 'eu-orders' gives the member \"region\" twice; "
                        + "give each member once (a filter cannot say \"either value\": declare one trigger per value)");
        assertThatThrownBy(() -> event.filter("{\"order\":{\"region\":\"eu\",\"n\":1,\"region\":\"eu\"}}").build())
                .hasMessageContaining("NVENT-0230", "\"order.region\" twice");
        assertThatThrownBy(() -> event.filter("{\"items\":[{\"sku\":1},{\"sku\":2,\"sku\":3}]}").build())
                .hasMessageContaining("NVENT-0230", "\"items[1].sku\" twice");
        assertThat(event.filter("{\"a\":{\"region\":1},\"b\":[{\"region\":2},{\"region\":3}],\"region\":4}")
                .build().filter()).as("the same name in different objects").isPresent();
        assertThat(event.filter("{\"region\":\"eu\"}").build().toBuilder().build().filter())
                .as("a built filter builds again").hasValue("{\"region\":\"eu\"}");
    }
}
