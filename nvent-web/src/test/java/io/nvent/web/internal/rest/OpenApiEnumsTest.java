package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.AwaitPosition;
import io.nvent.AwaitStatus;
import io.nvent.AwaitType;
import io.nvent.BackoffType;
import io.nvent.BulkSkip;
import io.nvent.EventType;
import io.nvent.Misfire;
import io.nvent.Overlap;
import io.nvent.RunStatus;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.StepWait;
import io.nvent.TimeoutAction;
import io.nvent.TriggerEvent;
import io.nvent.TriggerType;
import io.nvent.spi.JobState;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every enum of the OpenAPI document that mirrors one of the API's enums lists exactly its values, as the API
 * writes them: a client generated from the document reads every answer the API gives, and sends only values it
 * takes.
 */
class OpenApiEnumsTest {

    private static Map<String, Object> document;

    @BeforeAll
    static void readTheDocument() throws IOException {
        document = OpenApiDocumentTest.document();
    }

    @Test
    void aRunsStatusIsOneOfEveryStatusARunHas() {
        assertThat(enumOf("RunStatus")).containsExactlyInAnyOrderElementsOf(wire(RunStatus.values(), RunStatus::wireName))
                .contains("compensating");
        assertThat(enumOf("Run", "status")).isEqualTo(enumOf("RunStatus"));
    }

    @Test
    void aStepsRoleIsEntryStepOrCompensation() {
        assertThat(enumOf("Step", "role")).containsExactlyInAnyOrderElementsOf(lowerCase(StepRole.values()));
    }

    @Test
    void aRunsStepsAreInOneOfEveryStatusAStepHasAndAWaitingStepInOneThatIsNotFinal() {
        assertThat(enumOf("StepStatus")).containsExactlyInAnyOrderElementsOf(wire(StepStatus.values(), StepStatus::wireName));
        assertThat(enumAt(schema("Run"), "properties", "steps", "additionalProperties")).isEqualTo(enumOf("StepStatus"));
        assertThat(enumOf("StepWait", "status")).containsExactlyInAnyOrderElementsOf(
                Stream.of(StepStatus.values()).filter(status -> !status.isFinal()).map(StepStatus::wireName).toList());
    }

    @Test
    void aStepWaitsForOneOfEveryReasonTheEngineTellsInAListANewerServerMayAddTo() {
        assertThat(openListOf("StepWait", "reason"))
                .containsExactlyInAnyOrderElementsOf(wire(StepWait.Reason.values(), StepWait.Reason::wireName));
    }

    @Test
    void anAwaitIsOfEveryTypePositionAndStatusAnAwaitHasAndADeclaredOneOfTheTypesAStepDeclares() {
        List<String> types = lowerCase(AwaitType.values());
        assertThat(enumOf("Await", "type")).containsExactlyInAnyOrderElementsOf(types);
        assertThat(enumOf("StepWait", "awaitType")).containsExactlyInAnyOrderElementsOf(types);
        assertThat(enumOf("Await", "position")).containsExactlyInAnyOrderElementsOf(wire(AwaitPosition.values(), AwaitPosition::wireName));
        assertThat(enumOf("Await", "status")).containsExactlyInAnyOrderElementsOf(wire(AwaitStatus.values(), AwaitStatus::wireName));
        // the engine makes the concurrency key awaits; a step declares any other, children and descendants included
        assertThat(enumOf("AwaitSettings", "type")).containsExactlyInAnyOrderElementsOf(
                types.stream().filter(type -> !type.equals("concurrency_key")).toList());
        assertThat(enumOf("AwaitSettings", "timeoutAction")).containsExactlyInAnyOrderElementsOf(lowerCase(TimeoutAction.values()));
    }

    @Test
    void aRunsHistoryEntryIsOfEveryTypeTheEngineRecordsInAListANewerServerMayAddTo() {
        assertThat(openListOf("Event", "type")).containsExactlyInAnyOrderElementsOf(wire(EventType.values(), EventType::wireName))
                .contains("run.compensating", "run.compensated", "run.debounced", "run.batched");
    }

    @Test
    void aTriggersHistoryEntryIsOfEveryTypeTheEngineWritesInAListANewerServerMayAddTo() throws IOException {
        List<String> constants = Arrays.stream(TriggerEvent.class.getFields())
                .filter(field -> Modifier.isStatic(field.getModifiers()) && field.getType() == String.class)
                .map(field -> {
                    try {
                        return (String) field.get(null);
                    } catch (IllegalAccessException e) {
                        throw new AssertionError(e);
                    }
                }).toList();
        assertThat(openListOf("TriggerEvent", "type")).containsExactlyInAnyOrderElementsOf(constants)
                .contains("trigger.fired", "trigger.skipped", "trigger.recovered");
        // The engine writes them through those constants only: a type written as text would escape this test.
        try (Stream<Path> sources = Files.walk(Path.of("..", "nvent-cdi", "src", "main", "java"))) {
            List<String> literals = sources.filter(path -> path.toString().endsWith(".java")).flatMap(path -> {
                try {
                    return TYPE_LITERAL.matcher(Files.readString(path)).results().map(m -> path.getFileName() + ": "
                            + m.group());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
            assertThat(literals).as("history types written as text, not as TriggerEvent's constants").isEmpty();
        }
        for (String type : constants) {
            String member = type.substring("trigger.".length());
            assertThat((String) at(schema("TriggerEvent"), "properties", "data", "description")).as("%s described", type)
                    .contains(member);
        }
    }

    private static final java.util.regex.Pattern TYPE_LITERAL = java.util.regex.Pattern.compile("\"trigger\\.[a-z-]+\"");

    @Test
    @SuppressWarnings("unchecked")
    void everyOpenListIsDescribedAsOneAndEveryClosedOneIsAnEnum() {
        for (String open : List.of("Event", "TriggerEvent")) {
            assertThat((String) at(schema(open), "properties", "type", "description")).as(open)
                    .contains("a newer server may add types");
        }
        assertThat((String) at(schema("StepWait"), "properties", "reason", "description")).contains("a newer server may add reasons");
        // A run's and a step's status, and a step's role, are what a client acts on: a closed list
        assertThat(resolve(schema("RunStatus"))).containsKey("enum").doesNotContainKey("x-extensible-enum");
        assertThat(resolve(schema("StepStatus"))).containsKey("enum").doesNotContainKey("x-extensible-enum");
        assertThat((Map<String, Object>) at(schema("Step"), "properties", "role")).containsKey("enum");
    }

    @Test
    void anInstanceIsInOneOfEveryStatusAnInstanceHas() {
        assertThat(enumOf("Instance", "status")).containsExactlyInAnyOrderElementsOf(lowerCase(
                io.nvent.InstanceStatus.values()));
    }

    @Test
    void aRetryBacksOffInEveryWayTheApiHas() {
        assertThat(enumOf("Retry", "backoff")).containsExactlyInAnyOrderElementsOf(lowerCase(BackoffType.values()));
    }

    @Test
    void aTriggerIsOfEveryTypeAndPolicyTheApiHasAndSignedByEveryScheme() {
        assertThat(enumOf("TriggerType")).containsExactlyInAnyOrderElementsOf(wire(TriggerType.values(), TriggerType::wireName));
        for (String schema : List.of("TriggerSpec", "Trigger")) {
            assertThat(enumOf(schema, "overlap")).as(schema).containsExactlyInAnyOrderElementsOf(wire(Overlap.values(), Overlap::wireName));
            assertThat(enumOf(schema, "misfire")).as(schema).containsExactlyInAnyOrderElementsOf(wire(Misfire.values(), Misfire::wireName));
        }
        assertThat(enumOf("Trigger", "signatureScheme")).containsExactlyInAnyOrderElementsOf(lowerCase(WebhookProtection.Scheme.values()));
    }

    @Test
    @SuppressWarnings("unchecked")
    void aJobIsInOneOfEveryStateAQueueKeepsAndTheJobsOfEachCanBeListed() {
        List<String> states = lowerCase(JobState.values());
        assertThat(enumOf("Job", "state")).containsExactlyInAnyOrderElementsOf(states);
        List<Map<String, Object>> parameters = (List<Map<String, Object>>) at(document, "paths", "/queues/{queue}/jobs", "get",
                "parameters");
        Map<String, Object> state = parameters.stream().filter(p -> "state".equals(p.get("name"))).findFirst().orElseThrow();
        assertThat(enumAt(state, "schema")).containsExactlyInAnyOrderElementsOf(states);
    }

    @Test
    void aBulkActionsSkippedRunsAreCountedByEveryReasonTheApiGives() {
        assertThat((String) at(schema("BulkResult"), "properties", "skippedBy", "description"))
                .contains(Arrays.stream(BulkSkip.values()).map(skip -> '"' + skip.wireName() + '"').toList());
    }

    /** The enum of a schema of the document, or of one of its properties, following {@code $ref} and {@code allOf}. */
    private static List<String> enumOf(String schema, String... property) {
        Object node = schema(schema);
        for (String name : property) {
            node = at(node, "properties", name);
        }
        return enumIn(node, property.length == 0 ? schema : schema + "." + String.join(".", property));
    }

    /**
     * The values of a list a newer server may add to ({@code x-extensible-enum}): a schema with an {@code enum} makes a
     * client generated from this version refuse an answer that holds a value added since.
     */
    @SuppressWarnings("unchecked")
    private static List<String> openListOf(String schema, String property) {
        Map<String, Object> node = (Map<String, Object>) at(schema(schema), "properties", property);
        assertThat(node).as("%s.%s, a list a newer server adds to", schema, property).doesNotContainKey("enum")
                .containsKey("x-extensible-enum");
        return ((List<Object>) node.get("x-extensible-enum")).stream().map(String::valueOf).toList();
    }

    /** The enum of a node, or of the node at a path in it, following {@code $ref} and {@code allOf}. */
    private static List<String> enumAt(Object node, String... path) {
        return enumIn(at(node, path), String.join(".", path));
    }

    @SuppressWarnings("unchecked")
    private static List<String> enumIn(Object node, String where) {
        Map<String, Object> resolved = resolve(node);
        assertThat(resolved).as("an enum at %s", where).containsKey("enum");
        return ((List<Object>) resolved.get("enum")).stream().map(String::valueOf).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> resolve(Object node) {
        Map<String, Object> schema = (Map<String, Object>) node;
        if (schema.get("$ref") instanceof String ref) {
            return resolve(schema(ref.substring(ref.lastIndexOf('/') + 1)));
        }
        if (schema.get("allOf") instanceof List<?> all && all.size() == 1) {
            return resolve(all.get(0));
        }
        return schema;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> schema(String name) {
        Object schema = at(document, "components", "schemas", name);
        assertThat(schema).as("the schema %s", name).isInstanceOf(Map.class);
        return (Map<String, Object>) schema;
    }

    @SuppressWarnings("unchecked")
    private static Object at(Object node, String... path) {
        Object here = node;
        for (String key : path) {
            assertThat(here).as("%s in %s", key, List.of(path)).isInstanceOf(Map.class);
            here = ((Map<String, Object>) here).get(key);
        }
        return here;
    }

    private static <E extends Enum<E>> List<String> wire(E[] values, Function<E, String> wireName) {
        return Arrays.stream(values).map(wireName).toList();
    }

    /** The values of an enum the API writes as its lower-case constant names. */
    private static <E extends Enum<E>> List<String> lowerCase(E[] values) {
        return wire(values, value -> value.name().toLowerCase(Locale.ROOT));
    }
}
