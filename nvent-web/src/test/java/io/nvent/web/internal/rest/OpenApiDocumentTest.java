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

    /**
     * A reason too long for a request line goes in the {@code Nvent-Reason} header: every operation the code lets
     * take {@code ?reason=} takes the header too (one filter for all), so the document lists both on each of them,
     * and a client generated from it can send a long reason wherever a short one goes.
     */
    @Test
    @SuppressWarnings("unchecked")
    void everyOperationThatTakesAReasonDocumentsTheNventReasonHeaderAndTheCodesOperationsAllTakeOne() throws IOException {
        Map<String, Object> paths = (Map<String, Object>) document().get("paths");
        java.util.Set<String> withReason = new java.util.TreeSet<>();
        java.util.Set<String> withHeader = new java.util.TreeSet<>();
        for (Map.Entry<String, Object> path : paths.entrySet()) {
            Map<String, Object> item = (Map<String, Object>) path.getValue();
            java.util.List<Map<String, Object>> shared = (java.util.List<Map<String, Object>>) item.getOrDefault(
                    "parameters", java.util.List.of());
            for (Map.Entry<String, Object> method : item.entrySet()) {
                if (!(method.getValue() instanceof Map<?, ?>)) {
                    continue;
                }
                Map<String, Object> operation = (Map<String, Object>) method.getValue();
                java.util.List<Map<String, Object>> parameters = new java.util.ArrayList<>(shared);
                parameters.addAll((java.util.List<Map<String, Object>>) operation.getOrDefault("parameters",
                        java.util.List.of()));
                String operationName = method.getKey().toUpperCase(java.util.Locale.ROOT) + " " + template(path.getKey());
                for (Map<String, Object> parameter : parameters) {
                    Object name = resolved(parameter).get("name");
                    if ("reason".equals(name)) {
                        withReason.add(operationName);
                    } else if (ReasonHeader.NAME.equals(name)) {
                        withHeader.add(operationName);
                    }
                }
            }
        }
        java.util.Set<String> inCode = new java.util.TreeSet<>();
        for (Class<?> resource : new NventRestApplication().getClasses()) {
            String base = java.util.Optional.ofNullable(resource.getAnnotation(jakarta.ws.rs.Path.class))
                    .map(jakarta.ws.rs.Path::value).orElse("");
            for (java.lang.reflect.Method method : resource.getMethods()) {
                boolean takesReason = java.util.Arrays.stream(method.getParameters())
                        .map(p -> p.getAnnotation(jakarta.ws.rs.QueryParam.class))
                        .anyMatch(q -> q != null && q.value().equals(Operators.REASON));
                String verb = java.util.stream.Stream.of(jakarta.ws.rs.POST.class, jakarta.ws.rs.PUT.class,
                                jakarta.ws.rs.DELETE.class, jakarta.ws.rs.GET.class, jakarta.ws.rs.PATCH.class)
                        .filter(method::isAnnotationPresent).map(Class::getSimpleName).findFirst().orElse(null);
                if (takesReason && verb != null) {
                    String sub = java.util.Optional.ofNullable(method.getAnnotation(jakarta.ws.rs.Path.class))
                            .map(jakarta.ws.rs.Path::value).orElse("");
                    inCode.add(verb + " " + template("/" + base + (sub.isEmpty() ? "" : "/" + sub)));
                }
            }
        }

        assertThat(withHeader).as("the operations documenting the Nvent-Reason header").isEqualTo(withReason);
        assertThat(withReason).as("the operations the code lets take a reason").isEqualTo(inCode);
    }

    /** A path with its parameters' names left out, {@code /runs/{}/cancel}, as the code and the document name them apart. */
    private static String template(String path) {
        return path.replaceAll("\\{[^}]*}", "{}").replaceAll("/+", "/").replaceAll("(.)/$", "$1");
    }
}
