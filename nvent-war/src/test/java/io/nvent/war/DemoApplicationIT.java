package io.nvent.war;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import io.nvent.FlowNotFoundException;
import io.nvent.war.fixtures.AfterCall;
import io.nvent.war.fixtures.Chatter;
import io.nvent.war.fixtures.CommitProbe;
import io.nvent.war.fixtures.EjbCallerResource;
import io.nvent.war.fixtures.EmitSink;
import io.nvent.war.fixtures.FailsOnce;
import io.nvent.war.fixtures.FlowStarter;
import io.nvent.war.fixtures.ProbeTransaction;
import io.nvent.war.fixtures.PublishProbe;
import io.nvent.war.fixtures.TimedHold;
import io.nvent.war.fixtures.ViewerIdentityStore;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The packaged demo WAR on a real application server (Payara Micro here, WildFly 38 in
 * nvent-wildfly-it), driven like a user would: over HTTP (flows, runs,
 * queues, jobs, security), over the live WebSocket, and through the console in a real browser.
 * One deployment, one server boot, for all of it.
 */
@ExtendWith(ArquillianExtension.class)
class DemoApplicationIT {

    /** How long a wait for something the server does in the background may take on a loaded CI machine. */
    private static final Duration EVENTUALLY = Duration.ofSeconds(30);

    private static final String CONFIG = "/WEB-INF/classes/META-INF/microprofile-config.properties";

    /**
     * The protection of webhook triggers the tests create: two API keys in rotation in the default
     * header; a key sent as a bearer token to a trigger that requires a signature as well; a
     * signature as GitHub signs; two secrets in rotation.
     */
    private static final String API_KEYS = """
            nvent.triggers.qa-keyed.api-key=qa-old-key,qa-new-key
            nvent.triggers.qa-bearer.api-key=qa-bearer-key
            nvent.triggers.qa-bearer.api-key-header=Authorization
            nvent.triggers.qa-bearer.secret=demo-secret
            nvent.triggers.qa-github.secret=demo-secret
            nvent.triggers.qa-github.signature-scheme=github
            nvent.triggers.qa-rotated.secret=demo-secret, qa-new-secret-0123456789
            """;

    /**
     * The tests' client plays a reverse proxy too: the loopback, which every test calls from, is a trusted proxy, so a
     * request that says whom it forwards is counted by that caller's address (a request that says none stays the
     * loopback's own).
     */
    private static final String TRUSTED_PROXY = "nvent.security.trusted-proxies=127.0.0.1\n";

    /** A run keeps at most one payload's worth of its emitted events: the demo's own emits are small. */
    private static final String RUN_EMITTED_LIMIT = "nvent.payload.max-run-emitted-bytes=1048576\n";

    /**
     * The packaged demo plus test flows (a step that fails once, a long talkative step), an
     * application identity store, which the configuration adds after the built-in admin user, and a
     * session bean of the application's own that calls nvent, with an endpoint that calls it.
     */
    @Deployment(testable = false)
    static WebArchive demo() throws IOException {
        WebArchive war = ShrinkWrap.createFromZipFile(WebArchive.class, new File(System.getProperty("nvent.war")));
        String config;
        try (InputStream in = war.get(CONFIG).getAsset().openStream()) {
            config = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        war.delete(CONFIG);
        return war.addClasses(FailsOnce.class, AfterCall.class, Chatter.class, CommitProbe.class, PublishProbe.class,
                        ProbeTransaction.class, ProbeTransaction.Probe.class, ViewerIdentityStore.class,
                        EmitSink.class, EmitSink.Wait.class, EmitSink.Join.class,
                        TimedHold.class, TimedHold.Ask.class, TimedHold.Release.class,
                        FlowStarter.class, EjbCallerResource.class, EjbCallerResource.FixturesApplication.class)
                .addAsResource(new StringAsset(config + "\nnvent.security.identity-store=config,application\n"
                                + API_KEYS + RUN_EMITTED_LIMIT + TRUSTED_PROXY), "META-INF/microprofile-config.properties");
    }

    @ArquillianResource
    URL base;

    Http http;

    @BeforeEach
    void client() {
        http = new Http(base);
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

        JsonObject run = http.awaitRun(runId, "completed");
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
    void probesAnswerWithoutLoginAndOnlyOperatorsSeeTheDetailedReport() {
        Http anonymous = Http.anonymous(base);
        await().atMost(EVENTUALLY).until(() -> anonymous.get("api/nvent/health/ready").status() == 200);

        assertThat(anonymous.get("api/nvent/health/ready").body()).isEqualTo("{\"status\":\"UP\"}");
        assertThat(anonymous.get("api/nvent/health/live").body()).isEqualTo("{\"status\":\"UP\"}");
        assertThat(anonymous.get("api/nvent/health").status()).isEqualTo(401);
        Http.Reply report = http.get("api/nvent/health");
        assertThat(report.status()).isEqualTo(200);
        assertThat(report.json().getJsonArray("checks").getValuesAs(JsonObject.class))
                .extracting(c -> c.getString("name") + " " + c.getString("status"))
                .containsExactly("engine UP", "maintenance UP", "store UP", "queue UP", "queues UP", "stream UP");
    }

    @Test
    void theRetryFlowShowsTwoRetriesBeforeSucceeding() {
        String runId = http.post("api/nvent/flows/retry-demo/runs", "{}").json().getString("runId");

        http.awaitRun(runId, "completed");

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

        JsonObject expense = flows.stream().filter(f -> f.getString("name").equals("expense")).findFirst().orElseThrow();
        JsonObject pay = expense.getJsonArray("steps").getValuesAs(JsonObject.class).stream()
                .filter(s -> s.getString("name").equals("pay")).findFirst().orElseThrow();
        assertThat(pay.getJsonObject("awaitBefore").toString())
                .isEqualTo("{\"type\":\"webhook\",\"timeoutMs\":3600000,\"timeoutAction\":\"fail\"}");
        assertThat(pay.containsKey("awaitAfter")).isFalse();
        assertThat(pay.getInt("priority")).isZero();
        assertThat(pay.getJsonObject("retry").getInt("maxAttempts")).isEqualTo(pay.getInt("maxAttempts"));
        assertThat(pay.getJsonObject("retry").getString("backoff")).isEqualTo("exponential");
        assertThat(pay.getJsonObject("retry").keySet()).containsExactlyInAnyOrder("maxAttempts", "backoff", "delayMs", "maxDelayMs");
        assertThat(order.getJsonArray("steps").getValuesAs(JsonObject.class))
                .noneMatch(s -> s.containsKey("awaitBefore") || s.containsKey("awaitAfter"));
    }

    @Test
    void oneStepClassIsAStepOfTwoFlowsAndKnowsWhichOneItRunsIn() {
        // RecordAnswer carries @FlowStep twice: at run time only the container, which must make it a bean.
        List<JsonObject> flows = http.get("api/nvent/flows").array().getValuesAs(JsonObject.class);
        for (String[] flowAndEvent : new String[][] {{"retry-demo", "partner.answered"},
                {"partner-order", "partner-order.received"}}) {
            JsonObject flow = flows.stream().filter(f -> f.getString("name").equals(flowAndEvent[0])).findFirst()
                    .orElseThrow();
            assertThat(flow.getJsonArray("steps").getValuesAs(JsonObject.class))
                    .filteredOn(step -> step.getString("name").equals("record")).singleElement()
                    .satisfies(step -> assertThat(step.getJsonArray("subscribes").getString(0))
                            .isEqualTo(flowAndEvent[1]));
            assertThat(http.get("api/nvent/flows/" + flowAndEvent[0] + "/graph").json().getJsonArray("edges")
                    .getValuesAs(JsonObject.class)).extracting(e -> e.getString("to")).contains("record");
        }

        String partnerOrder = start("partner-order", "{\"partner\":\"acme\",\"sku\":\"R-9\"}");
        String retry = start("retry-demo", "{}");

        http.awaitRun(partnerOrder, "completed");
        http.awaitRun(retry, "completed");
        assertThat(recorded(partnerOrder)).contains("in flow partner-order", "R-9");
        assertThat(recorded(retry)).contains("in flow retry-demo", "attempts=3");
    }

    private String recorded(String runId) {
        return http.get("api/nvent/runs/" + runId + "/events?types=step.completed").array()
                .getValuesAs(JsonObject.class).stream().filter(e -> e.getString("step").equals("record"))
                .map(e -> e.getJsonObject("data").toString()).findFirst().orElseThrow();
    }

    @Test
    void aStartSentAgainWithItsIdempotencyKeyReturnsTheFirstRunAndAnotherBodyWithTheKeyIsRefused() {
        String body = "{\"id\":\"K-1\",\"item\":\"mug\",\"quantity\":1}";
        Http.Reply first = http.post("api/nvent/flows/order/runs", body, "Idempotency-Key", "checkout-K-1");
        Http.Reply retried = http.post("api/nvent/flows/order/runs", body, "Idempotency-Key", "checkout-K-1");

        assertThat(first.status()).isEqualTo(201);
        String runId = first.json().getString("runId");
        assertThat(retried.status()).isEqualTo(200);
        assertThat(retried.json().getString("runId")).isEqualTo(runId);
        assertThat(retried.json().getBoolean("created")).isFalse();
        assertThat(retried.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(retried.location()).hasValueSatisfying(l -> assertThat(l).endsWith("/api/nvent/runs/" + runId));
        http.awaitRun(runId, "completed");

        Http.Reply reused = http.post("api/nvent/flows/order/runs", "{\"id\":\"K-2\",\"item\":\"mug\",\"quantity\":1}",
                "Idempotency-Key", "checkout-K-1");
        assertThat(reused.status()).isEqualTo(422);
        assertThat(reused.contentType()).startsWith("application/problem+json");
        assertThat(reused.json().getString("detail")).contains("already started run " + runId + " with another input");
        Http.Reply tooLong = http.post("api/nvent/flows/order/runs", body, "Idempotency-Key", "k".repeat(256));
        assertThat(tooLong.status()).isEqualTo(400);
        assertThat(tooLong.json().getString("detail")).contains("Idempotency-Key").contains("more than the 255 allowed");
        assertThat(http.get("api/nvent/runs?flow=order").array().getValuesAs(JsonObject.class))
                .filteredOn(run -> run.getString("runId").equals(runId)).hasSize(1);
        assertThat(http.get("api/nvent/runs?flow=order&idempotencyKey=checkout-K-1").array()
                .getValuesAs(JsonObject.class)).extracting(run -> run.getString("runId")).containsExactly(runId);
        assertThat(http.get("api/nvent/runs?flow=order&idempotencyKey=never-used").array()).isEmpty();
        assertThat(http.get("api/nvent/runs?flow=order&idempotencyKey=checkout-K-1&status=failed").array())
                .as("the list's other filters apply").isEmpty();
        assertThat(http.get("api/nvent/runs?flow=order&idempotencyKey=checkout-K-1&status=bogus").status())
                .isEqualTo(400);
        assertThat(http.get("api/nvent/runs?idempotencyKey=checkout-K-1").status()).isEqualTo(400);

        Http.Reply delayed = http.post("api/nvent/flows/order/runs?delay=PT1H", "{\"id\":\"K-3\",\"item\":\"pen\",\"quantity\":1}");
        assertThat(delayed.status()).isEqualTo(201);
        String later = delayed.json().getString("runId");
        JsonObject waiting = http.get("api/nvent/runs/" + later).json();
        assertThat(waiting.getString("status")).isEqualTo("awaiting");
        assertThat(waiting.getJsonArray("waits").getJsonObject(0).getString("reason")).isEqualTo("await");
        Http.Reply misspelt = http.post("api/nvent/runs/" + later + "/emit/order.validatd", "{}");
        assertThat(misspelt.status()).as("an event the order flow does not listen to").isEqualTo(422);
        assertThat(misspelt.json().getString("detail")).contains("NVENT-0234", "'order.validatd'",
                "it listens to [order.validated, payment.charged, stock.reserved]");
        assertThat(http.get("api/nvent/runs/" + later + "/events").array().toString()).doesNotContain("order.validatd");
        assertThat(http.post("api/nvent/runs/" + later + "/cancel", "").status()).isEqualTo(200);
        Http.Reply unknownMember = http.post("api/nvent/flows/order/runs", "{\"orderId\":\"K-4\",\"quantity\":1}");
        assertThat(unknownMember.status()).isEqualTo(400);
        assertThat(unknownMember.json().getString("detail")).contains("NVENT-0204", "its member 'orderId' would be "
                + "dropped, since io.nvent.demo.Order has no property of that name (its properties are [id, item, "
                + "quantity])");
        Http.Reply badDelay = http.post("api/nvent/flows/order/runs?delay=soon", "{}");
        assertThat(badDelay.status()).isEqualTo(400);
        assertThat(badDelay.json().getString("detail")).contains("delay", "ISO-8601");

        Http.Reply fired = http.post("api/nvent/triggers/sync-now/fire", "{}", "Idempotency-Key", "sync-K-1");
        Http.Reply firedAgain = http.post("api/nvent/triggers/sync-now/fire", "{}", "Idempotency-Key", "sync-K-1");
        assertThat(fired.status()).isEqualTo(200);
        assertThat(fired.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(firedAgain.status()).isEqualTo(200);
        assertThat(firedAgain.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(firedAgain.json().getJsonArray("runs")).isEqualTo(fired.json().getJsonArray("runs")).hasSize(1);
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
        Http.Reply misspeltFlow = http.post("api/nvent/flows/expnse/runs", "{}");
        assertThat(misspeltFlow.status()).isEqualTo(404);
        assertThat(misspeltFlow.json().getString("detail")).contains("did you mean 'expense'?", "deployed flows: ",
                "order");

        Http.Reply unknownRun = http.get("api/nvent/runs/does-not-exist");
        assertThat(unknownRun.status()).isEqualTo(404);
        assertThat(unknownRun.contentType()).startsWith("application/problem+json");

        Http.Reply badStatus = http.get("api/nvent/runs?status=sleeping");
        assertThat(badStatus.status()).isEqualTo(400);
        assertThat(badStatus.json().getString("detail")).contains("sleeping");
        Http.Reply runsOfUnknownFlow = http.get("api/nvent/runs?flow=no-such-flow");
        assertThat(runsOfUnknownFlow.status()).isEqualTo(404);
        assertThat(runsOfUnknownFlow.json().getString("detail")).contains("no flow 'no-such-flow' is deployed");

        Http.Reply wrongMethod = http.put("api/nvent/flows/order/runs", "{}");
        assertThat(wrongMethod.status()).isEqualTo(405);
    }

    @Test
    void anOperatorEmitThatWouldTakeTheRunBeyondWhatItKeepsOfItsEventsIsRefusedWith413() {
        String runId = start("emit-sink", "{}");
        http.awaitRun(runId, "awaiting");
        String payload = "\"" + "x".repeat(600_000) + "\"";
        try {
            Http.Reply kept = http.post("api/nvent/runs/" + runId + "/emit/sink.1", payload);
            assertThat(kept.status()).as(kept.body()).isEqualTo(200);

            Http.Reply refused = http.post("api/nvent/runs/" + runId + "/emit/sink.2", payload);

            assertThat(refused.status()).as(refused.body()).isEqualTo(413);
            assertThat(refused.contentType()).startsWith("application/problem+json");
            assertThat(refused.json().getString("detail")).startsWith("NVENT-0198 run " + runId + ": event "
                    + "'sink.2' (600002 bytes) is refused").contains("limit of 1048576 bytes",
                    "nvent.payload.max-run-emitted-bytes");
            assertThat(events(runId)).filteredOn(e -> e.getString("type").equals("emit"))
                    .extracting(e -> e.getJsonObject("data").getString("name")).contains("sink.1")
                    .doesNotContain("sink.2");
        } finally {
            http.post("api/nvent/runs/" + runId + "/cancel", "");
        }
    }

    /**
     * Clearing a large history is one bounded request after another, each saying how many finished
     * runs remain: a single request for 54,549 runs took 90 s, past the reverse proxy's timeout.
     */
    @Test
    void clearingAFlowsHistoryDeletesABoundedPartPerRequestAndSaysHowManyFinishedRunsRemain() {
        List<String> runs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            runs.add(start("chatter", "{\"lines\":1}"));
        }
        runs.forEach(runId -> http.awaitRun(runId, "completed"));

        Http.Reply one = http.delete("api/nvent/flows/chatter/runs?limit=1");
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.json().getInt("deleted")).isEqualTo(1);
        assertThat(one.json().getJsonNumber("remaining").longValue()).as("two of ours at least").isGreaterThanOrEqualTo(2);
        for (String limit : List.of("0", "10001", "all")) {
            Http.Reply refused = http.delete("api/nvent/flows/chatter/runs?limit=" + limit);
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.json().getString("detail")).contains("'limit'", "1..10000");
        }
        assertThat(http.delete("api/nvent/flows/chatter/runs?limit=1&limit=2").status()).isEqualTo(400);

        long remaining = one.json().getJsonNumber("remaining").longValue();
        for (int request = 0; remaining > 0 && request < 100; request++) {
            JsonObject cleared = http.delete("api/nvent/flows/chatter/runs").json();
            assertThat(cleared.getInt("deleted")).isBetween(1, 1_000);
            remaining = cleared.getJsonNumber("remaining").longValue();
        }
        assertThat(remaining).isZero();
        assertThat(runs).allSatisfy(runId -> assertThat(http.get("api/nvent/runs/" + runId).status()).isEqualTo(404));
    }

    /** One ended run is deleted on its own and is gone; a run under way is refused until it is canceled. */
    @Test
    void anEndedRunIsDeletedOnItsOwnAndARunUnderWayOnlyOnceCanceled() {
        String doomed = start("chatter", "{\"lines\":1}");
        String kept = start("chatter", "{\"lines\":1}");
        http.awaitRun(doomed, "completed");
        http.awaitRun(kept, "completed");

        assertThat(http.delete("api/nvent/runs/" + doomed).status()).isEqualTo(204);

        assertThat(http.get("api/nvent/runs/" + doomed).status()).isEqualTo(404);
        assertThat(http.delete("api/nvent/runs/" + doomed).status()).as("deleted already").isEqualTo(404);
        assertThat(http.get("api/nvent/runs/" + kept).status()).isEqualTo(200);

        String approval = start("expense", "{\"amount\":42,\"employee\":\"ada\"}");
        http.awaitRun(approval, "awaiting");
        Http.Reply refused = http.delete("api/nvent/runs/" + approval);
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().getString("detail")).contains("is awaiting and cannot be deleted: cancel it first");
        // a reason of 500 Japanese characters, some 4.5 KB percent-encoded: more than a request line should carry
        String reason = "顧客から電話があり注文の取り消しを依頼された".repeat(25).substring(0, 500);
        assertThat(http.post("api/nvent/runs/" + approval + "/cancel", "", "Nvent-Reason",
                java.net.URLEncoder.encode(reason, StandardCharsets.UTF_8)).status()).isEqualTo(200);
        http.awaitRun(approval, "canceled");
        assertThat(events(approval)).filteredOn(e -> e.getString("type").equals("flow.cancel"))
                .singleElement().asString().contains("\"operatorReason\":\"" + reason + "\"");
        assertThat(http.delete("api/nvent/runs/" + approval).status()).isEqualTo(204);
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

    // ------------------------------------------------------------------ runs: restart, rerun, retry

    private String start(String flow, String input) {
        Http.Reply started = http.post("api/nvent/flows/" + flow + "/runs", input);
        assertThat(started.status()).isEqualTo(201);
        return started.json().getString("runId");
    }

    private List<JsonObject> events(String runId) {
        return http.get("api/nvent/runs/" + runId + "/events").array().getValuesAs(JsonObject.class);
    }

    @Test
    void aRunCanBeRestartedRerunFromAStepAndHaveItsFailedStepRetried() {
        String original = start("order", "{\"id\":\"R-1\",\"item\":\"cup\",\"quantity\":1}");
        http.awaitRun(original, "completed");

        Http.Reply restarted = http.post("api/nvent/runs/" + original + "/restart", "");
        assertThat(restarted.status()).isEqualTo(201);
        String restart = restarted.json().getString("runId");
        assertThat(restart).isNotEqualTo(original);
        assertThat(restarted.location()).hasValueSatisfying(l -> assertThat(l).endsWith("/api/nvent/runs/" + restart));
        http.awaitRun(restart, "completed");
        assertThat(events(restart).get(0).getJsonObject("data").getString("restartOf")).isEqualTo(original);

        Http.Reply rerun = http.post("api/nvent/runs/" + original + "/steps/ship/rerun", "");
        assertThat(rerun.status()).isEqualTo(201);
        String fromShip = rerun.json().getString("runId");
        http.awaitRun(fromShip, "completed");
        assertThat(events(fromShip)).filteredOn(e -> e.getString("type").equals("step.started"))
                .extracting(e -> e.getString("step")).containsExactly("ship");

        String failing = start("flaky-once", "{}");
        http.awaitRun(failing, "failed");
        Http.Reply retried = http.post("api/nvent/runs/" + failing + "/steps/call/retry", "");
        assertThat(retried.status()).isEqualTo(200);
        http.awaitRun(failing, "completed");
        assertThat(http.post("api/nvent/runs/" + failing + "/steps/call/retry", "").status()).isEqualTo(409);

        assertThat(http.post("api/nvent/runs/" + original + "/steps/no-such-step/rerun", "").status()).isEqualTo(404);
        assertThat(http.post("api/nvent/runs/no-such-run/restart", "").status()).isEqualTo(404);
        Http.Reply notFailed = http.post("api/nvent/runs/" + original + "/steps/validate/retry", "");
        assertThat(notFailed.status()).isEqualTo(409);
        assertThat(notFailed.contentType()).startsWith("application/problem+json");

        // In bulk: a typo in the flow is not found, a bad filter is refused naming it, nothing failed is nothing to do.
        assertThat(http.post("api/nvent/flows/no-such-flow/runs/retry-failed", "").status()).isEqualTo(404);
        Http.Reply badLimit = http.post("api/nvent/flows/order/runs/cancel?limit=501", "");
        assertThat(badLimit.status()).isEqualTo(400);
        assertThat(badLimit.contentType()).startsWith("application/problem+json");
        assertThat(badLimit.json().getString("detail")).contains("'limit'", "1..500");
        Http.Reply typo = http.post("api/nvent/flows/order/runs/retry-failed?form=2099-01-01T00:00:00Z", "");
        assertThat(typo.status()).as("a misspelt filter acts on nothing").isEqualTo(400);
        assertThat(typo.json().getString("detail")).contains("'form'");
        assertThat(http.post("api/nvent/flows/order/runs/cancel?step=ship", "").status())
                .as("a filter only retry-failed takes").isEqualTo(400);
        Http.Reply clearFiltered = http.delete("api/nvent/flows/order/runs?status=failed");
        assertThat(clearFiltered.status()).as("clearing history takes no filter: it deletes nothing").isEqualTo(400);
        assertThat(clearFiltered.json().getString("detail")).contains("'status'", "(limit, reason)");
        assertThat(http.get("api/nvent/runs?limit=3&limit=1000").status()).as("a repeated parameter").isEqualTo(400);
        assertThat(http.get("api/nvent/runs?flow=a%00b").status()).as("no flow name has a NUL").isEqualTo(400);
        // On Payara an encoded NUL in the path is answered 400 before nvent's guard (404) is reached; neither is a 500.
        assertThat(http.get("api/nvent/runs/a%00b").status()).as("no run id has a NUL").isIn(400, 404);
        assertThat(http.get("api/nvent/flows/order/graph?runId=x%00").status()).as("nor a run id asked for")
                .isEqualTo(400);
        JsonObject none = http.post("api/nvent/flows/order/runs/retry-failed?step=ship&from=2000-01-01T00:00:00Z"
                + "&to=2000-01-02T00:00:00Z", "").json();
        assertThat(none.getInt("matched")).isZero();
        assertThat(none.containsKey("next")).isFalse();
    }

    @Test
    void anNventExceptionThrownThroughTheApplicationsSessionBeanReachesItsCallerAsItselfAndRollsBack() {
        // FlowStarter (@Stateless) starts an order, then a flow nobody deployed, in one container transaction.
        JsonObject caller = http.post("api/fixtures/ejb/start-then-unknown/order",
                "{\"id\":\"EJB-1\",\"item\":\"book\",\"quantity\":1}").json();

        assertThat(caller.getString("caught")).as("not an EJBException wrapping it")
                .isEqualTo(FlowNotFoundException.class.getName());
        assertThat(caller.getString("message")).startsWith("NVENT-0201").contains("'" + FlowStarter.NO_SUCH_FLOW + "'");
        assertThat(http.get("api/nvent/runs/" + caller.getString("startedRunId")).status())
                .as("the order started in the rolled-back transaction").isEqualTo(404);
    }

    // ------------------------------------------------------------------ queues and jobs

    @Test
    void aTransactionBegunOnAQueueWorkerDoesNotIncludeTheWorkersJmsSession() {
        // The store begins its transactions on the worker's thread like the probe step does: were the
        // worker's session enlisted, every store write would be a two-phase commit with the broker,
        // retried for minutes while the broker is away.
        String runId = start("commit-probe", "{}");
        http.awaitRun(runId, "completed");

        assertThat(http.get("api/nvent/runs/" + runId + "/events?types=step.completed").array()
                .getJsonObject(0).getJsonObject("data").getString("result"))
                .as("how the transaction manager committed the probe's transaction").isEqualTo("one-phase");
    }

    @Test
    void aLiveEventPublishedOnAQueueWorkerNeverTakesPartInATransactionOfItsThread() {
        // The engine publishes live events from the workers' threads, between the store's transactions
        // and inside callers' ones. A publish whose XA connection joined a store transaction made it a
        // two-phase commit with the broker (QA: JTS5041 with the broker away, a step run twice).
        String runId = start("publish-probe", "{}");
        http.awaitRun(runId, "completed");

        JsonObject result = http.get("api/nvent/runs/" + runId + "/events?types=step.completed").array()
                .getJsonObject(0).getJsonObject("data").getJsonObject("result");
        assertThat(result.getString("commit"))
                .as("how the transaction manager committed the transaction the probe published in").isEqualTo("one-phase");
        assertThat(result.getBoolean("delivered")).as("both events reached the stream's subscribers").isTrue();
    }

    @Test
    void theConsolesSessionCookieIsKeptFromScripts() {
        Http.Reply reply = http.post("api/nvent/queues/order/resume", "", "X-Requested-With", "XMLHttpRequest");

        assertThat(reply.status()).isEqualTo(200);
        // SameSite=Lax too where the server writes Servlet 6's cookie attributes (WildFly; Payara does not).
        assertThat(reply.headers().allValues("Set-Cookie")).as("the session the request started")
                .anySatisfy(cookie -> assertThat(cookie).startsWith("JSESSIONID=").containsIgnoringCase("HttpOnly"));
    }

    @Test
    void theDemoListsItsApprovalUrlsToTheAdminOnly() {
        Http.Reply anonymous = Http.anonymous(base).get("api/demo/approvals");
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.body()).doesNotContain("/api/nvent/awaits/");
        assertThat(Http.as(base, "admin", "wrong").get("api/demo/approvals").status()).isEqualTo(401);

        Http.Reply admin = http.get("api/demo/approvals");
        assertThat(admin.status()).isEqualTo(200);
        // Each URL approves a run: the list is kept by no browser or proxy, as nvent's own answers are not.
        for (Http.Reply reply : List.of(admin, anonymous)) {
            assertThat(reply.headers().allValues("Cache-Control")).as(reply.body()).singleElement()
                    .asString().containsPattern("(^|, )no-store(,|$)");
        }
    }

    @Test
    void theApprovalListIsGuardedByNventsLoginWithItsIdentityStoresAndItsLockOut() {
        // a URL on the list, so that a refusal that leaked the list would show it
        String run = start("expense", "{\"amount\":42,\"employee\":\"ada\"}");
        http.awaitRun(run, "awaiting");
        // the application's identity store counts (its admin may list, its viewer lacks the role), as for the API
        String url = await().atMost(EVENTUALLY).until(() -> Http.as(base, "operator", "s3cret")
                .get("api/demo/approvals?runId=" + run), listed -> listed.status() == 200 && !listed.array().isEmpty())
                .array().getJsonObject(0).getString("url");
        Http.Reply viewer = Http.as(base, "viewer", "viewer").get("api/demo/approvals?runId=" + run);
        assertThat(viewer.status()).isEqualTo(403);
        assertThat(viewer.body()).doesNotContain(url);

        // guessing the password there is locked out as on the API: after 5 failures even the right one waits
        for (int guess = 0; guess < 5; guess++) {
            assertThat(Http.as(base, "admin", "guess-" + guess).get("api/demo/approvals").status()).isEqualTo(401);
        }
        Http.Reply locked = http.get("api/demo/approvals?runId=" + run);
        assertThat(locked.status()).as(locked.body()).isEqualTo(429);
        assertThat(locked.body()).doesNotContain(url);
        // the lock-out lasts a second; the right login then ends it, for the tests after this one too
        await().atMost(EVENTUALLY).pollInterval(Duration.ofMillis(200))
                .until(() -> http.get("api/demo/approvals").status() == 200);
        assertThat(http.post("api/nvent/runs/" + run + "/cancel", "").status()).isEqualTo(200);
    }

    /**
     * Behind a reverse proxy every request came from its address: one sender's wrong password locked out every
     * operator. A trusted proxy's requests are counted by the address it forwards, and per user.
     */
    @Test
    void behindATrustedProxyOneCallersWrongPasswordsLockOutThatCallerAlone() {
        Http forwarding = Http.anonymous(base);
        String admin = Http.basic(Http.ADMIN, Http.ADMIN_PASSWORD);
        for (int guess = 0; guess < 5; guess++) {
            assertThat(forwarding.get("api/nvent/session", "Authorization", Http.basic(Http.ADMIN, "guess-" + guess),
                    "X-Forwarded-For", "198.51.100.41, 203.0.113.41").status()).isEqualTo(401);
        }

        Http.Reply locked = forwarding.get("api/nvent/session", "Authorization", admin,
                "X-Forwarded-For", "203.0.113.41");
        assertThat(locked.status()).as(locked.body()).isEqualTo(429);
        assertThat(forwarding.get("api/nvent/session", "Authorization", admin, "Forwarded", "for=198.51.100.41")
                .status()).as("another caller through the same proxy").isEqualTo(200);
        assertThat(http.get("api/nvent/session").status()).as("the proxy's own requests").isEqualTo(200);
    }

    @Test
    void noAnswerOfTheApiIsStoredNorSniffed() {
        for (Http.Reply reply : List.of(http.get("api/nvent/session"), Http.anonymous(base).get("api/nvent/flows"),
                http.get("api/nvent/runs/no-such-run"), http.get("api/nvent/health/live"))) {
            // WildFly's RESTEasy writes a CacheControl as "no-transform, no-store".
            assertThat(reply.headers().allValues("Cache-Control")).as(reply.body()).singleElement()
                    .asString().containsPattern("(^|, )no-store(,|$)");
            assertThat(reply.headers().allValues("X-Content-Type-Options")).containsExactly("nosniff");
        }
    }

    @Test
    void loggingOutEndsTheConsolesSessionAndNeedsTheConsolesOwnRequest() {
        Http.Reply login = http.post("api/nvent/queues/order/resume", "", "X-Requested-With", "XMLHttpRequest");
        String cookie = login.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("JSESSIONID="))
                .findFirst().orElseThrow().split(";")[0];
        Http browser = Http.anonymous(base);
        assertThat(browser.post("api/nvent/session/logout", "", "Cookie", cookie).status())
                .as("cookie only, without X-Requested-With").isEqualTo(403);
        assertThat(browser.post("api/nvent/session/logout", "", "Cookie", cookie, "X-Requested-With", "nvent-console",
                "Origin", "http://evil.example").status()).as("from another site").isEqualTo(403);

        Http.Reply loggedOut = browser.post("api/nvent/session/logout", "", "Cookie", cookie,
                "X-Requested-With", "nvent-console");

        assertThat(loggedOut.status()).isEqualTo(204);
        assertThat(browser.post("api/nvent/session/logout", "", "Cookie", cookie, "X-Requested-With", "nvent-console")
                .status()).as("the session is gone").isEqualTo(401);
        assertThat(Http.anonymous(base).post("api/nvent/session/logout", "").status()).isEqualTo(401);
    }

    @Test
    void queuesShowTheirJobsAndFailedJobsCanBeInspectedRetriedAndRedriven() {
        String first = start("flaky-once", "{}");
        http.awaitRun(first, "failed");

        assertThat(http.get("api/nvent/queues").array().getValuesAs(JsonObject.class))
                .extracting(q -> q.getString("name")).contains("order", "retry-demo", "flaky-once", "chatter");
        assertThat(http.get("api/nvent/queues").array().getValuesAs(JsonObject.class))
                .as("each says when its oldest waiting job became ready and how long it has waited")
                .allSatisfy(q -> assertThat(q).containsKeys("oldestWaitingAt", "oldestWaitingAgeMs"));
        JsonObject partnerLimit = Json.createObjectBuilder().add("max", 50).add("durationMs", 1000).add("scope", "cluster")
                .add("groupKey", "customer").build();
        assertThat(http.get("api/nvent/queues/partner-order").json().getJsonObject("rateLimit"))
                .as("nvent.queue.partner-order.limiter.*, kept for the cluster by the JPA store").isEqualTo(partnerLimit);
        assertThat(http.get("api/nvent/queues/order").json().isNull("rateLimit")).isTrue();
        JsonObject usage = http.get("api/nvent/queues/partner-order/rate-limit?limit=5").json();
        assertThat(usage.getJsonObject("rateLimit")).isEqualTo(partnerLimit);
        assertThat(usage.getJsonArray("groups")).hasSizeLessThanOrEqualTo(5);
        assertThat(http.get("api/nvent/queues/order/rate-limit").json().getJsonArray("groups")).isEmpty();
        assertThat(http.get("api/nvent/queues/no-such-queue/rate-limit").status()).isEqualTo(404);
        assertThat(http.get("api/nvent/queues/partner-order/rate-limit?limit=0").status()).isEqualTo(400);
        JsonObject failedJobs = http.get("api/nvent/queues/flaky-once/jobs?state=failed").json();
        JsonObject job = failedJobs.getJsonArray("jobs").getValuesAs(JsonObject.class).stream()
                .filter(j -> j.getString("runId").equals(first)).findFirst().orElseThrow();
        assertThat(job.getString("step")).isEqualTo("call");
        assertThat(job.getString("lastError")).contains("partner refused the call");

        String jobPath = "api/nvent/queues/flaky-once/jobs/" + job.getString("jobId");
        JsonObject detail = http.get(jobPath).json();
        assertThat(detail.getJsonArray("attempts")).hasSize(1);
        assertThat(detail.getJsonArray("attempts").getJsonObject(0).getString("error"))
                .contains("partner refused the call").contains("\tat ");
        assertThat(detail.getJsonObject("payload").getString("runId")).isEqualTo(first);

        assertThat(http.post(jobPath + "/retry", "").status()).isEqualTo(200);
        http.awaitRun(first, "completed");
        await().atMost(EVENTUALLY).until(() -> http.get(jobPath).json().getString("state").equals("completed"));
        assertThat(http.get(jobPath).json().getJsonArray("attempts")).hasSize(2);
        assertThat(http.post(jobPath + "/retry", "").status()).isEqualTo(409);

        String second = start("flaky-once", "{}");
        String third = start("flaky-once", "{}");
        http.awaitRun(second, "failed");
        http.awaitRun(third, "failed");
        JsonObject firstBatch = http.post("api/nvent/queues/flaky-once/redrive?limit=1", "").json();
        assertThat(firstBatch.getInt("redriven")).as("one job per call with limit=1").isEqualTo(1);
        JsonObject secondBatch = http.post("api/nvent/queues/flaky-once/redrive", "").json();
        assertThat(secondBatch.getInt("redriven")).isGreaterThanOrEqualTo(1);
        assertThat(secondBatch.getInt("remaining")).isEqualTo(secondBatch.getJsonObject("counts").getInt("failed"));
        http.awaitRun(second, "completed");
        http.awaitRun(third, "completed");
        assertThat(http.post("api/nvent/queues/flaky-once/redrive?limit=0", "").status()).isEqualTo(400);
    }

    @Test
    void aFailedJobCanBeDiscardedForGoodWhileItsRunKeepsItsHistory() {
        String runId = start("flaky-once", "{}");
        http.awaitRun(runId, "failed");
        String jobPath = "api/nvent/queues/flaky-once/jobs/" + failedJobOf("flaky-once", runId);
        long failedBefore = http.get("api/nvent/queues/flaky-once").json().getJsonObject("counts").getInt("failed");

        assertThat(http.delete(jobPath).status()).isEqualTo(204);

        assertThat(http.get(jobPath).status()).isEqualTo(404);
        assertThat(http.get("api/nvent/queues/flaky-once").json().getJsonObject("counts").getInt("failed"))
                .isEqualTo(failedBefore - 1);
        assertThat(http.get("api/nvent/runs/" + runId).json().getString("status")).isEqualTo("failed");
        assertThat(http.delete(jobPath).status()).as("discarded once").isEqualTo(404);

        String done = start("flaky-once", "{}");
        http.awaitRun(done, "failed");
        String donePath = "api/nvent/queues/flaky-once/jobs/" + failedJobOf("flaky-once", done);
        assertThat(http.post(donePath + "/retry", "").status()).isEqualTo(200);
        http.awaitRun(done, "completed");
        await().atMost(EVENTUALLY).until(() -> http.get(donePath).json().getString("state").equals("completed"));
        Http.Reply notFailed = http.delete(donePath);
        assertThat(notFailed.status()).isEqualTo(409);
        assertThat(notFailed.json().getString("detail")).contains("only failed jobs can be discarded");
    }

    @Test
    void aStepThatKeepsFailingKeepsOneDeadJobHoweverOftenItIsRetried() {
        String runId = start("order", "");
        http.awaitRun(runId, "failed");
        // Its usual job gone, the step's first retry runs under a job of its own.
        assertThat(http.delete("api/nvent/queues/order/jobs/" + failedJobOf("order", runId)).status()).isEqualTo(204);

        for (int retry = 1; retry <= 2; retry++) {
            assertThat(http.post("api/nvent/runs/" + runId + "/steps/validate/retry", "").status()).isEqualTo(200);
            http.awaitRun(runId, "failed");
            // As an operator would, retry again once the queue shows the last attempt's job failed.
            failedJobOf("order", runId);
        }

        // The run is failed before the queue has recorded the last attempt's job as failed.
        await().atMost(EVENTUALLY).untilAsserted(() -> assertThat(deadJobsOf("order", runId))
                .singleElement().satisfies(job -> assertThat(job.getString("jobId")).startsWith(runId + ":validate:retry-")));
    }

    private List<JsonObject> deadJobsOf(String queue, String runId) {
        return http.get("api/nvent/queues/" + queue + "/jobs?state=failed&limit=1000").json()
                .getJsonArray("jobs").getValuesAs(JsonObject.class).stream()
                .filter(j -> j.getString("runId").equals(runId)).toList();
    }

    private String failedJobOf(String queue, String runId) {
        return await().atMost(EVENTUALLY).until(() -> deadJobsOf(queue, runId), jobs -> !jobs.isEmpty())
                .get(0).getString("jobId");
    }

    @Test
    void aPausedQueueHoldsItsJobsUntilResumed() {
        assertThat(http.post("api/nvent/queues/retry-demo/pause", "").json().getBoolean("paused")).isTrue();
        try {
            String runId = start("retry-demo", "{}");
            await().atMost(EVENTUALLY).until(() ->
                    http.get("api/nvent/queues/retry-demo").json().getJsonObject("counts").getInt("waiting") >= 1);
            JsonObject held = http.get("api/nvent/runs/" + runId).json();
            assertThat(held.getString("status")).isEqualTo("running");
            assertThat(held.getJsonArray("waits").getValuesAs(JsonObject.class)).singleElement().satisfies(wait -> {
                assertThat(wait.getString("reason")).isEqualTo("queue_paused");
                assertThat(wait.getString("detail")).contains("queue 'retry-demo' is paused");
            });
            assertThat(http.get("api/nvent/queues/retry-demo/jobs?state=waiting").json().getJsonArray("jobs")
                    .getValuesAs(JsonObject.class)).extracting(j -> j.getString("runId")).contains(runId);

            assertThat(http.post("api/nvent/queues/retry-demo/resume", "").json().getBoolean("paused")).isFalse();
            http.awaitRun(runId, "completed");
        } finally {
            http.post("api/nvent/queues/retry-demo/resume", "");
        }
    }

    @Test
    void badQueueAndJobRequestsGetProblems() {
        assertThat(http.get("api/nvent/queues/no-such-queue").status()).isEqualTo(404);
        assertThat(http.post("api/nvent/queues/no-such-queue/pause", "").status()).isEqualTo(404);
        Http.Reply badState = http.get("api/nvent/queues/order/jobs?state=sleeping");
        assertThat(badState.status()).isEqualTo(400);
        assertThat(badState.contentType()).startsWith("application/problem+json");
        assertThat(badState.json().getString("detail")).contains("sleeping");
        assertThat(http.get("api/nvent/queues/order/jobs?limit=0").status()).isEqualTo(400);
        assertThat(http.get("api/nvent/queues/order/jobs/no-such-job").status()).isEqualTo(404);
        assertThat(http.post("api/nvent/queues/order/jobs/no-such-job/retry", "").status()).isEqualTo(404);
        assertThat(http.get("api/nvent/runs?limit=5000").status()).isEqualTo(400);
        assertThat(http.get("api/nvent/runs/x/events?types=nonsense").status()).isIn(400, 404);
    }

    @Test
    void badQueryParametersAnswer400NamingTheParameterAndWhatItAccepts() {
        String run = start("order", "{\"id\":\"Q-1\",\"item\":\"a\",\"quantity\":1}");
        assertBadParameter("api/nvent/runs?limit=abc", "'limit'", "1..1000", "'abc'");
        assertBadParameter("api/nvent/runs?offset=abc", "'offset'", "at least 0");
        assertBadParameter("api/nvent/runs?limit=99999999999", "'limit'", "1..1000");
        assertBadParameter("api/nvent/runs?limit=0", "'limit'", "1..1000");
        assertBadParameter("api/nvent/runs/" + run + "/events?after=abc", "'after'", "a whole number within 0..");
        assertBadParameter("api/nvent/runs/" + run + "/events?order=sideways", "'order'", "asc, desc");
        assertBadParameter("api/nvent/triggers/sync-now?history=abc", "'history'", "1..1000");
        assertBadParameter("api/nvent/triggers/sync-now?history=-1", "'history'", "1..1000");
        assertBadParameter("api/nvent/triggers/cron-preview?cron=*%20*%20*%20*%20*&count=abc", "'count'", "1..100");
        assertBadParameter("api/nvent/triggers/cron-preview?cron=*%20*%20*%20*%20*&count=-5", "'count'", "1..100");
        assertBadParameter("api/nvent/awaits?limit=abc", "'limit'", "1..1000");
        assertBadParameter("api/nvent/awaits?limit=-4", "'limit'", "1..1000");
        assertBadParameter("api/nvent/awaits?status=bogus", "'status'", "pending, all");
        assertBadParameter("api/nvent/queues/order/jobs?limit=abc", "'limit'", "1..1000");

        assertThat(http.get("api/nvent/runs/" + run + "/events?order=DESC&after=0&limit=1").array()).hasSize(1);
        assertThat(http.get("api/nvent/awaits?status=all&limit=1000").status()).isEqualTo(200);
    }

    @Test
    void anEmptyQueryParameterTakesItsDefault() {
        Http.Reply preview = http.get("api/nvent/triggers/cron-preview?cron=*%20*%20*%20*%20*&timezone=&count=");

        assertThat(preview.status()).as(preview.body()).isEqualTo(200);
        assertThat(preview.json().getString("timezone")).isEqualTo("UTC");
        assertThat(preview.json().getJsonArray("next")).hasSize(5);
    }

    private void assertBadParameter(String path, String... detailParts) {
        Http.Reply reply = http.get(path);
        assertThat(reply.status()).as(path + " -> " + reply.body()).isEqualTo(400);
        assertThat(reply.contentType()).startsWith("application/problem+json");
        assertThat(reply.json().getString("detail")).contains(detailParts);
    }

    @Test
    void bodiesOverThePayloadLimitAnswer413() {
        String tooLarge = "{\"blob\":\"" + "x".repeat(1024 * 1024) + "\"}";

        for (String path : List.of("api/nvent/flows/order/runs", "api/nvent/triggers/sync-now/fire",
                "api/nvent/events/books.closed", "api/nvent/awaits/id/some-await/resolve",
                "api/nvent/awaits/some-token")) {
            Http.Reply refused = http.postChunked(path, tooLarge);
            assertThat(refused.status()).as(path + " -> " + refused.body()).isEqualTo(413);
            assertThat(refused.contentType()).startsWith("application/problem+json");
            assertThat(refused.json().getString("detail")).contains("limit of 1048576 bytes");
        }
        Http.Reply declared = http.postDeclaringLength("api/nvent/flows/order/runs", 2 * 1024 * 1024);
        assertThat(declared.status()).as(declared.body()).isEqualTo(413);
    }

    @Test
    void bodiesThatAreNotUtf8AndNumbersTheStepCannotHoldAnswer400() {
        byte[] notUtf8 = "{\"id\":\"??\",\"item\":\"b\",\"quantity\":1}".getBytes(StandardCharsets.UTF_8);
        notUtf8[7] = (byte) 0xff;
        notUtf8[8] = (byte) 0xfe;
        for (String path : List.of("api/nvent/flows/order/runs", "api/nvent/triggers/sync-now/fire",
                "api/nvent/events/books.closed", "api/nvent/awaits/some-token")) {
            Http.Reply refused = http.postBytes(path, notUtf8);
            assertThat(refused.status()).as(path + " -> " + refused.body()).isEqualTo(400);
            assertThat(refused.json().getString("detail")).contains("not valid UTF-8: byte 7");
        }

        Http.Reply overflow = http.post("api/nvent/flows/order/runs",
                "{\"id\":\"T\",\"item\":\"b\",\"quantity\":99999999999999999999}");
        assertThat(overflow.status()).isEqualTo(400);
        assertThat(overflow.json().getString("detail")).contains("'quantity' is 99999999999999999999");
    }

    // ------------------------------------------------------------------ graph and API description

    @Test
    void theFlowGraphHasLayeredStepsAndEventEdgesColoredByARun() {
        JsonObject graph = http.get("api/nvent/flows/order/graph").json();
        assertThat(graph.getInt("levels")).isEqualTo(3);
        assertThat(graph.getJsonArray("nodes").getValuesAs(JsonObject.class))
                .extracting(n -> n.getString("id") + "@" + n.getInt("level"))
                .containsExactlyInAnyOrder("validate@0", "charge@1", "reserve@1", "ship@2");
        assertThat(graph.getJsonArray("edges").getValuesAs(JsonObject.class))
                .extracting(e -> e.getString("from") + "-" + e.getString("event") + "->" + e.getString("to"))
                .containsExactlyInAnyOrder("validate-order.validated->charge", "validate-order.validated->reserve",
                        "charge-payment.charged->ship", "reserve-stock.reserved->ship");

        String runId = start("order", "{\"id\":\"G-1\",\"item\":\"map\",\"quantity\":1}");
        http.awaitRun(runId, "completed");
        JsonObject colored = http.get("api/nvent/flows/order/graph?runId=" + runId).json();
        assertThat(colored.getJsonArray("nodes").getValuesAs(JsonObject.class))
                .extracting(n -> n.getString("status")).containsOnly("completed");

        JsonObject expense = http.get("api/nvent/flows/expense/graph").json();
        assertThat(expense.getJsonArray("nodes").getValuesAs(JsonObject.class))
                .extracting(n -> n.getString("id") + "@" + n.getInt("level") + ":"
                        + (n.containsKey("awaitBefore") ? n.getJsonObject("awaitBefore").getString("type") : "-"))
                .containsExactlyInAnyOrder("submit@0:-", "pay@1:webhook");
        assertThat(expense.getJsonArray("nodes").getValuesAs(JsonObject.class))
                .filteredOn(n -> n.getString("id").equals("pay")).singleElement()
                .satisfies(n -> assertThat(n.getJsonObject("awaitBefore").getJsonNumber("timeoutMs").longValue())
                        .isEqualTo(3_600_000L));

        assertThat(http.get("api/nvent/flows/retry-demo/graph?runId=" + runId).status()).isEqualTo(400);
        assertThat(http.get("api/nvent/flows/order/graph?runId=nope").status()).isEqualTo(404);
        assertThat(http.get("api/nvent/flows/nope/graph").status()).isEqualTo(404);

        Http.Reply openApi = http.get("api/nvent/openapi.yaml");
        assertThat(openApi.status()).isEqualTo(200);
        assertThat(openApi.body()).contains("openapi: 3.0.3", "/runs/{runId}/steps/{step}/rerun", "/queues/{queue}/redrive",
                "/triggers/{name}/fire", "/triggers/cron-preview", "/awaits/id/{awaitId}/resolve", "/events/{event}",
                "/health/ready");
    }

    @Test
    void prometheusScrapesTheMetricsWithTheApisLogin() {
        String run = start("order", "{\"id\":\"M-1\",\"item\":\"atlas\",\"quantity\":1}");
        http.awaitRun(run, "completed");

        Http.Reply metrics = http.get("api/nvent/metrics");

        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.contentType()).startsWith("text/plain").contains("version=0.0.4");
        assertThat(metrics.body()).contains("# TYPE nvent_step_execution_seconds histogram\n",
                "nvent_runs_ended_total{flow=\"order\",status=\"completed\"} ",
                "nvent_step_execution_seconds_count{flow=\"order\",step=\"validate\"} ",
                "nvent_runs{flow=\"order\",status=\"completed\"} ", "nvent_scrape_errors{part=\"runs\"} 0\n");
        assertThat(Http.anonymous(base).get("api/nvent/metrics").status()).isEqualTo(401);
    }

    @Test
    void theRunListPagesWithALinkToTheNextPageThatGoesOnAfterTheLastRunOfThePage() {
        start("order", "{\"id\":\"P-1\",\"item\":\"a\",\"quantity\":1}");
        start("order", "{\"id\":\"P-2\",\"item\":\"b\",\"quantity\":1}");
        List<String> newestFirst = http.get("api/nvent/runs?flow=order&limit=2").array().stream()
                .map(run -> run.asJsonObject().getString("runId")).toList();
        Http.Reply page = http.get("api/nvent/runs?flow=order&limit=1&offset=0");
        assertThat(page.array()).hasSize(1);
        String link = page.headers().firstValue("Link").orElseThrow();
        assertThat(link).contains("rel=\"next\"", "after=").doesNotContain("offset=");

        Http.Reply next = http.get(link.substring(link.indexOf("api/nvent/runs"), link.indexOf('>')));
        assertThat(next.array()).extracting(run -> run.asJsonObject().getString("runId"))
                .containsExactly(newestFirst.get(1));
        assertBadParameter("api/nvent/runs?after=nonsense", "'after'", "cursor");
    }

    @Test
    void theFlowStatisticsComeFromTheLatestSharedCountAndSayHowOldItIs() {
        Http.Reply list = http.get("api/nvent/flows");
        Instant countedAt = Instant.parse(list.array().getJsonObject(0).getJsonObject("stats").getString("countedAt"));
        assertThat(countedAt).isBeforeOrEqualTo(Instant.now().plusSeconds(1));
        assertThat(list.headers().firstValue("Age")).hasValueSatisfying(age -> assertThat(age).matches("\\d+"));
        Http.Reply stats = http.get("api/nvent/flows/order/stats");
        assertThat(stats.headers().firstValue("Age")).isPresent();
        long completed = stats.json().getJsonNumber("completed").longValue();

        http.awaitRun(start("order", "{\"id\":\"S-1\",\"item\":\"atlas\",\"quantity\":1}"), "completed");
        await().atMost(Duration.ofSeconds(15)).until(() ->
                http.get("api/nvent/flows/order/stats").json().getJsonNumber("completed").longValue() > completed);
        assertThat(http.get("api/nvent/flows/order").json().getJsonObject("stats").getString("countedAt")).isNotBlank();
    }

    @Test
    void aRunsHistoryPagesNewestFirstWithBeforeAndOldestFirstWithAfter() {
        String run = start("order", "{\"id\":\"H-1\",\"item\":\"atlas\",\"quantity\":1}");
        http.awaitRun(run, "completed");
        String history = "api/nvent/runs/" + run + "/events";
        List<Long> oldestFirst = seqs(history);

        List<Long> pagedNewestFirst = new ArrayList<>();
        for (List<Long> page = seqs(history + "?order=desc&limit=3"); !page.isEmpty();
                page = seqs(history + "?order=desc&limit=3&before=" + page.get(page.size() - 1))) {
            pagedNewestFirst.addAll(page);
        }
        List<Long> pagedOldestFirst = new ArrayList<>();
        for (List<Long> page = seqs(history + "?limit=3"); !page.isEmpty();
                page = seqs(history + "?limit=3&after=" + page.get(page.size() - 1))) {
            pagedOldestFirst.addAll(page);
        }

        assertThat(oldestFirst).hasSizeGreaterThan(6);
        assertThat(pagedOldestFirst).containsExactlyElementsOf(oldestFirst);
        List<Long> newestFirst = new ArrayList<>(oldestFirst);
        Collections.reverse(newestFirst);
        assertThat(pagedNewestFirst).containsExactlyElementsOf(newestFirst);
        assertThat(seqs(history + "?after=2&before=6")).containsExactly(3L, 4L, 5L);
        assertBadParameter(history + "?before=0", "'before'", "at least 1");
    }

    private List<Long> seqs(String path) {
        Http.Reply page = http.get(path);
        assertThat(page.status()).as(path + " -> " + page.body()).isEqualTo(200);
        return page.array().getValuesAs(JsonObject.class).stream().map(e -> e.getJsonNumber("seq").longValue())
                .toList();
    }

    // ------------------------------------------------------------------ triggers

    @Test
    void aTriggerKeepsItsNameAndTypeAndFieldsATriggerCannotHaveAreRefused() {
        Http.Reply created = http.post("api/nvent/triggers",
                "{\"name\":\"qa-man\",\"type\":\"manual\",\"flows\":[\"inventory-sync\"]}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        try {
            assertBadBody(http.put("api/nvent/triggers/qa-man", "{\"type\":\"schedule\",\"cron\":\"* * * * *\"}"),
                    "NVENT-0751", "(manual → schedule)", "delete it and create a new one");
            assertBadBody(http.put("api/nvent/triggers/qa-man", "{\"name\":\"qa-auto\"}"), "NVENT-0750", "'qa-auto'");
            assertBadBody(http.put("api/nvent/triggers/qa-man", "{\"descripton\":\"typo\",\"stats\":{}}"),
                    "NVENT-0752", "\"descripton\", \"stats\"");
            assertBadBody(http.post("api/nvent/triggers", "{\"name\":\"qa-typo\",\"type\":\"manual\","
                    + "\"flows\":[\"inventory-sync\"],\"enabeld\":false}"), "NVENT-0752", "\"enabeld\"");

            JsonObject unchanged = http.get("api/nvent/triggers/qa-man").json();
            assertThat(unchanged.getString("type")).isEqualTo("manual");
            assertThat(unchanged).doesNotContainKey("cron");
            assertThat(http.get("api/nvent/triggers/qa-typo").status()).isEqualTo(404);
            Http.Reply changed = http.put("api/nvent/triggers/qa-man",
                    "{\"name\":\"qa-man\",\"type\":\"manual\",\"description\":\"by hand\"}");
            assertThat(changed.status()).as(changed.body()).isEqualTo(200);
            assertThat(changed.json().getString("description")).isEqualTo("by hand");
        } finally {
            http.delete("api/nvent/triggers/qa-man");
        }
    }

    @Test
    void aScheduleTicksAtAnIntervalOnItsMultiplesAndABadIntervalIsRefusedNamingIt() {
        Http.Reply created = http.post("api/nvent/triggers", "{\"name\":\"qa-every\",\"type\":\"schedule\","
                + "\"flows\":[\"inventory-sync\"],\"every\":\"PT90S\",\"enabled\":false}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        try {
            Http.Reply enabled = http.post("api/nvent/triggers/qa-every/enable", "");
            assertThat(enabled.status()).as("armed on the server's timer service: " + enabled.body()).isEqualTo(200);
            JsonObject trigger = http.get("api/nvent/triggers/qa-every").json();
            assertThat(trigger.getString("every")).isEqualTo("PT1M30S");
            assertThat(trigger).doesNotContainKey("cron");
            assertThat(Instant.parse(trigger.getString("nextFireAt")).getEpochSecond() % 90).isZero();

            assertBadBody(http.put("api/nvent/triggers/qa-every", "{\"every\":\"90s\"}"), "\"every\"", "ISO-8601");
            assertBadBody(http.put("api/nvent/triggers/qa-every", "{\"every\":\"PT1M\",\"cron\":\"* * * * *\"}"),
                    "gives both");
            assertBadBody(http.post("api/nvent/triggers", "{\"name\":\"qa-man-every\",\"type\":\"manual\","
                    + "\"flows\":[\"inventory-sync\"],\"every\":\"PT1M\"}"), "belongs to schedule triggers only");
            Http.Reply toCron = http.put("api/nvent/triggers/qa-every", "{\"cron\":\"0 3 * * *\",\"enabled\":false}");
            assertThat(toCron.status()).as(toCron.body()).isEqualTo(200);
            assertThat(toCron.json().getString("cron")).isEqualTo("0 3 * * *");
            assertThat(toCron.json()).doesNotContainKey("every");
        } finally {
            http.delete("api/nvent/triggers/qa-every");
        }
    }

    @Test
    void anEventTriggerWithAFilterStartsItsFlowOnlyForPayloadsThatContainIt() {
        Http.Reply created = http.post("api/nvent/triggers", "{\"name\":\"qa-eu\",\"type\":\"event\",\"event\":"
                + "\"qa.order\",\"flows\":[\"inventory-sync\"],\"filter\":{\"region\":\"eu\",\"lines\":2}}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        try {
            assertThat(created.json().getJsonObject("filter")).hasToString("{\"region\":\"eu\",\"lines\":2}");
            assertThat(http.post("api/nvent/events/qa.order", "{\"region\":\"us\",\"lines\":2}").json()
                    .getJsonArray("startedRuns")).isEmpty();
            assertThat(http.post("api/nvent/events/qa.order", "{\"region\":\"eu\",\"lines\":2.0,\"id\":7}").json()
                    .getJsonArray("startedRuns")).hasSize(1);
            assertThat(fires("qa-eu")).as("the rejected event is no fire").isEqualTo(1);

            assertBadBody(http.put("api/nvent/triggers/qa-eu", "{\"filter\":\"region=eu\"}"), "NVENT-0204",
                    "\"filter\"", "must be a JSON object");
            assertBadBody(http.post("api/nvent/triggers", "{\"name\":\"qa-man-filter\",\"type\":\"manual\","
                    + "\"flows\":[\"inventory-sync\"],\"filter\":{\"region\":\"eu\"}}"), "NVENT-0221");
            assertBadBody(http.put("api/nvent/triggers/qa-eu", "{\"filter\":{\"region\":\"eu\",\"region\":\"us\"}}"),
                    "NVENT-0780", "\"filter.region\" twice", "one trigger per value");
            assertThat(http.get("api/nvent/triggers/qa-eu").json().getJsonObject("filter"))
                    .as("a refused change changes nothing").hasToString("{\"region\":\"eu\",\"lines\":2}");
            Http.Reply unfiltered = http.put("api/nvent/triggers/qa-eu", "{\"filter\":null}");
            assertThat(unfiltered.status()).as(unfiltered.body()).isEqualTo(200);
            assertThat(unfiltered.json()).doesNotContainKey("filter");
            assertThat(http.post("api/nvent/events/qa.order", "{\"region\":\"us\"}").json().getJsonArray("startedRuns"))
                    .hasSize(1);
        } finally {
            http.delete("api/nvent/triggers/qa-eu");
        }
    }

    private static void assertBadBody(Http.Reply reply, String... detailParts) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(400);
        assertThat(reply.contentType()).startsWith("application/problem+json");
        assertThat(reply.json().getString("detail")).contains(detailParts);
    }

    @Test
    void aSignedWebhookRequestSentAgainIsRefusedHoweverItsHeadersAreRespelt() throws Exception {
        String webhook = "api/nvent/triggers/partner-order/webhook";
        String body = "{\"partner\":\"acme\",\"sku\":\"R-1\"}";
        String timestamp = String.valueOf(Instant.now().getEpochSecond());
        String hex = Http.demoSignature(timestamp + "." + body);
        Http anonymous = Http.anonymous(base);
        long firesBefore = fires("partner-order");

        Http.Reply accepted = anonymous.post(webhook, body, "X-Nvent-Timestamp", timestamp,
                "X-Nvent-Signature", "sha256=" + hex);
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);

        for (String signature : List.of("sha256=" + hex, hex, "sha256=" + hex.toUpperCase(Locale.ROOT))) {
            Http.Reply replayed = anonymous.post(webhook, body, "X-Nvent-Timestamp", timestamp,
                    "X-Nvent-Signature", signature);
            assertThat(replayed.status()).as(signature + " -> " + replayed.body()).isEqualTo(409);
        }
        for (String respelt : List.of("0" + timestamp, "00" + timestamp, "+" + timestamp)) {
            Http.Reply replayed = anonymous.post(webhook, body, "X-Nvent-Timestamp", respelt,
                    "X-Nvent-Signature", "sha256=" + hex);
            assertThat(replayed.status()).as(respelt + " -> " + replayed.body()).isEqualTo(401);
            assertThat(replayed.json().getString("detail")).contains("leading zeros");
        }
        assertThat(fires("partner-order")).as("fires of the replays").isEqualTo(firesBefore + 1);

        String later = String.valueOf(Long.parseLong(timestamp) + 1);
        assertThat(anonymous.post(webhook, body, "X-Nvent-Timestamp", later,
                "X-Nvent-Signature", Http.demoSignature(later + "." + body)).status()).as("signed anew, bare hex").isEqualTo(202);
    }

    /**
     * A Content-Type that is no media type was refused (400) before the webhook checked the signature, telling a
     * caller who cannot sign what the webhook parses; Payara's Jersey refuses it before any filter of JAX-RS runs.
     */
    @Test
    void aWebhookJudgesAContentTypeThatIsNoMediaTypeOnlyAfterTheSignature() throws Exception {
        String webhook = "api/nvent/triggers/partner-order/webhook";
        String body = "{\"partner\":\"acme\",\"sku\":\"R-2\"}";
        Http anonymous = Http.anonymous(base);
        long firesBefore = fires("partner-order");

        assertProblem(anonymous.postAs(webhook, "garbage", body), 401, "NVENT-0760");
        String timestamp = String.valueOf(Instant.now().getEpochSecond());
        String signature = "sha256=" + Http.demoSignature(timestamp + "." + body);
        assertProblem(anonymous.postAs(webhook, "garbage", body, "X-Nvent-Timestamp", timestamp,
                "X-Nvent-Signature", signature), 400, "NVENT-0772 the Content-Type header 'garbage' is not a media type");
        Http.Reply resent = anonymous.post(webhook, body, "X-Nvent-Timestamp", timestamp, "X-Nvent-Signature", signature);
        assertThat(resent.status()).as("sent again as JSON: " + resent.body()).isEqualTo(202);
        assertThat(fires("partner-order")).isEqualTo(firesBefore + 1);
    }

    @Test
    void aWebhookWithApiKeysTakesEitherKeyInItsHeaderAndRefusesAMissingOrWrongOne() throws Exception {
        String body = "{\"partner\":\"acme\",\"sku\":\"K-1\"}";
        Http anonymous = Http.anonymous(base);
        for (String name : List.of("qa-keyed", "qa-bearer")) {
            assertThat(http.post("api/nvent/triggers", "{\"name\":\"" + name + "\",\"type\":\"webhook\","
                    + "\"flows\":[\"partner-order\"]}").status()).isEqualTo(201);
        }
        try {
            JsonObject keyed = http.get("api/nvent/triggers/qa-keyed").json();
            assertThat(keyed.getBoolean("apiKey")).isTrue();
            assertThat(keyed.getString("apiKeyHeader")).isEqualTo("X-API-Key");
            assertThat(keyed.getBoolean("signed")).isFalse();
            assertThat(http.get("api/nvent/triggers").body()).contains("\"apiKeyHeader\":\"Authorization\"")
                    .doesNotContain("qa-old-key", "qa-new-key", "qa-bearer-key");

            String webhook = "api/nvent/triggers/qa-keyed/webhook";
            for (String key : List.of("qa-old-key", "qa-new-key")) {
                Http.Reply accepted = anonymous.post(webhook, body, "X-API-Key", key);
                assertThat(accepted.status()).as(key + " -> " + accepted.body()).isEqualTo(202);
            }
            Http.Reply missing = anonymous.post(webhook, body);
            assertThat(missing.status()).isEqualTo(401);
            assertThat(missing.contentType()).startsWith("application/problem+json");
            assertThat(missing.json().getString("detail"))
                    .isEqualTo("NVENT-0759 this webhook requires an API key in the header X-API-Key");
            assertThat(missing.headers().allValues("WWW-Authenticate")).containsExactly("ApiKey header=\"X-API-Key\"");
            Http.Reply wrong = anonymous.post(webhook, body, "X-API-Key", "qa-old-kez");
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(wrong.body()).contains("the X-API-Key header holds no valid API key").doesNotContain("qa-old-kez");
            assertThat(fires("qa-keyed")).as("fires of the accepted keys only").isEqualTo(2);

            String bearer = "api/nvent/triggers/qa-bearer/webhook";
            String timestamp = String.valueOf(Instant.now().getEpochSecond());
            String signature = "sha256=" + Http.demoSignature(timestamp + "." + body);
            Http.Reply keyAlone = anonymous.post(bearer, body, "Authorization", "Bearer qa-bearer-key");
            assertThat(keyAlone.status()).as("a key without the signature").isEqualTo(401);
            assertThat(keyAlone.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(challenge -> assertThat(
                    challenge).startsWith("Signature scheme=\"nvent\"").contains("X-Nvent-Timestamp X-Nvent-Signature"));
            Http.Reply neither = anonymous.post(bearer, body);
            assertThat(neither.status()).as("neither key nor signature").isEqualTo(401);
            assertThat(String.join(", ", neither.headers().allValues("WWW-Authenticate")))
                    .as("both ways the caller must authenticate").startsWith("Bearer")
                    .contains("Signature scheme=\"nvent\"");
            Http.Reply bareKey = anonymous.post(bearer, body, "Authorization", "qa-bearer-key",
                    "X-Nvent-Timestamp", timestamp, "X-Nvent-Signature", signature);
            assertThat(bareKey.status()).as("a signature and the key without Bearer").isEqualTo(401);
            assertThat(bareKey.headers().firstValue("WWW-Authenticate")).contains("Bearer");
            Http.Reply both = anonymous.post(bearer, body, "Authorization", "Bearer qa-bearer-key",
                    "X-Nvent-Timestamp", timestamp, "X-Nvent-Signature", signature);
            assertThat(both.status()).as(both.body()).isEqualTo(202);
        } finally {
            http.delete("api/nvent/triggers/qa-keyed");
            http.delete("api/nvent/triggers/qa-bearer");
        }
    }

    @Test
    void aWebhookTakesASignatureWithTheOldOrTheNewSecretWhileOneReplacesTheOther() throws Exception {
        assertThat(http.post("api/nvent/triggers", "{\"name\":\"qa-rotated\",\"type\":\"webhook\","
                + "\"flows\":[\"partner-order\"]}").status()).isEqualTo(201);
        try {
            assertThat(http.get("api/nvent/triggers/qa-rotated").json()).doesNotContainKey("warning");
            String webhook = "api/nvent/triggers/qa-rotated/webhook";
            String body = "{\"partner\":\"acme\",\"sku\":\"R-1\"}";
            String timestamp = String.valueOf(Instant.now().getEpochSecond());
            Http anonymous = Http.anonymous(base);
            for (String secret : List.of("demo-secret", "qa-new-secret-0123456789")) {
                Http.Reply signed = anonymous.post(webhook, body, "X-Nvent-Timestamp", timestamp, "X-Nvent-Signature",
                        "sha256=" + Http.signature(secret, timestamp + "." + body));
                assertThat(signed.status()).as(secret + " -> " + signed.body()).isEqualTo(202);
            }
            Http.Reply neither = anonymous.post(webhook, body, "X-Nvent-Timestamp", timestamp, "X-Nvent-Signature",
                    "sha256=" + Http.signature("demo-secret, qa-new-secret-0123456789", timestamp + "." + body));
            assertThat(neither.status()).as("the list taken as one secret").isEqualTo(401);
        } finally {
            http.delete("api/nvent/triggers/qa-rotated");
        }
    }

    @Test
    void aWebhookTriggerAnyoneCanFireSaysSoWhenCreatedAndOperatorRequestsRefuseParametersTheyDoNotTake() {
        Http.Reply created = http.post("api/nvent/triggers", "{\"name\":\"qa-open\",\"type\":\"webhook\","
                + "\"flows\":[\"partner-order\"]}");
        try {
            assertThat(created.status()).isEqualTo(201);
            assertThat(created.json().getString("warning")).startsWith("NVENT-0712 webhook trigger qa-open takes "
                    + "unauthenticated requests");
        } finally {
            http.delete("api/nvent/triggers/qa-open");
        }
        for (String path : List.of("api/nvent/flows?foo=1", "api/nvent/flows/order?x=1", "api/nvent/queues?x=1",
                "api/nvent/triggers?x=1", "api/nvent/session?x=1", "api/nvent/metrics?format=x")) {
            Http.Reply refused = http.get(path);
            assertThat(refused.status()).as(path).isEqualTo(400);
            assertThat(refused.json().getString("detail")).as(path).contains("is not one this request takes");
        }
        assertThat(http.get("api/nvent/flows").status()).isEqualTo(200);
    }

    @Test
    void aWebhookSignedAsGithubSignsIsCheckedOnItsBodyAndARedeliveryStartsNothingAgain() throws Exception {
        assertThat(http.post("api/nvent/triggers", "{\"name\":\"qa-github\",\"type\":\"webhook\","
                + "\"flows\":[\"partner-order\"]}").status()).isEqualTo(201);
        try {
            assertThat(http.get("api/nvent/triggers/qa-github").json().getString("signatureScheme")).isEqualTo("github");
            String webhook = "api/nvent/triggers/qa-github/webhook";
            String body = "{\"action\":\"opened\",\"number\":7}";
            String signature = "sha256=" + Http.demoSignature(body);
            String delivery = java.util.UUID.randomUUID().toString();
            Http anonymous = Http.anonymous(base);

            Http.Reply delivered = anonymous.post(webhook, body, "X-Hub-Signature-256", signature,
                    "X-GitHub-Delivery", delivery);
            assertThat(delivered.status()).as(delivered.body()).isEqualTo(202);
            Http.Reply redelivered = anonymous.post(webhook, body, "X-Hub-Signature-256", signature,
                    "X-GitHub-Delivery", delivery);
            assertThat(redelivered.status()).as(redelivered.body()).isEqualTo(200);
            assertThat(redelivered.headers().firstValue("Idempotent-Replayed")).contains("true");
            assertThat(redelivered.json().getJsonArray("runs")).isEqualTo(delivered.json().getJsonArray("runs"));

            Http.Reply otherBody = anonymous.post(webhook, "{\"number\":8}", "X-Hub-Signature-256", signature,
                    "X-GitHub-Delivery", java.util.UUID.randomUUID().toString());
            assertThat(otherBody.status()).isEqualTo(401);
            assertThat(otherBody.json().getString("detail")).isEqualTo("NVENT-0760 the signature does not match the body");
            assertThat(otherBody.headers().firstValue("WWW-Authenticate")).contains("Signature scheme=\"github\", "
                    + "algorithm=\"hmac-sha256\", headers=\"X-Hub-Signature-256\"");
            String timestamp = String.valueOf(Instant.now().getEpochSecond());
            Http.Reply nventSigned = anonymous.post(webhook, body, "X-Nvent-Timestamp", timestamp,
                    "X-Nvent-Signature", "sha256=" + Http.demoSignature(timestamp + "." + body));
            assertThat(nventSigned.status()).isEqualTo(401);
            assertThat(nventSigned.json().getString("detail"))
                    .isEqualTo("NVENT-0760 this webhook requires the header X-Hub-Signature-256");
            assertThat(fires("qa-github")).isEqualTo(1);
        } finally {
            http.delete("api/nvent/triggers/qa-github");
        }
    }

    private long fires(String trigger) {
        return http.get("api/nvent/triggers/" + trigger).json().getJsonObject("stats").getJsonNumber("fires")
                .longValue();
    }

    // ------------------------------------------------------------------ what the server answers before nvent

    /**
     * Payara Micro refuses some requests while it reads the request's head or decodes and normalises its
     * path, before it picks the web application (Grizzly's HTTP parser, {@code CoyoteAdapter.postParseRequest}):
     * no filter, servlet or {@code <error-page>} of the WAR runs for them (an error page for 400 in the
     * WAR's web.xml was tried: it is not used), so they get Payara's answer, not nvent's problem document
     * (README, "REST API"). WildFly hands them to nvent, but for an invalid %-escape.
     */
    @Test
    void whatPayaraRefusesBeforeTheApplicationIsItsBare400AndWhatReachesNventIsAProblemDocument() {
        // Not by its Server header: the demo's post-boot commands switch it off.
        boolean payara = System.getProperty("payara.microJar") != null;
        Http.Reply nul = http.get("api/nvent/runs/a%00b");
        Http.Reply backslash = http.get("api/nvent/runs/a%5Cb");
        // The request line and headers together over 8 KiB: Payara's header-buffer-length-bytes.
        Http.Reply longPath = http.get("api/nvent/runs/" + "a".repeat(10_000));
        Http.Reply longSignature = Http.anonymous(base).post("api/nvent/triggers/partner-order/webhook", "{}",
                "X-Nvent-Timestamp", String.valueOf(Instant.now().getEpochSecond()),
                "X-Nvent-Signature", "sha256=" + "0".repeat(10_000));
        Http.Reply badEscape = http.getRaw("api/nvent/runs/a%ZZb");

        if (payara) {
            assertThat(List.of(nul, backslash, longPath, longSignature)).allSatisfy(refused -> {
                assertThat(refused.status()).isEqualTo(400);
                assertThat(refused.body()).isEmpty();
            });
            // Payara's URI decoder throws; the container logs it (AS-WEB-CORE-00037) and answers 200 with no
            // body (README): this says when a Payara upgrade changes that.
            assertThat(badEscape.status()).as("Payara's answer to an invalid %-escape").isEqualTo(200);
        } else {
            assertProblem(nul, 404, "NVENT-0784");
            assertProblem(backslash, 404, "NVENT-0202");
            assertProblem(longPath, 404, "NVENT-0202");
            assertProblem(longSignature, 401, "the signature does not match the body");
            assertThat(badEscape.status()).as("Undertow's answer to an invalid %-escape").isEqualTo(400);
        }
        assertThat(badEscape.body()).isEmpty();

        // Neither headers nor the page of a path outside the API name the server and its version (README, "Security").
        Http.Reply outside = Http.anonymous(base).get("no-such-page");
        for (Http.Reply reply : List.of(outside, http.get("api/nvent/health/live"), nul)) {
            if (payara) {   // WildFly's own settings are the team's (README)
                assertThat(reply.headers().firstValue("Server")).as("Server").isEmpty();
                assertThat(reply.headers().firstValue("X-Powered-By")).as("X-Powered-By").isEmpty();
            }
        }
        assertThat(outside.status()).isEqualTo(404);
        assertThat(outside.body()).contains("Not found").doesNotContainIgnoringCase("payara")
                .doesNotContainIgnoringCase("wildfly");

        assertProblem(http.get("api/nvent/runs/a%0Ab"), 404, "NVENT-0784");
        assertProblem(http.get("api/nvent/runs/" + "a".repeat(7_000)), 404, "NVENT-0202");
    }

    private static void assertProblem(Http.Reply reply, int status, String detail) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        assertThat(reply.contentType()).startsWith("application/problem+json");
        assertThat(reply.json().getString("detail")).contains(detail);
    }

    // ------------------------------------------------------------------ security

    @Test
    void theApiConsoleAndStreamRequireTheAdminRoleButWebhooksStayOpen() throws Exception {
        Http anonymous = Http.anonymous(base);
        Http.Reply noLogin = anonymous.get("api/nvent/flows");
        assertThat(noLogin.status()).isEqualTo(401);
        assertThat(noLogin.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic realm=\"nvent\""));
        assertThat(noLogin.contentType()).startsWith("application/problem+json");
        assertThat(anonymous.get("_nvent/").status()).isEqualTo(401);
        assertThat(Http.as(base, "admin", "wrong").get("api/nvent/flows").status()).isEqualTo(401);

        Http.Reply viewer = Http.as(base, "viewer", "viewer").get("api/nvent/flows");
        assertThat(viewer.status()).isEqualTo(403);
        assertThat(viewer.json().getString("detail")).contains("nvent-admin");
        assertThat(Http.as(base, "operator", "s3cret").get("api/nvent/flows").status())
                .as("a user of the application's own identity store with the role").isEqualTo(200);

        Http.Reply console = http.get("_nvent/");
        assertThat(console.status()).isEqualTo(200);
        assertThat(console.body()).contains("nvent console", "js/app.js");
        assertThat(http.get("_nvent/js/app.js").contentType()).startsWith("text/javascript");
        assertThat(http.get("_nvent/../WEB-INF/beans.xml").status()).isNotEqualTo(200);

        assertThat(anonymous.post("api/nvent/awaits/some-token", "{}").status()).isNotIn(401, 403);
        assertThat(anonymous.get("api/nvent/awaits").status()).as("the await list is not a webhook").isEqualTo(401);
        Http.Reply webhook = anonymous.post("api/nvent/triggers/signup/webhook", "{}");
        assertThat(webhook.headers().firstValue("WWW-Authenticate")).as("the webhook's own answer, no login's")
                .hasValueSatisfying(v -> assertThat(v).startsWith("Signature scheme=\"nvent\""));

        Http.Reply crossSite = http.post("api/nvent/flows/order/runs", "{}", "Origin", "http://evil.example");
        assertThat(crossSite.status()).isEqualTo(403);

        assertThat(LiveSocket.handshakeStatus(http.base(), null)).as("stream without login").isEqualTo(401);
        assertThat(LiveSocket.handshakeStatus(http.base(), Http.basic("viewer", "viewer"))).as("stream without role")
                .isEqualTo(403);
        assertThat(LiveSocket.handshakeStatus(http.base(), Http.basic(Http.ADMIN, Http.ADMIN_PASSWORD))).isEqualTo(101);
    }

    // ------------------------------------------------------------------ live stream

    @Test
    void aClientSubscribingMidRunGetsTheCompleteHistoryThenLiveEntriesInOrderWithoutDuplicates() throws Exception {
        String runId = start("chatter", "{\"lines\":400,\"pauseMs\":8}");
        await().atMost(Duration.ofSeconds(30)).until(() ->
                !http.get("api/nvent/runs/" + runId + "/events?after=150&limit=1").array().isEmpty());

        try (LiveSocket live = LiveSocket.open(http.base(), Http.basic(Http.ADMIN, Http.ADMIN_PASSWORD))) {
            live.send("{\"type\":\"subscribe\",\"runId\":\"" + runId + "\"}");
            await().atMost(Duration.ofSeconds(60)).until(() -> live.entriesOf(runId).stream()
                    .anyMatch(e -> e.getString("type").equals("flow.completed")));

            List<JsonObject> entries = live.entriesOf(runId);
            int total = events(runId).size();
            assertThat(total).isGreaterThan(400);
            assertThat(entries).extracting(e -> e.getJsonNumber("seq").longValue())
                    .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, total).boxed().toList());
            assertThat(live.ofType("connected")).hasSize(1);
            assertThat(live.ofType("subscribed")).singleElement()
                    .satisfies(m -> assertThat(m.getString("flow")).isEqualTo("chatter"));
            List<JsonObject> history = live.ofType("history");
            assertThat(history.stream().mapToInt(h -> h.getJsonArray("events").size()).sum())
                    .as("history is backfilled completely, not cut at 100").isGreaterThan(150);
            assertThat(history.get(history.size() - 1).getBoolean("complete")).isTrue();
            assertThat(live.ofType("event")).as("entries after the backfill arrive live").isNotEmpty();
            int lastHistory = live.received().indexOf(history.get(history.size() - 1));
            assertThat(live.received().indexOf(live.ofType("event").get(0))).isGreaterThan(lastHistory);

            live.send("{\"type\":\"subscribe\",\"runId\":\"" + runId + "\",\"afterSeq\":" + (total - 3) + "}");
            await().atMost(EVENTUALLY).until(() -> live.ofType("history").size() > history.size()
                    && live.ofType("history").get(live.ofType("history").size() - 1).getBoolean("complete"));
            List<JsonObject> resumed = live.ofType("history").subList(history.size(), live.ofType("history").size());
            assertThat(resumed.stream().flatMap(h -> h.getJsonArray("events").getValuesAs(JsonObject.class).stream())
                    .map(e -> e.getJsonNumber("seq").longValue()).toList())
                    .as("re-subscribing with afterSeq resumes after it").containsExactly((long) total - 2, (long) total - 1, (long) total);
        }
    }

    @Test
    void theStreamSendsStatisticsAnswersPingsAndReportsBadRequests() throws Exception {
        try (LiveSocket live = LiveSocket.open(http.base(), Http.basic(Http.ADMIN, Http.ADMIN_PASSWORD))) {
            live.send("{\"type\":\"subscribe.stats\"}");
            await().atMost(EVENTUALLY).until(() -> !live.ofType("stats").isEmpty());
            JsonObject stats = live.ofType("stats").get(0);
            assertThat(stats.getJsonArray("flows").getValuesAs(JsonObject.class)).extracting(f -> f.getString("name"))
                    .contains("order", "retry-demo");
            assertThat(stats.getJsonArray("queues").getValuesAs(JsonObject.class)).extracting(q -> q.getString("name"))
                    .contains("order");

            int before = live.ofType("stats").size();
            String runId = start("order", "{\"id\":\"S-1\",\"item\":\"pen\",\"quantity\":1}");
            http.awaitRun(runId, "completed");
            await().atMost(EVENTUALLY).until(() -> live.ofType("stats").size() > before);

            live.send("{\"type\":\"subscribe\",\"all\":true}");
            String other = start("order", "{\"id\":\"S-2\",\"item\":\"pen\",\"quantity\":1}");
            await().atMost(EVENTUALLY).until(() -> live.entriesOf(other).stream()
                    .anyMatch(e -> e.getString("type").equals("flow.completed")));

            live.send("{\"type\":\"ping\",\"id\":42}");
            live.send("{\"type\":\"subscribe\",\"runId\":\"no-such-run\"}");
            live.send("{\"type\":\"dance\"}");
            live.send("not json");
            await().atMost(EVENTUALLY).until(() -> live.ofType("error").size() == 3 && !live.ofType("pong").isEmpty());
            assertThat(live.ofType("pong").get(0).getInt("id")).isEqualTo(42);
            assertThat(live.ofType("error")).extracting(e -> e.getInt("status")).containsExactly(404, 400, 400);

            live.send("{\"type\":\"ping\",\"id\":\"" + "x".repeat(100 * 1024) + "\"}");
            assertThat(live.closed().get(10, java.util.concurrent.TimeUnit.SECONDS)).as("message too big").isEqualTo(1009);
        }
        try (LiveSocket binary = LiveSocket.open(http.base(), Http.basic(Http.ADMIN, Http.ADMIN_PASSWORD))) {
            binary.sendBinary(new byte[] {1, 2, 3});
            assertThat(binary.closed().get(10, java.util.concurrent.TimeUnit.SECONDS)).as("binary: cannot accept")
                    .isEqualTo(1003);
        }
    }

    // ------------------------------------------------------------------ the console in a browser

    @Test
    void anOperatorStartsAFlowWatchesItLiveRetriesAFailedJobAndVisitsEveryScreen() throws Exception {
        assumeTrue(Console.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver");
        String finished = start("order", "{\"id\":\"B-1\",\"item\":\"lamp\",\"quantity\":2}");
        http.awaitRun(finished, "completed");
        String broken = start("flaky-once", "{}");
        http.awaitRun(broken, "failed");

        try (Console console = Console.open(http.base(), Http.ADMIN, Http.ADMIN_PASSWORD, Console.SCREENSHOTS)) {
            console.go("#/");
            console.awaitVisible(By.cssSelector("#live-status[data-state=up]"));
            console.until(() -> console.all(By.cssSelector("#kpis .kpi")).size() == 8);
            // Stalled runs are not counted as running: a tile of their own, linking to them.
            assertThat(console.attribute(By.xpath("//*[@id='kpis']/a[.//*[@data-kpi='Stalled']]"), "href"))
                    .endsWith("#/runs?status=stalled");
            assertThat(console.attribute(By.xpath("//*[@id='kpis']/a[.//*[@data-kpi='Running']]"), "href"))
                    .endsWith("#/runs?status=running");
            console.awaitVisible(By.cssSelector("#recent-failures"));
            assertThat(console.text(By.id("recent-failures"))).contains("flaky-once");
            console.until(() -> console.text(By.id("recent-failures")).contains("partner refused the call"));
            console.screenshot("01-dashboard");

            // The run list tells failures apart: each failed run with its error's first line, the whole on hover.
            console.go("#/runs?flow=flaky-once&status=failed");
            By brokenError = By.cssSelector("#runs-table tr[data-run='" + broken + "'] td.run-error");
            console.until(() -> console.text(brokenError).contains("partner refused the call"));
            assertThat(console.text(brokenError)).doesNotContain("\n");
            assertThat(console.attribute(brokenError, "title")).contains("partner refused the call")
                    .isEqualTo(http.get("api/nvent/runs/" + broken).json().getString("error"));
            // Times local, the UTC value on hover.
            assertThat(console.attribute(By.cssSelector("#runs-table tr[data-run='" + broken + "'] time.at"), "title"))
                    .matches("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}(\\.\\d{3})? UTC");
            console.screenshot("01a-runs-with-errors");
            console.go("#/runs/" + broken);
            console.until(() -> console.text(By.id("run-error")).contains("partner refused the call"));
            assertThat(console.attribute(By.cssSelector("#timeline li .ts"), "title")).endsWith(" UTC");
            console.resize(1280, 960);
            console.until(() -> ((Number) console.script("return window.innerWidth;")).intValue() <= 1280);
            assertThat(console.tablesWiderThanTheirCards()).as("dashboard tables at 1280 px").isEmpty();
            console.screenshot("01-dashboard-1280");
            console.resize(1440, 960);

            console.go("#/flows");
            console.awaitVisible(By.cssSelector("#flows-table tr[data-flow=order]"));
            console.screenshot("02-flows");

            console.go("#/flows/chatter");
            console.awaitVisible(By.cssSelector(".graph .node"));
            console.click(By.id("start-run"));
            WebElement input = console.awaitVisible(By.id("run-input"));
            input.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
            // 12 s of talk: on a loaded machine the console may first show the bar late (at 149 of 200 with
            // 30 ms a line, once), and the test must still see it move before the step ends.
            input.sendKeys("{\"lines\": 200, \"pauseMs\": 60,");
            console.until(() -> console.text(By.id("run-input-msg")).startsWith("Invalid JSON"));
            assertThat(console.find(By.id("run-submit")).isEnabled()).isFalse();
            console.screenshot("03-start-run-invalid-json");
            input.sendKeys(Keys.BACK_SPACE, "}");
            console.until(() -> console.text(By.id("run-input-msg")).equals("Valid JSON"));
            console.click(By.id("run-submit"));

            console.until(() -> console.hash().startsWith("#/runs/"));
            String runId = console.hash().substring("#/runs/".length());
            console.awaitVisible(By.cssSelector("#timeline li"));
            console.until(() -> console.all(By.cssSelector("#timeline li")).size() > 20
                    && console.attribute(By.id("run-status"), "data-status").equals("running"));
            console.screenshot("04-run-live");
            // The step reports its progress at every line: a bar on its row, moving while it runs.
            String talkProgress = "#run-steps tr[data-step=talk] .step-progress";
            console.until(() -> progressDone(console, talkProgress) > 0);
            assertThat(console.text(By.cssSelector(talkProgress + " .step-progress-count"))).matches("\\d+ of 200 \\(\\d+ %\\)");
            assertThat(console.text(By.cssSelector(talkProgress + " .step-progress-message"))).matches("– line \\d+");
            long firstShown = progressDone(console, talkProgress);
            console.screenshot("04a-run-progress");
            console.until(() -> progressDone(console, talkProgress) > firstShown);
            console.until(() ->
                    !console.all(By.cssSelector("#timeline li[data-type='flow.completed']")).isEmpty());
            console.until(() ->
                    console.attribute(By.id("run-status"), "data-status").equals("completed"));
            List<Long> shown = console.all(By.cssSelector("#timeline li")).stream()
                    .map(li -> Long.parseLong(li.getAttribute("data-seq"))).toList();
            assertThat(shown).containsExactlyElementsOf(
                    java.util.stream.LongStream.rangeClosed(1, events(runId).size()).boxed().toList());
            console.click(By.cssSelector("[data-kind=events]"));
            assertThat(console.all(By.cssSelector("#timeline li[data-type=log]"))).isEmpty();
            console.screenshot("05-run-completed");
            assertThat(console.all(By.cssSelector(".step-progress"))).as("no bar once the step has ended").isEmpty();

            // A finished run deleted from its page, history and all: the console goes on to the flow's runs.
            console.click(By.id("delete-run"));
            console.until(() -> console.text(By.cssSelector(".confirm-text")).contains("deleted with its whole history"));
            console.click(By.id("confirm-delete-run"));
            console.until(() -> console.hash().equals("#/runs?flow=chatter"));
            assertThat(http.get("api/nvent/runs/" + runId).status()).isEqualTo(404);

            console.go("#/flows/order?run=" + finished);
            console.until(() -> console.all(By.cssSelector(".graph .node.completed")).size() == 4);
            console.screenshot("06-flow-diagram");

            console.go("#/flows/expense");
            By payAwait = By.cssSelector(".graph .node[data-step=pay] .await-badge.before[data-type=webhook]");
            console.until(() -> !console.all(payAwait).isEmpty());
            assertThat(console.all(By.cssSelector(".graph .node[data-step=submit] .await-badge"))).isEmpty();
            assertThat((String) console.script("return arguments[0].querySelector('title').textContent;", console.find(payAwait)))
                    .contains("before the step", "webhook", "times out after 1 h", "the step and the run fail");
            assertThat(console.text(By.cssSelector("tr[data-step-settings=pay] .step-await[data-position=before]")))
                    .contains("before · webhook", "times out after 1 h");
            console.until(() -> !console.all(By.cssSelector("#flow-triggers tr.manual-start")).isEmpty());
            assertThat(console.tablesWiderThanTheirCards()).as("flow page tables").isEmpty();
            console.screenshot("06b-flow-with-an-await");

            console.go("#/flows/inventory-sync");
            console.awaitVisible(By.cssSelector("#flow-triggers tr[data-trigger=every-5-minutes]"));
            assertThat(console.text(By.id("flow-triggers"))).contains("every-5-minutes", "schedule", "*/5 * * * *", "sync-now");

            String jobId = http.get("api/nvent/queues/flaky-once/jobs?state=failed").json().getJsonArray("jobs")
                    .getValuesAs(JsonObject.class).stream().filter(j -> j.getString("runId").equals(broken))
                    .findFirst().orElseThrow().getString("jobId");
            console.go("#/queues/flaky-once?state=failed&job=" + jobId);
            console.awaitVisible(By.id("retry-job"));
            assertThat(console.text(By.id("job-detail"))).contains("partner refused the call");
            console.screenshot("07-job-inspector");
            console.click(By.id("retry-job"));
            console.awaitVisible(By.id("confirm-retry-job"));
            console.click(By.id("confirm-retry-job"));
            http.awaitRun(broken, "completed");
            console.until(() -> console.all(By.cssSelector("#jobs-table tr[data-job]")).stream()
                    .noneMatch(tr -> jobId.equals(tr.getAttribute("data-job"))));

            console.go("#/runs/" + broken);
            console.until(() ->
                    console.attribute(By.id("run-status"), "data-status").equals("completed"));
            console.screenshot("08-run-after-retry");

            String dropped = start("flaky-once", "{}");
            http.awaitRun(dropped, "failed");
            String droppedJob = failedJobOf("flaky-once", dropped);
            console.go("#/queues/flaky-once?state=failed&job=" + droppedJob);
            console.click(By.id("discard-job"));
            console.click(By.id("confirm-discard"));
            console.until(() -> console.all(By.cssSelector("#jobs-table tr[data-job]")).stream()
                    .noneMatch(tr -> droppedJob.equals(tr.getAttribute("data-job"))));
            assertThat(http.get("api/nvent/queues/flaky-once/jobs/" + droppedJob).status()).isEqualTo(404);

            // After the partner's outage, every failed run of the flow retried at once from its page:
            // the run whose job was discarded too, under a job of its own.
            String failedInBulk = start("flaky-once", "{}");
            http.awaitRun(failedInBulk, "failed");
            console.go("#/flows/flaky-once");
            console.click(By.id("retry-failed"));
            console.until(() -> console.text(By.id("retry-failed-text")).matches("(?s)\\d+ failed runs? of flow flaky-once.*"));
            console.screenshot("08a-retry-failed-confirm");
            console.click(By.id("confirm-retry-failed"));
            console.until(() -> console.attribute(By.id("bulk-progress"), "data-done").equals("true"));
            assertThat(console.text(By.id("bulk-progress"))).startsWith("Done: ").contains(" retried, ", ", 0 failed");
            http.awaitRun(failedInBulk, "completed");
            http.awaitRun(dropped, "completed");
            assertThat(events(failedInBulk)).filteredOn(e -> e.getString("type").equals("step.retry")).hasSize(1);

            http.post("api/nvent/queues/flaky-once/pause", "");
            try {
                String held = start("flaky-once", "{}");
                console.go("#/runs/" + held);
                console.until(() -> console.text(By.cssSelector("#run-steps .step-wait[data-reason=queue_paused]"))
                        .contains("queue 'flaky-once' is paused"));
                console.screenshot("08b-run-waiting-for-a-paused-queue");
                assertThat(console.attribute(By.cssSelector("#run-steps .step-wait a.wait-link"), "href"))
                        .as("where the operator resumes it").endsWith("#/queues/flaky-once");
            } finally {
                http.post("api/nvent/queues/flaky-once/resume", "");
            }

            // A client that lost the answer to its start has only its key: the Runs page finds the run by it.
            String keyed = http.post("api/nvent/flows/order/runs", "{\"id\":\"F-1\",\"item\":\"mug\",\"quantity\":1}",
                    "Idempotency-Key", "console-find-F-1").json().getString("runId");
            console.go("#/runs");
            console.awaitVisible(By.id("run-find")).sendKeys("console-find-F-1");
            console.click(By.id("run-find-go"));
            console.until(() -> console.hash().equals("#/runs/" + keyed));
            console.until(() -> console.text(By.id("run-key")).equals("console-find-F-1"));
            console.screenshot("08c-run-with-its-idempotency-key");

            console.go("#/runs/no-such-run");
            console.until(() -> console.text(By.id("timeline-count")).contains("does not exist"));
            console.go("#/queues/no-such-queue");
            console.until(() -> console.text(By.id("queue-error")).contains("no queue named 'no-such-queue'"));
            console.go("#/flows/no-such-flow");
            console.until(() -> console.text(By.id("flow-error")).contains("no-such-flow"));
            assertThat(console.all(By.id("start-run"))).as("nothing to start").isEmpty();

            console.go("#/queues");
            console.awaitVisible(By.cssSelector("#queues-table tr[data-queue=order]"));
            console.until(() -> console.text(By.cssSelector("#queues-table tr[data-queue=partner-order] .rate-limit"))
                    .equals("≤ 50 / 1 s per customer"));
            assertThat(console.attribute(By.cssSelector("#queues-table tr[data-queue=partner-order] .rate-limit"),
                    "title")).startsWith("starts at most 50 attempts in any 1 s for each value of 'customer' in a step's"
                    + " data across all instances");
            assertThat(console.all(By.cssSelector("#queues-table tr[data-queue=order] .rate-limit"))).isEmpty();
            assertThat(console.text(By.cssSelector("#queues-table thead"))).contains("Oldest waiting");
            assertThat(console.tablesWiderThanTheirCards()).as("queue list at 1280 px, with its oldest waiting column")
                    .isEmpty();
            console.screenshot("09-queues");
            console.go("#/queues/partner-order");
            // The starts of the last second, per customer: likely none by now.
            console.awaitVisible(By.id("rate-limit-usage"));
            console.until(() -> console.text(By.id("rate-limit-usage"))
                    .matches("(?s)(No value of 'customer' started a step within the limit's span|Value of 'customer'.*)"));
            console.go("#/queues/order");
            console.awaitVisible(By.cssSelector("#state-tabs button"));
            assertThat(console.find(By.id("rate-limit-usage")).isDisplayed()).as("no limit, no card").isFalse();

            console.go("#/runs");
            console.awaitVisible(By.cssSelector("#runs-table"));
            console.screenshot("10-runs");

            console.go("#/runs?flow=flaky-once");
            console.until(() -> {
                List<String> flows = console.all(By.cssSelector("#runs-table tbody td:nth-child(2)")).stream()
                        .map(org.openqa.selenium.WebElement::getText).toList();
                return !flows.isEmpty() && flows.stream().allMatch("flaky-once"::equals);
            });
            console.go("#/runs?flow=no-such-flow");
            console.until(() -> console.text(By.id("runs-error")).contains("no flow 'no-such-flow' is deployed"));
            console.go("#/runs?status=bogus");
            console.until(() -> console.text(By.id("runs-error")).contains("bogus"));

            String toClear = start("chatter", "{\"lines\":1}");
            http.awaitRun(toClear, "completed");
            console.go("#/flows/chatter");
            console.awaitVisible(By.cssSelector("#flow-runs tr[data-run='" + toClear + "']"));
            console.click(By.id("clear-history"));
            console.click(By.id("confirm-clear-history"));
            console.until(() -> console.all(By.cssSelector("#flow-runs tr[data-run]")).isEmpty());
            assertThat(http.get("api/nvent/runs/" + toClear).status()).isEqualTo(404);
            Http.Reply unknown = http.delete("api/nvent/flows/no-such-flow/runs");
            assertThat(unknown.status()).isEqualTo(404);
            assertThat(unknown.json().getString("detail")).contains("no-such-flow");

            console.click(By.id("logout"));
            console.until(() -> console.text(By.id("signed-out")).contains("Your console session has ended"));
            assertThat(console.text(By.id("signed-out"))).contains("close the browser");
            console.screenshot("10b-logged-out");
        }
    }

    /** The units done the progress bar shows at {@code css}, or -1 while it shows none. */
    private static long progressDone(Console console, String css) {
        Object done = console.script("const bar = document.querySelector(arguments[0]);"
                + " return bar ? Number(bar.dataset.done) : -1;", css);
        return ((Number) done).longValue();
    }

    @Test
    void theConsolesRunListGoesToOlderPagesByTheApisCursorAndBackToNewerOnes() throws Exception {
        assumeTrue(Console.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver");
        for (int run = 0; run < 26; run++) {
            start("commit-probe", "{}");
        }
        List<String> newestFirst = http.get("api/nvent/runs?flow=commit-probe&limit=26").array().stream()
                .map(run -> run.asJsonObject().getString("runId")).toList();

        try (Console console = Console.open(http.base(), Http.ADMIN, Http.ADMIN_PASSWORD, Console.SCREENSHOTS)) {
            console.go("#/runs?flow=commit-probe");
            console.until(() -> firstRunListed(console).equals(newestFirst.get(0)));
            assertThat(console.text(By.id("runs-range"))).isEqualTo("1–25");

            console.click(By.id("runs-older"));
            console.until(() -> firstRunListed(console).equals(newestFirst.get(25)));
            assertThat(console.hash()).contains("after=").doesNotContain("offset=");
            assertThat(console.text(By.id("runs-range"))).startsWith("26–");

            console.click(By.id("runs-newer"));
            console.until(() -> firstRunListed(console).equals(newestFirst.get(0)));
            assertThat(console.hash()).doesNotContain("after=");
            assertThat(console.find(By.id("runs-newer")).isEnabled()).isFalse();
        }
    }

    private static String firstRunListed(Console console) {
        return console.find(By.cssSelector("#runs-table tbody tr td a")).getText();
    }

    @Test
    void anOperatorFiresATriggerWithJsonCreatesAScheduleAndResolvesAnApprovalInTheConsole() throws Exception {
        assumeTrue(Console.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver");
        String approval = start("expense", "{\"amount\":42,\"employee\":\"ada\"}");
        String other = start("expense", "{\"amount\":7,\"employee\":\"grace\"}");
        http.awaitRun(approval, "awaiting");
        http.awaitRun(other, "awaiting");
        await().atMost(Duration.ofSeconds(30)).until(() -> http.get("api/nvent/awaits").array().getValuesAs(JsonObject.class)
                .stream().filter(a -> a.getString("runId").equals(approval) || a.getString("runId").equals(other)).count() == 2);
        Http.Reply eventTrigger = http.post("api/nvent/triggers", "{\"name\":\"on-books-closed\",\"type\":\"event\","
                + "\"event\":\"books.closed\",\"flows\":[\"inventory-sync\"],\"description\":\"Syncs when the books close\","
                + "\"filter\":{\"period\":\"2026-11\"}}");
        assertThat(eventTrigger.status()).as(eventTrigger.body()).isEqualTo(201);

        try (Console console = Console.open(http.base(), Http.ADMIN, Http.ADMIN_PASSWORD, Console.SCREENSHOTS)) {
            console.go("#/");
            console.until(() -> Integer.parseInt(console.text(By.cssSelector("#kpis [data-kpi=Awaiting]"))) >= 2);
            console.until(() -> console.find(By.id("nav-awaiting")).isDisplayed());

            // the list: every kind of trigger, with schedule, webhook path and statistics
            console.go("#/triggers");
            console.awaitVisible(By.cssSelector("#triggers-table tr[data-trigger=sync-now]"));
            console.until(() -> console.text(By.cssSelector("#triggers-table tr[data-trigger=every-5-minutes]"))
                    .contains("every 5 minutes") && console.text(By.cssSelector("#triggers-table tr[data-trigger=every-5-minutes]")).contains("next in"));
            assertThat(console.text(By.cssSelector("#triggers-table tr[data-trigger=partner-order]")).toLowerCase())
                    .contains("webhook", "/api/nvent/triggers/partner-order/webhook", "signed (hmac-sha256)", "declared");
            assertThat(console.text(By.cssSelector("#triggers-table tr[data-trigger=on-books-closed]")).toLowerCase())
                    .contains("event", "books.closed", "where {\"period\":\"2026-11\"}", "runtime");
            console.screenshot("11-triggers");
            console.go("#/triggers/on-books-closed");
            console.until(() -> console.text(By.id("trigger-filter")).contains("{\"period\":\"2026-11\"}"));
            console.screenshot("11b-event-trigger-filter");
            console.go("#/triggers/on-books-closed/edit");
            WebElement filter = console.awaitVisible(By.id("tf-filter"));
            assertThat(filter.getAttribute("value")).contains("\"period\": \"2026-11\"");
            filter.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
            filter.sendKeys("[\"2026-11\"]");
            console.until(() -> console.text(By.id("tf-filter-msg")).contains("must be a JSON object"));
            console.click(By.id("tf-submit"));
            assertThat(console.hash()).as("a filter that is no object is not sent").isEqualTo("#/triggers/on-books-closed/edit");
            filter.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
            filter.sendKeys("{\"period\": \"2026-11\", \"period\": \"2026-12\"}");
            console.until(() -> console.text(By.id("tf-filter-msg")).contains("gives a member twice"));
            console.click(By.id("tf-submit"));
            assertThat(console.hash()).as("a filter that gives a member twice is not sent")
                    .isEqualTo("#/triggers/on-books-closed/edit");
            console.screenshot("11c-event-trigger-filter-form");
            console.go("#/triggers");
            console.awaitVisible(By.cssSelector("#triggers-table tr[data-trigger=sync-now]"));

            // fire the demo's manual trigger with a JSON payload; invalid JSON is caught before sending
            console.click(By.cssSelector("#triggers-table tr[data-trigger=sync-now] td.trigger-name a"));
            console.until(() -> console.hash().equals("#/triggers/sync-now"));
            // The detail page renders again as the trigger's statistics arrive: ask the element of the moment.
            console.until(() -> console.find(By.id("trigger-delete")).isDisplayed()
                    && !console.find(By.id("trigger-delete")).isEnabled());   // a declared trigger is disabled, not deleted
            int firesBefore = http.get("api/nvent/triggers/sync-now").json().getJsonObject("stats").getInt("fires");
            console.click(By.id("fire-trigger"));
            WebElement payload = console.awaitVisible(By.id("fire-input"));
            payload.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
            payload.sendKeys("{\"reason\": \"stock check\",\n\"warehouse\" \"north\"}");
            console.until(() -> console.text(By.id("fire-input-msg")).startsWith("Invalid JSON"));
            assertThat(console.text(By.id("fire-input-msg"))).contains("line 2, column 13", "Expected ':'");
            assertThat(console.find(By.id("fire-submit")).isEnabled()).isFalse();
            payload.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
            payload.sendKeys("{\"reason\": \"stock check\", \"warehouse\": \"north\"}");
            console.until(() -> console.text(By.id("fire-input-msg")).equals("Valid JSON"));
            console.click(By.id("fire-submit"));

            await().atMost(EVENTUALLY).until(() ->
                    http.get("api/nvent/triggers/sync-now").json().getJsonObject("stats").getInt("fires") == firesBefore + 1);
            JsonObject lastFire = http.get("api/nvent/triggers/sync-now").json().getJsonArray("history").getJsonObject(0);
            assertThat(lastFire.getString("type")).isEqualTo("trigger.fired");
            String runId = lastFire.getJsonObject("data").getJsonArray("runs").getString(0);
            String chip = "#trigger-history li[data-type='trigger.fired'] a.run-chip[data-run='" + runId + "']";
            console.awaitVisible(By.cssSelector(chip));
            console.until(() -> console.attribute(By.cssSelector(chip), "data-status").equals("completed"));
            assertThat(http.get("api/nvent/runs/" + runId).json().getString("status")).isEqualTo("completed");
            assertThat(events(runId).get(0).getJsonObject("data").getJsonObject("input").getString("warehouse")).isEqualTo("north");
            assertThat(console.text(By.id("trigger-stats"))).contains(String.valueOf(firesBefore + 1));
            console.screenshot("12-trigger-detail");
            console.click(By.cssSelector(chip));
            console.until(() -> console.attribute(By.id("run-status"), "data-status").equals("completed"));
            assertThat(console.text(By.cssSelector("#timeline li[data-type='flow.start']"))).contains("started by trigger sync-now");

            // create a schedule: the server's verdict on the cron shows inline, then the next ticks in the zone
            console.go("#/triggers");
            console.click(By.id("new-trigger"));
            console.awaitVisible(By.id("tf-name")).sendKeys("ui-nightly");
            console.find(By.id("tf-description")).sendKeys("Nightly stock sync, created in the console");
            console.click(By.cssSelector("#tf-flows input[data-flow=inventory-sync]"));
            WebElement cron = console.find(By.id("tf-cron"));
            cron.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
            cron.sendKeys("61 * * * *");
            console.until(() -> console.attribute(By.id("tf-cron-msg"), "data-state").equals("bad")
                    && console.text(By.id("tf-cron-msg")).contains("'61 * * * *'"));
            assertThat(console.text(By.id("tf-cron-msg"))).contains("not in range");
            assertThat(console.text(By.id("cron-error"))).contains("The server rejects this schedule");
            console.click(By.id("tf-submit"));
            assertThat(console.hash()).as("an invalid schedule is not submitted").isEqualTo("#/triggers/new");
            cron.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
            cron.sendKeys("30 2 * * MON-FRI");
            new org.openqa.selenium.support.ui.Select(console.find(By.id("tf-timezone"))).selectByValue("Europe/Paris");
            console.until(() -> console.attribute(By.id("tf-cron-msg"), "data-state").equals("ok")
                    && console.all(By.cssSelector("#cron-ticks li")).size() == 5
                    && console.text(By.id("tf-preview-title")).contains("Europe/Paris")
                    && console.text(By.id("cron-description")).contains("Friday"));
            assertThat(console.text(By.id("cron-description"))).contains("02:30", "Monday");
            assertThat(console.all(By.cssSelector("#cron-ticks li"))).allSatisfy(li ->
                    assertThat(li.getText()).contains("02:30:00").containsAnyOf("CET", "CEST", "GMT+1", "GMT+2"));
            // an exclusion rule the server refuses is the Except field's error, the cron staying valid
            WebElement except = console.find(By.id("tf-exclude"));
            except.sendKeys("christmas");
            console.until(() -> "bad".equals(console.attribute(By.id("tf-exclude-msg"), "data-state")));
            assertThat(console.text(By.id("tf-exclude-msg"))).contains("NVENT-0236", "christmas");
            assertThat(console.attribute(By.id("tf-cron-msg"), "data-state")).isEqualTo("ok");
            except.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
            console.until(() -> console.attribute(By.id("tf-cron-msg"), "data-state").equals("ok")
                    && !"bad".equals(console.attribute(By.id("tf-exclude-msg"), "data-state")));
            // its own misfire policy and grace, instead of the deployment's
            new org.openqa.selenium.support.ui.Select(console.find(By.id("tf-misfire"))).selectByValue("fire-once");
            console.find(By.id("tf-misfire-grace")).sendKeys("PT2H");
            console.script("document.activeElement.blur(); window.scrollTo(0, 0);");
            console.screenshot("13-trigger-create");
            console.click(By.id("tf-submit"));
            console.until(() -> console.hash().equals("#/triggers/ui-nightly"));
            JsonObject created = http.get("api/nvent/triggers/ui-nightly").json();
            assertThat(created.getString("cron")).isEqualTo("30 2 * * MON-FRI");
            assertThat(created.getString("timezone")).isEqualTo("Europe/Paris");
            assertThat(created.getBoolean("declared")).isFalse();
            assertThat(created.getBoolean("enabled")).isTrue();
            assertThat(created.getString("misfire")).isEqualTo("fire-once");
            assertThat(created.getString("misfireGrace")).isEqualTo("PT2H");
            console.until(() -> console.text(By.id("trigger-misfire")).contains("the latest one fires once"));
            assertThat(console.text(By.id("trigger-misfire"))).contains("its own policy, fire-once", "PT2H (its own)");
            console.awaitVisible(By.cssSelector("#cron-ticks li"));

            console.click(By.id("trigger-disable"));
            console.awaitVisible(By.id("confirm-trigger-disable"));
            console.click(By.id("confirm-trigger-disable"));
            console.until(() -> console.attribute(By.id("trigger-state"), "data-enabled").equals("false"));
            console.awaitVisible(By.cssSelector("#trigger-history li[data-type='trigger.disabled']"));
            assertThat(http.get("api/nvent/triggers/ui-nightly").json().getBoolean("enabled")).isFalse();
            // The page renders again as the trigger's history arrives: ask the element of the moment.
            console.until(() -> !console.find(By.id("fire-trigger")).isEnabled());   // a disabled trigger cannot be fired
            console.click(By.id("trigger-delete"));
            console.click(By.id("confirm-delete"));
            console.until(() -> console.hash().equals("#/triggers"));
            assertThat(http.get("api/nvent/triggers/ui-nightly").status()).isEqualTo(404);
            // a schedule that inherits shows what the deployment's settings make of "inherit" and where they come from
            JsonObject inheriting = http.get("api/nvent/triggers/every-5-minutes").json();
            assertThat(inheriting.getString("misfire")).isEqualTo("inherit");
            assertThat(inheriting.getJsonObject("effectiveMisfire")).isEqualTo(Json.createObjectBuilder()
                    .add("policy", "fire-once").add("policyFrom", "deployment").add("grace", "P1D")
                    .add("graceFrom", "deployment").build());
            console.go("#/triggers/every-5-minutes");
            console.until(() -> console.text(By.id("trigger-misfire")).contains("(deployment setting nvent.triggers.misfire)"));
            assertThat(console.text(By.id("trigger-misfire"))).contains("the latest one fires once", "fire-once",
                    "P1D (deployment setting nvent.triggers.misfire-grace)");

            // awaits: resolve the pending approval with JSON, the run completes
            console.go("#/awaits");
            String row = "#awaits-table tr[data-run='" + approval + "']";
            console.awaitVisible(By.cssSelector(row + " [data-resolve]"));
            assertThat(console.text(By.cssSelector(row)).toLowerCase()).contains("expense", "pay", "before", "webhook", "times out", "in ");
            console.until(() -> console.all(By.cssSelector("#toasts .toast")).isEmpty());
            console.screenshot("14-awaits");
            console.click(By.cssSelector(row + " [data-resolve]"));
            WebElement data = console.awaitVisible(By.id("resolve-input"));
            data.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
            data.sendKeys("{\"approvedBy\": \"console\"");
            console.until(() -> console.text(By.id("resolve-input-msg")).startsWith("Invalid JSON"));
            assertThat(console.text(By.id("resolve-input-msg"))).contains("line 1, column 25", "end of the input");
            data.sendKeys("}");
            console.until(() -> console.text(By.id("resolve-input-msg")).equals("Valid JSON"));
            console.click(By.id("resolve-submit"));
            http.awaitRun(approval, "completed");
            console.until(() -> console.all(By.cssSelector(row)).isEmpty());
            JsonObject paid = http.get("api/nvent/runs/" + approval + "/events?types=step.completed").array()
                    .getValuesAs(JsonObject.class).stream().filter(e -> e.getString("step").equals("pay")).findFirst()
                    .orElseThrow();
            assertThat(paid.getJsonObject("data").getJsonObject("result").getString("approval")).contains("console");
            console.click(By.cssSelector("#await-scope [data-scope=all]"));
            console.until(() -> console.attribute(By.cssSelector(row), "data-status").equals("resolved"));

            // the approval link of the other run, opened as from an email: a page, and the answer sent from it
            JsonObject approvalRequest = http.get("api/demo/approvals?runId=" + other).array().getJsonObject(0);
            assertThat(approvalRequest.keySet()).as("the application's own type, bound by the server's JSON-B (nvent's"
                    + " libraries must not make the server bind it with Jackson)").containsOnly("runId", "flow", "step", "url");
            String link = approvalRequest.getString("url");
            java.net.URI page = base.toURI().resolve(java.net.URI.create(link).getPath().substring(1));
            assertThat(http.get(page.getPath().substring(base.getPath().length())).contentType()).startsWith("text/html");
            assertThat(http.get("api/nvent/runs/" + other).json().getString("status")).as("opening answers nothing")
                    .isEqualTo("awaiting");
            console.visit(page);
            console.awaitVisible(By.id("send"));
            assertThat(console.text(By.tagName("main"))).contains("A run waits for your answer", "expense", "pay", other);
            WebElement answer = console.find(By.id("data"));
            answer.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
            answer.sendKeys("{\"approvedBy\": \"mail\"}");
            console.click(By.id("send"));
            console.until(() -> console.text(By.id("result")).equals("Sent. The run goes on."));
            http.awaitRun(other, "completed");
            console.visit(page);
            console.until(() -> console.text(By.tagName("main")).contains("It was answered already."));
            console.go("#/awaits");

            // publish an event: the event trigger starts its flow
            console.find(By.id("event-name")).sendKeys("books.closed");
            WebElement eventPayload = console.find(By.id("event-payload"));
            eventPayload.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
            eventPayload.sendKeys("{\"period\": \"2026-11\"}");
            console.click(By.id("event-publish"));
            console.until(() -> console.text(By.id("event-outcome")).contains("1 run started"));
            String started = console.attribute(By.cssSelector("#event-outcome a.run-link"), "href");
            String eventRun = started.substring(started.indexOf("#/runs/") + "#/runs/".length());
            http.awaitRun(eventRun, "completed");
            assertThat(events(eventRun).get(0).getJsonObject("data").getJsonObject("input").getString("period")).isEqualTo("2026-11");
        } finally {
            http.post("api/nvent/runs/" + other + "/cancel", "");
            http.delete("api/nvent/triggers/on-books-closed");
        }
    }

    // ------------------------------------------------------------------ the console: deadlines, retries, lists

    /** The timeout of the await of {@code runId}, as the API lists it. */
    private Instant awaitTimeout(String runId) {
        return Instant.parse(http.get("api/nvent/awaits").array().getValuesAs(JsonObject.class).stream()
                .filter(a -> a.getString("runId").equals(runId)).findFirst().orElseThrow().getString("timeoutAt"));
    }

    /**
     * A time await with a timeoutMs has a deadline to move, as PUT …/timeout allows: its run's page offers it. An
     * instant typed without a zone was read in the browser's own zone, silently: it is refused, saying which zone the
     * browser is in, and nothing changes; with an offset it moves the deadline to that instant, shown in UTC and in
     * the browser's time before it is sent.
     */
    @Test
    void anOperatorMovesTheDeadlineOfATimeAwaitFromItsRunsPageOnlyToAnInstantWithItsZone() throws Exception {
        assumeTrue(Console.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver");
        String held = start("timed-hold", "{}");
        http.awaitRun(held, "awaiting");
        await().atMost(EVENTUALLY).until(() -> http.get("api/nvent/awaits").array().getValuesAs(JsonObject.class)
                .stream().anyMatch(a -> a.getString("runId").equals(held)));
        Instant before = awaitTimeout(held);
        Instant wanted = Instant.now().plus(Duration.ofDays(5)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        java.time.format.DateTimeFormatter seconds = java.time.format.DateTimeFormatter
                .ofPattern("uuuu-MM-dd'T'HH:mm:ss").withZone(java.time.ZoneOffset.UTC);
        String zoneless = seconds.format(wanted);

        try (Console console = Console.open(http.base(), Http.ADMIN, Http.ADMIN_PASSWORD, Console.SCREENSHOTS)) {
            console.go("#/runs/" + held);
            console.click(By.cssSelector("#run-steps tr[data-step=release] a.deadline-link"));
            WebElement input = console.awaitVisible(By.id("deadline-input"));
            new org.openqa.selenium.support.ui.Select(console.find(By.id("deadline-mode"))).selectByValue("at");
            input.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
            input.sendKeys(zoneless);
            console.until(() -> console.text(By.id("deadline-msg")).startsWith("Give the zone"));
            assertThat(console.text(By.id("deadline-msg"))).contains("Z for UTC", "+01:00", "this browser's is ");
            assertThat(console.find(By.id("deadline-submit")).isEnabled()).as("nothing to send").isFalse();
            console.click(By.id("deadline-submit"));
            assertThat(awaitTimeout(held)).as("nothing changed").isEqualTo(before);

            // the same wall time two hours east of UTC: two hours earlier in UTC
            input.sendKeys("+02:00");
            Instant east = wanted.minus(Duration.ofHours(2));
            console.until(() -> console.text(By.id("deadline-msg")).startsWith("new deadline " + seconds.format(east)
                    + ".000Z (UTC)"));
            assertThat(console.text(By.id("deadline-msg"))).contains("in this browser's zone (");
            console.screenshot("30-deadline-with-zone");
            console.click(By.id("deadline-submit"));
            await().atMost(EVENTUALLY).until(() -> awaitTimeout(held).equals(east));
        } finally {
            http.post("api/nvent/runs/" + held + "/cancel", "");
        }
    }

    /**
     * The run page's Retry beside a failed step asks for a reason, as the other retries do, and the history keeps it;
     * Find opens a run by its short id typed with three dots, as one types what the screens show with an ellipsis.
     */
    @Test
    void theRunPagesRetryOfAFailedStepAsksForAReasonAndFindTakesAShortIdTypedWithThreeDots() throws Exception {
        assumeTrue(Console.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver");
        String broken = start("flaky-once", "{}");
        http.awaitRun(broken, "failed");

        try (Console console = Console.open(http.base(), Http.ADMIN, Http.ADMIN_PASSWORD, Console.SCREENSHOTS)) {
            console.go("#/runs");
            console.find(By.id("run-find")).sendKeys(broken.substring(0, 8) + "...", Keys.ENTER);
            console.until(() -> console.hash().equals("#/runs/" + broken));

            console.click(By.cssSelector("#run-steps tr[data-step=call] button[data-retry-step=call]"));
            console.awaitVisible(By.id("confirm-retry-step"));
            console.find(By.id("action-reason")).sendKeys("partner is back up");
            console.click(By.id("confirm-retry-step"));
            http.awaitRun(broken, "completed");
            assertThat(events(broken)).filteredOn(e -> e.getString("type").equals("step.retry"))
                    .anySatisfy(e -> assertThat(e.toString()).contains("\"operator\":\"admin\"",
                            "\"operatorReason\":\"partner is back up\""));
        }
    }

    /** The dashboard lists the newest 8 active runs: with more, it says "8 of N" and links to all of them. */
    @Test
    void theDashboardSaysHowManyActiveRunsItDoesNotListAndLinksToThem() throws Exception {
        assumeTrue(Console.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver");
        List<String> waiting = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            waiting.add(start("expense", "{\"amount\":" + (i + 1) + ",\"employee\":\"dash\"}"));
        }
        try (Console console = Console.open(http.base(), Http.ADMIN, Http.ADMIN_PASSWORD, Console.SCREENSHOTS)) {
            waiting.forEach(run -> http.awaitRun(run, "awaiting"));
            console.go("#/");
            console.until(() -> console.text(By.id("active-more")).matches("8 of \\d+ active runs: all \\d+ running → · all"
                    + " \\d+ awaiting →"));
            assertThat(Integer.parseInt(console.text(By.id("active-more")).split(" ")[2])).isGreaterThanOrEqualTo(9);
            assertThat(console.all(By.cssSelector("#active-runs tbody tr"))).hasSize(8);
            // a line of the card below the table, not a cell of the table squeezed into its first column
            assertThat(console.find(By.id("active-more")).getSize().getWidth()).as("as wide as the table")
                    .isGreaterThanOrEqualTo(console.find(By.id("active-runs")).getSize().getWidth() * 9 / 10);
            console.screenshot("31-dashboard-active-more");
            assertThat(console.attribute(By.id("active-more-awaiting"), "href")).endsWith("#/runs?status=awaiting");
            assertThat(console.attribute(By.id("active-more-running"), "href")).endsWith("#/runs?status=running");
        } finally {
            waiting.forEach(run -> http.post("api/nvent/runs/" + run + "/cancel", ""));
        }
    }
}
