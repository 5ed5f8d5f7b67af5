package io.nvent.war;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.File;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The packaged demo WAR on a real Payara Micro, driven over HTTP like a user would. */
@ExtendWith(ArquillianExtension.class)
class DemoApplicationIT {

    @Deployment(testable = false)
    static WebArchive demo() {
        return ShrinkWrap.createFromZipFile(WebArchive.class, new File(System.getProperty("nvent.war")));
    }

    @ArquillianResource
    URL base;

    Http http;

    @BeforeEach
    void client() {
        http = new Http(base);
    }

    private JsonObject awaitRun(String runId, String status) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> http.get("api/nvent/runs/" + runId).json().getString("status").equals(status));
        return http.get("api/nvent/runs/" + runId).json();
    }

    private static List<String> types(List<JsonObject> events) {
        return events.stream().map(e -> e.getString("type")).toList();
    }

    private static int indexOf(List<JsonObject> events, String type, String step) {
        for (int i = 0; i < events.size(); i++) {
            JsonObject e = events.get(i);
            if (e.getString("type").equals(type) && e.get("step") != JsonValue.NULL && e.getString("step").equals(step)) {
                return i;
            }
        }
        throw new AssertionError("no " + type + " of step " + step + " in " + types(events));
    }

    @Test
    void theOrderFlowFansOutJoinsAndCompletes() {
        Http.Reply started = http.post("api/nvent/flows/order/runs", "{\"id\":\"A-1\",\"item\":\"book\",\"quantity\":2}");

        assertThat(started.status()).isEqualTo(201);
        String runId = started.json().getString("runId");
        assertThat(started.location()).hasValueSatisfying(l -> assertThat(l).endsWith("/api/nvent/runs/" + runId));

        JsonObject run = awaitRun(runId, "completed");
        assertThat(run.getString("flow")).isEqualTo("order");
        assertThat(run.getString("endedAt")).isNotBlank();
        assertThat(run.getJsonObject("steps")).containsOnlyKeys("validate", "charge", "reserve", "ship");

        List<JsonObject> events = http.get("api/nvent/runs/" + runId + "/events").array()
                .getValuesAs(JsonObject.class);
        assertThat(events).extracting(e -> e.getJsonNumber("seq").longValue())
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, events.size()).boxed().toList());
        assertThat(types(events).get(0)).isEqualTo("flow.start");
        assertThat(types(events).get(events.size() - 1)).isEqualTo("flow.completed");
        int validated = indexOf(events, "step.completed", "validate");
        assertThat(indexOf(events, "step.started", "charge")).isGreaterThan(validated);
        assertThat(indexOf(events, "step.started", "reserve")).isGreaterThan(validated);
        int joined = indexOf(events, "step.started", "ship");
        assertThat(joined).isGreaterThan(indexOf(events, "step.completed", "charge"))
                .isGreaterThan(indexOf(events, "step.completed", "reserve"));
        assertThat(events).filteredOn(e -> e.getString("type").equals("emit"))
                .extracting(e -> e.getJsonObject("data").getString("name"))
                .containsExactlyInAnyOrder("order.validated", "payment.charged", "stock.reserved", "order.shipped");
        assertThat(events.get(0).getJsonObject("data").getJsonObject("input").getString("id")).isEqualTo("A-1");
    }

    @Test
    void theRetryFlowShowsTwoRetriesBeforeSucceeding() {
        String runId = http.post("api/nvent/flows/retry-demo/runs", "{}").json().getString("runId");

        awaitRun(runId, "completed");

        List<JsonObject> retries = http.get("api/nvent/runs/" + runId + "/events?types=step.retry").array()
                .getValuesAs(JsonObject.class);
        assertThat(retries).extracting(e -> e.getInt("attempt")).containsExactly(1, 2);
        assertThat(retries.get(0).getJsonObject("data").getString("error")).contains("partner service unavailable");
    }

    @Test
    void theRegistryListsTheExampleFlowsWithTheirEdges() {
        List<JsonObject> flows = http.get("api/nvent/flows").array().getValuesAs(JsonObject.class);

        assertThat(flows).extracting(f -> f.getString("name")).contains("order", "retry-demo");
        JsonObject order = flows.stream().filter(f -> f.getString("name").equals("order")).findFirst().orElseThrow();
        assertThat(order.getString("entry")).isEqualTo("validate");
        assertThat(order.getJsonArray("steps").getValuesAs(JsonObject.class))
                .filteredOn(s -> s.getString("name").equals("ship")).singleElement()
                .satisfies(s -> assertThat(s.getJsonArray("subscribes").getValuesAs(jakarta.json.JsonString.class))
                        .extracting(jakarta.json.JsonString::getString)
                        .containsExactly("payment.charged", "stock.reserved"));
    }

    @Test
    void badRequestsGetProblemResponsesThatSayWhatIsWrong() {
        Http.Reply malformed = http.post("api/nvent/flows/order/runs", "{\"id\": ");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.contentType()).startsWith("application/problem+json");
        assertThat(malformed.json().getString("detail")).contains("not valid JSON");

        Http.Reply unknownFlow = http.post("api/nvent/flows/no-such-flow/runs", "{}");
        assertThat(unknownFlow.status()).isEqualTo(404);
        assertThat(unknownFlow.json().getString("detail")).contains("no-such-flow");

        Http.Reply unknownRun = http.get("api/nvent/runs/does-not-exist");
        assertThat(unknownRun.status()).isEqualTo(404);
        assertThat(unknownRun.contentType()).startsWith("application/problem+json");

        Http.Reply badStatus = http.get("api/nvent/runs?status=sleeping");
        assertThat(badStatus.status()).isEqualTo(400);
        assertThat(badStatus.json().getString("detail")).contains("sleeping");

        Http.Reply wrongMethod = http.delete("api/nvent/flows/order/runs");
        assertThat(wrongMethod.status()).isEqualTo(405);
    }

    @Test
    void canceledRunsReportTheirStatus() {
        String runId = http.post("api/nvent/flows/order/runs", "{\"id\":\"A-2\",\"item\":\"pen\",\"quantity\":1}")
                .json().getString("runId");
        Http.Reply cancel = http.post("api/nvent/runs/" + runId + "/cancel", "");
        assertThat(cancel.status()).isEqualTo(200);
        String status = http.get("api/nvent/runs/" + runId).json().getString("status");
        assertThat(status).isIn("canceled", "completed");
        assertThat(cancel.json().getBoolean("canceled")).isEqualTo(status.equals("canceled"));
    }
}
