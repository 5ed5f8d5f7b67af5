package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** The OpenAPI document the API serves is YAML a client generator can read, and names what the API has. */
class OpenApiDocumentTest {

    /** The document the API serves. */
    static Map<String, Object> document() throws IOException {
        try (InputStream in = OpenApiResource.class.getResourceAsStream("/META-INF/nvent/openapi.yaml")) {
            return new Yaml().load(in);
        }
    }

    /** A parameter as the document gives it, or the one its {@code $ref} names. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> resolved(Map<String, Object> parameter) throws IOException {
        if (!(parameter.get("$ref") instanceof String ref)) {
            return parameter;
        }
        Map<String, Object> parameters = (Map<String, Object>) ((Map<String, Object>) document().get("components"))
                .get("parameters");
        return (Map<String, Object>) parameters.get(ref.substring(ref.lastIndexOf('/') + 1));
    }

    /** The properties the document names for one of its schemas. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> schemaProperties(String schema) throws IOException {
        Map<String, Object> schemas = (Map<String, Object>) ((Map<String, Object>) document().get("components"))
                .get("schemas");
        return (Map<String, Object>) ((Map<String, Object>) schemas.get(schema)).get("properties");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theServedDocumentIsValidYamlWithEveryQueueOperation() throws IOException {
        Map<String, Object> document = document();

        assertThat(document).containsEntry("openapi", "3.0.3");
        assertThat((Map<String, Object>) document.get("paths")).containsKeys("/queues", "/queues/{queue}",
                "/queues/{queue}/rate-limit", "/queues/{queue}/pause", "/queues/{queue}/redrive",
                "/flows/{flow}/runs/retry-failed", "/flows/{flow}/runs/cancel");
        assertThat(schemaProperties("RateLimit")).containsKeys("max", "durationMs", "scope", "groupKey");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aRunCanBeDeletedWithNoContentAnsweredConflictForOneUnderWayAndNotImplementedForAnOldStore()
            throws IOException {
        Map<String, Object> run = (Map<String, Object>) ((Map<String, Object>) document().get("paths"))
                .get("/runs/{runId}");

        assertThat(run).containsKeys("get", "delete");
        assertThat((Map<String, Object>) ((Map<String, Object>) run.get("delete")).get("responses"))
                .containsOnlyKeys("204", "404", "409", "501");
    }

    /** The items ProblemMapper.violations writes: the flow, for a trigger's fire, too. */
    @Test
    @SuppressWarnings("unchecked")
    void aRefusedInputsViolationsNameTheFlowThatRefusedIt() throws IOException {
        Map<String, Object> items = (Map<String, Object>) ((Map<String, Object>) schemaProperties("Problem")
                .get("violations")).get("items");

        assertThat((Map<String, Object>) items.get("properties")).containsOnlyKeys("path", "message", "invalidValue",
                "flow");
    }

    @Test
    void aStepWaitCarriesTheProgressOfARunningStep() throws IOException {
        assertThat(schemaProperties("StepWait")).containsKey("progress");
        assertThat(schemaProperties("StepProgress")).containsOnlyKeys("done", "total", "percent", "message",
                "reportedAt");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aTriggersMisfirePolicyIsOneOfEveryPolicyTheApiHas() throws IOException {
        String[] policies = java.util.Arrays.stream(io.nvent.Misfire.values()).map(io.nvent.Misfire::wireName)
                .toArray(String[]::new);

        for (String schema : new String[] {"TriggerSpec", "Trigger"}) {
            assertThat((java.util.List<String>) ((Map<String, Object>) schemaProperties(schema).get("misfire"))
                    .get("enum")).as(schema).containsExactlyInAnyOrder(policies).contains("fire-all");
        }
    }

    /**
     * Review finding: the retry that completes a keyed fire records {@code trigger.completed}, and a misfire change
     * {@code trigger.misfire-settings}; a client generated from an enum without them fails to read the history.
     */
    @Test
    @SuppressWarnings("unchecked")
    void reviewATriggersHistoryEntryMayBeOfEveryTypeTheEngineRecords() throws IOException {
        assertThat((java.util.List<String>) ((Map<String, Object>) schemaProperties("TriggerEvent").get("type"))
                .get("x-extensible-enum")).contains("trigger.fired", "trigger.failed", "trigger.completed", "trigger.misfire-settings");
    }

    /**
     * Every operation that takes a body answers 400 for one that is not JSON (the public webhooks too:
     * NVENT-0726), and one that takes JSON alone 415 for another type (NVENT-0778): a client generated
     * from the document must expect them.
     */
    @Test
    @SuppressWarnings("unchecked")
    void everyOperationWithABodyDocumentsTheRefusalOfABodyItCannotRead() throws IOException {
        Map<String, Object> paths = (Map<String, Object>) document().get("paths");
        paths.forEach((path, item) -> ((Map<String, Object>) item).forEach((method, operation) -> {
            if (!(operation instanceof Map<?, ?> op) || !op.containsKey("requestBody")) {
                return;
            }
            Map<String, Object> responses = (Map<String, Object>) op.get("responses");
            assertThat(responses).as(method + " " + path).containsKey("400");
            Map<String, Object> body = (Map<String, Object>) op.get("requestBody");
            if (Boolean.TRUE.equals(body.get("required"))) {
                assertThat(responses).as(method + " " + path + ", which takes JSON alone").containsKey("415");
            }
        }));
    }

    /**
     * A client retrying after a timeout must know what a repeat does: the requests that start runs take an
     * {@code Idempotency-Key} (a restart's and a rerun's ignored it unsaid, and a retried restart started a
     * second run), the others say what their repeat does with it.
     */
    @Test
    @SuppressWarnings("unchecked")
    void everyPostThatStartsRunsOrDeliversAnEventTakesAnIdempotencyKeyAndTheOthersSayWhatARepeatDoesWithIt() throws IOException {
        Map<String, Object> paths = (Map<String, Object>) document().get("paths");
        for (String path : new String[] {"/flows/{flow}/runs", "/runs/{runId}/restart", "/runs/{runId}/steps/{step}/rerun",
                "/triggers/{name}/fire", "/triggers/{name}/webhook", "/runs/{runId}/emit/{event}", "/events/{event}"}) {
            Map<String, Object> post = (Map<String, Object>) ((Map<String, Object>) paths.get(path)).get("post");
            assertThat((java.util.List<Map<String, Object>>) post.get("parameters")).as(path)
                    .extracting(parameter -> resolved(parameter).get("name")).contains("Idempotency-Key");
            assertThat((Map<String, Object>) post.get("responses")).as(path).containsKeys("200", "422");
        }
        for (String path : new String[] {"/awaits/id/{awaitId}/resolve", "/awaits/{token}"}) {
            Map<String, Object> post = (Map<String, Object>) ((Map<String, Object>) paths.get(path)).get("post");
            assertThat((String) post.get("description")).as(path).contains("Idempotency-Key", "not honoured");
        }
    }
}
