package io.nvent.war;

import io.nvent.war.stories.DelayedJobProbe;
import io.nvent.war.stories.StoriesResource;
import io.nvent.war.stories.TimeoutFlows;
import io.nvent.war.stories.TransactionProbe;
import io.nvent.war.stories.TreeFlows;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import java.io.File;
import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
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
 * The demo WAR plus a few test flows on Payara Micro (and on WildFly 38 in nvent-wildfly-it), with
 * the queue on JMS (embedded Artemis RAR on Payara, WildFly's own broker there): transactions, delayed jobs, schedule triggers, approvals by webhook, await timeouts and
 * signed webhook triggers — each a story a user would try.
 */
@ExtendWith(ArquillianExtension.class)
class WorkflowStoriesIT {

    @Deployment(testable = false)
    static WebArchive demoWithTestFlows() {
        return ShrinkWrap.createFromZipFile(WebArchive.class, new File(System.getProperty("nvent.war")))
                .addClasses(TimeoutFlows.class, TimeoutFlows.FailsOnTimeout.class,
                        TimeoutFlows.ContinuesOnTimeout.class, TransactionProbe.class, TransactionProbe.Count.class,
                        DelayedJobProbe.class, StoriesResource.class, StoriesResource.StoriesApplication.class,
                        TreeFlows.class, TreeFlows.Root.class, TreeFlows.Branch.class, TreeFlows.Leaf.class,
                        TreeFlows.HeldRoot.class, TreeFlows.HeldLeaf.class);
    }

    @ArquillianResource
    URL base;

    Http http;

    @BeforeEach
    void client() {
        http = new Http(base);
    }

    private List<String> eventTypes(String runId) {
        return http.get("api/nvent/runs/" + runId + "/events").array().getValuesAs(JsonObject.class).stream()
                .map(e -> e.getString("type")).toList();
    }

    private String start(String flow, String input) {
        Http.Reply reply = http.post("api/nvent/flows/" + flow + "/runs", input);
        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        return reply.json().getString("runId");
    }

    /** The approval URL the demo's hook received, as a path on this server, also once its await is closed. */
    private String approvalPathOf(String runId) {
        await().atMost(Duration.ofSeconds(20)).until(() ->
                !http.get("api/demo/approvals?all=true&runId=" + runId).array().isEmpty());
        String url = http.get("api/demo/approvals?all=true&runId=" + runId).array().getJsonObject(0).getString("url");
        return URI.create(url).getPath().substring(1);
    }

    // ------------------------------------------------------------ queue on JMS

    @Test
    void flowsRunOverJmsAndRetriesShowEveryAttempt() {
        String order = start("order", "{\"id\":\"J-1\",\"item\":\"lamp\",\"quantity\":1}");
        String flaky = start("retry-demo", "{}");

        http.awaitRun(order, "completed");
        http.awaitRun(flaky, "completed");
        assertThat(http.get("api/nvent/runs/" + flaky + "/events?types=step.retry").array()
                .getValuesAs(JsonObject.class)).extracting(e -> e.getInt("attempt")).containsExactly(1, 2);
    }

    @Test
    void aDelayedJobStartsNoEarlierThanItsDelay() {
        assertThat(http.post("api/stories/delayed/late-1/1500", "").status()).isEqualTo(204);

        await().atMost(Duration.ofSeconds(20)).until(() -> http.get("api/stories/delayed/late-1").status() == 200);
        long lateness = Long.parseLong(http.get("api/stories/delayed/late-1").body());
        assertThat(lateness).as("ms after the due time").isGreaterThanOrEqualTo(0);
    }

    @Test
    void aRunStartedInARolledBackTransactionNeverExecutesAndACommittedOneDoes() {
        int before = Integer.parseInt(http.get("api/stories/tx/executions").body());

        http.post("api/stories/tx/rollback", "");
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() ->
                Integer.parseInt(http.get("api/stories/tx/executions").body()) == before);

        String committed = http.post("api/stories/tx/commit", "").body();
        http.awaitRun(committed, "completed");
        assertThat(Integer.parseInt(http.get("api/stories/tx/executions").body())).isEqualTo(before + 1);
    }

    // ------------------------------------------------------------ triggers

    @Test
    void aScheduleTriggerFiringEverySecondStartsOneRunPerTick() {
        Http.Reply created = http.post("api/nvent/triggers", "{\"name\":\"every-second\",\"type\":\"schedule\","
                + "\"cron\":\"* * * * * *\",\"flows\":[\"inventory-sync\"]}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);

        await().atMost(Duration.ofSeconds(20)).until(() ->
                http.get("api/nvent/triggers/every-second").json().getJsonObject("stats").getInt("fires") >= 3);
        assertThat(http.post("api/nvent/triggers/every-second/disable", "").status()).isEqualTo(200);

        List<JsonObject> fired = http.get("api/nvent/triggers/every-second?history=100").json()
                .getJsonArray("history").getValuesAs(JsonObject.class).stream()
                .filter(e -> e.getString("type").equals("trigger.fired")).toList();
        Set<String> ticks = fired.stream().map(e -> e.getJsonObject("data").getJsonObject("payload")
                .getString("scheduledAt")).collect(Collectors.toSet());
        assertThat(ticks).as("one fire per tick").hasSize(fired.size());
        String runId = fired.get(0).getJsonObject("data").getJsonArray("runs").getString(0);
        http.awaitRun(runId, "completed");
    }

    @Test
    void schedulesWithStepsInListsAndRangesAndAnOffsetZoneArmOnTheServersTimerAndFire() {
        Http.Reply stepped = http.post("api/nvent/triggers", "{\"name\":\"every-other-second\",\"type\":\"schedule\","
                + "\"cron\":\"*/2,*/3 * * * * *\",\"timezone\":\"+01:00\",\"flows\":[\"inventory-sync\"]}");
        assertThat(stepped.status()).as(stepped.body()).isEqualTo(201);
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> http.get("api/nvent/triggers/every-other-second").json()
                    .getJsonObject("stats").getInt("fires") >= 2);
        } finally {
            http.post("api/nvent/triggers/every-other-second/disable", "");
        }
        Http.Reply refused = http.post("api/nvent/triggers/sync-now/fire", "[1]");
        assertThat(refused.status()).as("a fire that starts nothing is no success").isEqualTo(400);
        assertThat(refused.json().getString("detail")).contains("trigger 'sync-now' started no run");
        Http.Reply surrogate = http.post("api/nvent/triggers/sync-now/fire", "{\"s\":\"\\ud800\"}");
        assertThat(surrogate.status()).isEqualTo(400);
        assertThat(surrogate.json().getString("detail")).contains("unpaired surrogate");
        Http.Reply dated = http.post("api/nvent/triggers", "{\"name\":\"odd-days\",\"type\":\"schedule\","
                + "\"cron\":\"0 0 1-31/2 JAN-DEC/2 *\",\"flows\":[\"inventory-sync\"]}");
        assertThat(dated.status()).as(dated.body()).isEqualTo(201);
        assertThat(http.delete("api/nvent/triggers/odd-days").status()).isEqualTo(204);
    }

    @Test
    void invalidCronExpressionsAreRejectedWithTheReason() {
        Http.Reply bad = http.post("api/nvent/triggers", "{\"name\":\"broken\",\"type\":\"schedule\","
                + "\"cron\":\"99 * * * *\",\"flows\":[\"inventory-sync\"]}");

        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().getString("detail")).contains("99 * * * *");
        Http.Reply preview = http.get("api/nvent/triggers/cron-preview?cron=*/5%20*%20*%20*%20*");
        assertThat(preview.json().getString("description")).containsIgnoringCase("5 minutes");
        assertThat(preview.json().getJsonArray("next")).hasSize(5);
        Http.Reply never = http.get("api/nvent/triggers/cron-preview?cron=0%200%2031%202%20*");
        assertThat(never.status()).isEqualTo(400);
        assertThat(never.json().getString("detail")).contains("never fires");
    }

    @Test
    void signedWebhookTriggersRejectWrongSignaturesAndStartRunsForRightOnes() throws Exception {
        String body = "{\"partner\":\"acme\",\"sku\":\"A-7\"}";
        String timestamp = String.valueOf(Instant.now().getEpochSecond());
        Http anonymous = Http.anonymous(base);
        assertThat(http.get("api/nvent/triggers/partner-order").json().getBoolean("signed")).isTrue();

        Http.Reply wrong = anonymous.post("api/nvent/triggers/partner-order/webhook", body,
                "X-Nvent-Timestamp", timestamp, "X-Nvent-Signature", "sha256=" + "00".repeat(32));
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.contentType()).startsWith("application/problem+json");

        Http.Reply unsigned = anonymous.post("api/nvent/triggers/partner-order/webhook", body);
        assertThat(unsigned.status()).isEqualTo(401);

        Http.Reply signed = anonymous.post("api/nvent/triggers/partner-order/webhook", body,
                "X-Nvent-Timestamp", timestamp, "X-Nvent-Signature", "sha256=" + Http.demoSignature(timestamp + "." + body));
        assertThat(signed.status()).as(signed.body()).isEqualTo(202);
        http.awaitRun(signed.json().getJsonArray("runs").getString(0), "completed");

        Http.Reply replayed = anonymous.post("api/nvent/triggers/partner-order/webhook", body,
                "X-Nvent-Timestamp", timestamp, "X-Nvent-Signature", "sha256=" + Http.demoSignature(timestamp + "." + body));
        assertThat(replayed.status()).as(replayed.body()).isEqualTo(409);
        assertThat(replayed.json().getString("detail")).contains("accepted before");
        String later = String.valueOf(Long.parseLong(timestamp) + 1);
        assertThat(anonymous.post("api/nvent/triggers/partner-order/webhook", body, "X-Nvent-Timestamp", later,
                "X-Nvent-Signature", "sha256=" + Http.demoSignature(later + "." + body)).status()).as("signed anew").isEqualTo(202);

        assertThat(anonymous.post("api/nvent/triggers/no-such-trigger/webhook", body).status()).isEqualTo(401);
        assertThat(anonymous.get("api/nvent/triggers/partner-order/webhook").status()).isEqualTo(405);
    }

    @Test
    void aSignedWebhookWithAnEmptyBodyStartsARun() throws Exception {
        String timestamp = String.valueOf(Instant.now().getEpochSecond());

        Http.Reply signed = Http.anonymous(base).post("api/nvent/triggers/partner-order/webhook", "",
                "X-Nvent-Timestamp", timestamp, "X-Nvent-Signature", "sha256=" + Http.demoSignature(timestamp + "."));

        assertThat(signed.status()).as(signed.body()).isEqualTo(202);
        assertThat(signed.json().getJsonArray("runs")).hasSize(1);
    }

    @Test
    void theWebhookOfATriggerThatIsNoWebhookIsNotFoundForAnOperatorAndLooksSignedToAnyoneElse() {
        Http.Reply manual = new Http(base).post("api/nvent/triggers/sync-now/webhook", "{}");

        assertThat(manual.status()).isEqualTo(404);
        assertThat(manual.contentType()).startsWith("application/problem+json");
        assertThat(manual.json().getString("detail")).isEqualTo("NVENT-0762 no webhook trigger named 'sync-now'; "
                + "check the trigger's name in the URL (POST /api/nvent/triggers/{name}/webhook)");
        assertThat(new Http(base).post("api/nvent/triggers/no-such-trigger/webhook", "{}").json()
                .getString("detail")).startsWith("NVENT-0762 no webhook trigger named 'no-such-trigger'; ");

        Http.Reply signed = Http.anonymous(base).post("api/nvent/triggers/partner-order/webhook", "{}");
        for (String name : List.of("sync-now", "no-such-trigger")) {
            Http.Reply anonymous = Http.anonymous(base).post("api/nvent/triggers/" + name + "/webhook", "{}");
            assertThat(anonymous.status()).as(name).isEqualTo(401);
            assertThat(anonymous.body()).as(name).isEqualTo(signed.body());
            assertThat(anonymous.headers().allValues("WWW-Authenticate")).as(name)
                    .isEqualTo(signed.headers().allValues("WWW-Authenticate"));
        }
    }

    @Test
    void webhookBodiesOverThePayloadLimitAreRefusedWith413BeforeTheyAreRead() {
        String tooLarge = "\"" + "x".repeat(1024 * 1024) + "\"";
        // Above nvent's 1 MiB, below the containers' own limits (WildFly refuses 10 MB itself, with a
        // bare 400, before the application sees the request), so it is nvent's check that answers.
        long declaredTooLarge = 2_000_000;
        Http anonymous = Http.anonymous(base);

        for (Http.Reply refused : List.of(
                anonymous.postDeclaringLength("api/nvent/triggers/partner-order/webhook", declaredTooLarge),
                anonymous.postChunked("api/nvent/triggers/partner-order/webhook", tooLarge),
                anonymous.postDeclaringLength("api/nvent/awaits/some-token", declaredTooLarge),
                anonymous.postChunked("api/nvent/awaits/some-token", tooLarge))) {
            assertThat(refused.status()).as(refused.body()).isEqualTo(413);
            assertThat(refused.contentType()).startsWith("application/problem+json");
            assertThat(refused.json().getString("detail")).contains("limit of 1048576 bytes",
                    "nvent.payload.max-bytes");
        }
    }

    @Test
    void triggerBodiesOfTheWrongShapeAreRefusedNamingTheField() {
        assertBadTrigger(http.post("api/nvent/triggers", "[]"), "must be a JSON object");
        assertBadTrigger(http.post("api/nvent/triggers", trigger("shape-1", "\"flows\":\"order\"")),
                "\"flows\"", "array of flow names");
        assertBadTrigger(http.post("api/nvent/triggers", trigger("shape-2", "\"flows\":[1,2]")),
                "\"flows\"", "array of flow names");
        assertBadTrigger(http.post("api/nvent/triggers", trigger("shape-3",
                "\"flows\":[\"order\"],\"enabled\":\"yes\"")), "\"enabled\"", "true or false");
        assertBadTrigger(http.post("api/nvent/triggers", "{\"name\":\"shape-4\",\"type\":\"event\","
                + "\"flows\":[\"order\"],\"event\":5}"), "\"event\"", "a string");
        assertBadTrigger(http.put("api/nvent/triggers/sync-now", "[1]"), "must be a JSON object");
        assertThat(http.get("api/nvent/triggers/shape-3").status()).isEqualTo(404);
    }

    @Test
    void triggersThatCouldNotWorkAsMeantAreRefusedAndConflictsAnswer409() {
        assertBadTrigger(http.post("api/nvent/triggers", trigger("twice", "\"flows\":[\"order\",\"order\"]")),
                "'order' twice");
        assertBadTrigger(http.post("api/nvent/triggers", "{\"name\":\"never\",\"type\":\"schedule\","
                + "\"cron\":\"0 0 30 2 *\",\"flows\":[\"inventory-sync\"]}"), "0 0 30 2 *", "never fires");
        assertBadTrigger(http.post("api/nvent/triggers", trigger("cron-preview", "\"flows\":[\"order\"]")),
                "reserved");

        Http.Reply created = http.post("api/nvent/triggers", trigger("ship-now", "\"flows\":[\"inventory-sync\"]"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.location()).hasValueSatisfying(l -> assertThat(l).endsWith("/api/nvent/triggers/ship-now"));
        Http.Reply again = http.post("api/nvent/triggers", trigger("ship-now", "\"flows\":[\"inventory-sync\"]"));
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().getString("detail")).contains("'ship-now' exists already");

        Http.Reply declared = http.delete("api/nvent/triggers/sync-now");
        assertThat(declared.status()).isEqualTo(409);
        assertThat(declared.json().getString("detail")).contains("@Trigger", "disable");
        assertThat(http.delete("api/nvent/triggers/ship-now").status()).isEqualTo(204);
    }

    @Test
    void anOperatorGivesAWebhookTriggerAFixedConcurrencyKeyInTheConsoleThenOneReadFromEachFiresPayloadWithALimit()
            throws Exception {
        assumeTrue(Console.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver");
        Http.Reply created = http.post("api/nvent/triggers", "{\"name\":\"story-keyed\",\"type\":\"webhook\","
                + "\"flows\":[\"inventory-sync\"]}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        try (Console console = Console.open(http.base(), Http.ADMIN, Http.ADMIN_PASSWORD, Console.SCREENSHOTS)) {
            saveConcurrencyKey(console, "story-keyed", "nightly-sync", "", "", "");

            JsonObject fixed = http.get("api/nvent/triggers/story-keyed").json();
            assertThat(fixed.getString("concurrencyKey")).isEqualTo("nightly-sync");
            assertThat(fixed).doesNotContainKeys("concurrencyKeyFrom", "concurrencyKeyPrefix");
            assertThat(fixed.getInt("concurrencyLimit")).as("one at a time unless given").isEqualTo(1);
            console.until(() -> console.text(By.id("trigger-concurrency-key")).contains("nightly-sync"));
            assertThat(console.text(By.id("trigger-concurrency-key"))).contains("one at a time");

            saveConcurrencyKey(console, "story-keyed", "", "/customer/id", "customer: ", "3");

            JsonObject pointer = http.get("api/nvent/triggers/story-keyed").json();
            assertThat(pointer).doesNotContainKey("concurrencyKey");
            assertThat(pointer.getString("concurrencyKeyFrom")).isEqualTo("/customer/id");
            assertThat(pointer.getString("concurrencyKeyPrefix")).as("as typed, its space too").isEqualTo("customer: ");
            assertThat(pointer.getInt("concurrencyLimit")).as("typed as 'at a time'").isEqualTo(3);
            console.until(() -> console.text(By.id("trigger-concurrency-key")).contains("/customer/id"));
            assertThat(console.text(By.id("trigger-concurrency-key"))).contains("customer:", "up to 3 at a time")
                    .doesNotContain("nightly");
            console.screenshot("story-trigger-concurrency-key");
            console.go("#/triggers/story-keyed/edit");
            console.until(() -> console.attribute(By.id("tf-concurrency-key-prefix"), "value").equals("customer: "));
            assertThat(console.attribute(By.id("tf-concurrency-key-from"), "value")).isEqualTo("/customer/id");
            assertThat(console.attribute(By.id("tf-concurrency-key"), "value")).as("the form shows it as stored")
                    .isEmpty();
            assertThat(console.attribute(By.id("tf-concurrency-limit"), "value")).isEqualTo("3");

            Http.Reply fired = Http.anonymous(base).post("api/nvent/triggers/story-keyed/webhook",
                    "{\"customer\":{\"id\":42.0},\"sku\":\"A-7\"}");
            assertThat(fired.status()).as(fired.body()).isEqualTo(202);
            String runId = fired.json().getJsonArray("runs").getString(0);
            JsonObject run = http.get("api/nvent/runs/" + runId).json();
            assertThat(run.getString("concurrencyKey")).isEqualTo("customer: 42");
            assertThat(run.getInt("concurrencyLimit")).as("the trigger's").isEqualTo(3);
            http.awaitRun(runId, "completed");

            // The limit emptied in the form: one at a time again.
            saveConcurrencyKey(console, "story-keyed", "", "/customer/id", "customer: ", "");
            assertThat(http.get("api/nvent/triggers/story-keyed").json().getInt("concurrencyLimit")).isEqualTo(1);
        } finally {
            http.delete("api/nvent/triggers/story-keyed");
        }
    }

    /**
     * The console sent restart and start without an Idempotency-Key: a second click, or a retry after an answer
     * that was lost on its way back, started a second run. Each dialog now sends one key with every try.
     */
    @Test
    void anOperatorWhoDoubleClicksRestartOrStartAndTriesAgainAfterALostAnswerStartsOneRun() throws Exception {
        assumeTrue(Console.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver");
        // Its schedule must not add runs while they are counted.
        assertThat(http.post("api/nvent/triggers/every-5-minutes/disable", "").status()).isEqualTo(200);
        try (Console console = Console.open(http.base(), Http.ADMIN, Http.ADMIN_PASSWORD, Console.SCREENSHOTS)) {
            String original = start("inventory-sync", "{\"tick\":\"story\"}");
            http.awaitRun(original, "completed");
            int runsBefore = inventorySyncRuns();

            console.go("#/runs/" + original);
            loseTheFirstAnswerTo(console, "/runs/" + original + "/restart");
            console.click(By.id("restart-run"));
            console.doubleClick(By.id("confirm-restart-run"));
            console.until(() -> sentKeys(console).size() == 1);
            console.until(() -> console.find(By.id("confirm-restart-run")).isEnabled());
            console.click(By.id("confirm-restart-run"));
            console.until(() -> !console.hash().equals("#/runs/" + original));

            assertThat(inventorySyncRuns()).as("one restart").isEqualTo(runsBefore + 1);
            List<String> restartKeys = sentKeys(console);
            assertThat(restartKeys).as("one key, sent with the lost try and the retry").hasSize(2)
                    .doesNotContainNull().containsOnly(restartKeys.get(0));
            String restarted = console.hash().substring("#/runs/".length());
            assertThat(http.get("api/nvent/runs/" + restarted).json().getString("idempotencyKey"))
                    .isEqualTo(restartKeys.get(0));

            console.go("#/flows/inventory-sync");
            loseTheFirstAnswerTo(console, "/flows/inventory-sync/runs");
            console.click(By.id("start-run"));
            console.awaitVisible(By.id("run-submit"));
            console.doubleClick(By.id("run-submit"));
            console.until(() -> sentKeys(console).size() == 1);
            console.until(() -> console.find(By.id("run-submit")).isEnabled());
            console.click(By.id("run-submit"));
            console.until(() -> console.hash().startsWith("#/runs/"));

            assertThat(inventorySyncRuns()).as("one start").isEqualTo(runsBefore + 2);
            List<String> startKeys = sentKeys(console);
            assertThat(startKeys).hasSize(2).doesNotContainNull().containsOnly(startKeys.get(0))
                    .doesNotContain(restartKeys.get(0));
            console.screenshot("story-one-run-per-click");
        } finally {
            http.post("api/nvent/triggers/every-5-minutes/enable", "");
        }
    }

    /**
     * The start dialog's editor enabled its button on every edit, also while the start was under way: an operator
     * who touched the input meanwhile could click again and start a second run.
     */
    @Test
    void theStartButtonStaysDisabledWhileItsRequestIsUnderWayEvenIfTheInputIsEdited() throws Exception {
        assumeTrue(Console.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver");
        try (Console console = Console.open(http.base(), Http.ADMIN, Http.ADMIN_PASSWORD, Console.SCREENSHOTS)) {
            console.go("#/flows/inventory-sync");
            console.script("""
                    const realFetch = window.fetch;
                    window.fetch = async (url, init) => {
                      if (!window.held && new URL(url).pathname.endsWith('/flows/inventory-sync/runs')) {
                        window.held = true;
                        await new Promise((resolve) => { window.release = resolve; });
                      }
                      return realFetch(url, init);
                    };""");
            console.click(By.id("start-run"));
            console.awaitVisible(By.id("run-submit"));
            console.click(By.id("run-submit"));
            console.until(() -> Boolean.TRUE.equals(console.script("return window.held === true;")));

            console.find(By.id("run-input")).sendKeys(" ");

            assertThat(console.find(By.id("run-submit")).isEnabled()).as("while the start is under way").isFalse();
            console.script("window.release();");
            console.until(() -> console.hash().startsWith("#/runs/"));
        }
    }

    private int inventorySyncRuns() {
        return http.get("api/nvent/runs?flow=inventory-sync&limit=1000").array().size();
    }

    /**
     * Makes the page's next request to a path ending so lose its answer, as a dropped connection does after the
     * server acted: the console sees a network failure. Every such request's Idempotency-Key is noted
     * ({@link #sentKeys}).
     */
    private static void loseTheFirstAnswerTo(Console console, String pathEnd) {
        console.script("""
                const pathEnd = arguments[0];
                const realFetch = window.fetch;
                let lost = false;
                window.sentKeys = [];
                window.fetch = async (url, init) => {
                  const answer = await realFetch(url, init);
                  if (new URL(url).pathname.endsWith(pathEnd)) {
                    window.sentKeys.push((init.headers || {})['Idempotency-Key'] || null);
                    if (!lost) { lost = true; throw new TypeError('Failed to fetch'); }
                  }
                  return answer;
                };""", pathEnd);
    }

    @SuppressWarnings("unchecked")
    private static List<String> sentKeys(Console console) {
        return (List<String>) console.script("return window.sentKeys || [];");
    }

    /**
     * An operator finds a queue paused: the Queues screen, the queue's page, its JSON and the health report say who
     * paused it, when and why, until it is resumed.
     */
    @Test
    void aQueuePausedByAnOperatorSaysWhoPausedItWhenAndWhyOnTheQueuesScreenItsPageAndItsJson() throws Exception {
        assumeTrue(Console.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver");
        String queue = http.get("api/nvent/queues").array().getJsonObject(0).getString("name");
        Http.Reply paused = http.post("api/nvent/queues/" + queue + "/pause?reason=supplier%20outage", "");
        assertThat(paused.status()).as(paused.body()).isEqualTo(200);
        try (Console console = Console.open(http.base(), Http.ADMIN, Http.ADMIN_PASSWORD, Console.SCREENSHOTS)) {
            JsonObject pause = paused.json().getJsonObject("pause");
            assertThat(pause.getString("by")).isEqualTo(Http.ADMIN);
            assertThat(pause.getString("reason")).isEqualTo("supplier outage");

            console.go("#/queues");
            By row = By.cssSelector("#queues-table tr[data-queue='" + queue + "'] .change-note");
            console.until(() -> console.text(row).matches("paused by admin at .+: supplier outage"));
            console.go("#/queues/" + queue);
            console.until(() -> console.text(By.id("queue-pause-note")).matches("paused by admin at .+: supplier outage"));
        } finally {
            http.post("api/nvent/queues/" + queue + "/resume", "");
        }
        assertThat(http.get("api/nvent/queues/" + queue).json().isNull("pause")).as("a resume clears it").isTrue();
    }

    @Test
    void anOperatorLabelsAWebhookTriggerInTheConsoleAndItsRunsCarryTheLabelsUntilTheyAreEmptied() throws Exception {
        assumeTrue(Console.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver");
        Http.Reply created = http.post("api/nvent/triggers", "{\"name\":\"story-labelled\",\"type\":\"webhook\","
                + "\"flows\":[\"inventory-sync\"]}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        try (Console console = Console.open(http.base(), Http.ADMIN, Http.ADMIN_PASSWORD, Console.SCREENSHOTS)) {
            saveLabels(console, "story-labelled", "nightly, billing");

            JsonObject labelled = http.get("api/nvent/triggers/story-labelled").json();
            assertThat(labelled.getJsonArray("labels").getValuesAs(JsonString::getString))
                    .containsExactly("billing", "nightly");
            console.until(() -> console.text(By.id("trigger-labels")).contains("billing"));
            console.go("#/triggers/story-labelled/edit");
            console.until(() -> console.attribute(By.id("tf-labels"), "value").equals("billing, nightly"));

            Http.Reply fired = Http.anonymous(base).post("api/nvent/triggers/story-labelled/webhook",
                    "{\"sku\":\"A-7\"}");
            assertThat(fired.status()).as(fired.body()).isEqualTo(202);
            String runId = fired.json().getJsonArray("runs").getString(0);
            assertThat(http.get("api/nvent/runs/" + runId).json().getJsonArray("labels")
                    .getValuesAs(JsonString::getString)).containsExactly("billing", "nightly");
            http.awaitRun(runId, "completed");

            saveLabels(console, "story-labelled", "");
            assertThat(http.get("api/nvent/triggers/story-labelled").json()).doesNotContainKey("labels");
        } finally {
            http.delete("api/nvent/triggers/story-labelled");
        }
    }

    @Test
    void aRunsPageShowsTheRunsBelowItCountedAndOpensAChildToItsOwnChildren() throws Exception {
        assumeTrue(Console.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver");
        String root = start("story-tree", "{}");
        http.awaitRun(root, "completed");
        List<JsonObject> branches = http.get("api/nvent/runs?parent=" + root).array().getValuesAs(JsonObject.class);
        assertThat(branches).hasSize(2);
        for (JsonObject branch : branches) {
            http.awaitRun(branch.getString("runId"), "completed");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> branches.stream().anyMatch(b ->
                http.get("api/nvent/runs?parent=" + b.getString("runId")).array().size() == 1));
        String withLeaf = branches.stream().map(b -> b.getString("runId"))
                .filter(id -> http.get("api/nvent/runs?parent=" + id).array().size() == 1).findFirst().orElseThrow();
        String leaf = http.get("api/nvent/runs?parent=" + withLeaf).array().getJsonObject(0).getString("runId");
        http.awaitRun(leaf, "completed");
        String leafless = branches.stream().map(b -> b.getString("runId")).filter(id -> !id.equals(withLeaf))
                .findFirst().orElseThrow();
        try (Console console = Console.open(http.base(), Http.ADMIN, Http.ADMIN_PASSWORD, Console.SCREENSHOTS)) {
            console.go("#/runs/" + root);

            console.awaitVisible(By.id("runs-below"));
            console.until(() -> console.text(By.id("runs-below-summary"))
                    .contains("descendants: 3, under way: 0, completed 3 / failed 0 / canceled 0"));
            By branchRow = By.cssSelector("#runs-below-tree > li[data-run-id='" + withLeaf + "']");
            console.until(() -> console.text(branchRow).contains("1 below"));
            console.until(() -> console.text(By.cssSelector("#runs-below-tree > li[data-run-id='" + leafless + "']"))
                    .contains("0 below"));
            assertThat(console.all(By.cssSelector("#runs-below-tree > li[data-run-id='" + leafless + "'] > button")))
                    .as("a branch with nothing below it does not open").isEmpty();
            assertThat(console.all(By.cssSelector("li[data-run-id='" + leaf + "']")))
                    .as("the grandchild is not asked for before its parent is opened").isEmpty();

            console.click(By.cssSelector("#runs-below-tree > li[data-run-id='" + withLeaf + "'] > .run-tree-toggle"));

            By leafRow = By.cssSelector("#runs-below-tree > li[data-run-id='" + withLeaf + "'] > ul > li[data-run-id='"
                    + leaf + "']");
            console.awaitVisible(leafRow);
            console.until(() -> console.text(leafRow).contains("story-tree-leaf") && console.text(leafRow)
                    .contains("0 below"));
            console.until(() -> console.attribute(By.cssSelector("#runs-below-tree > li[data-run-id='" + withLeaf
                    + "'] > .run-tree-toggle"), "aria-expanded").equals("true"));
            console.screenshot("run-runs-below");
        }
    }

    /** The Runs below panel follows the live stream: a child that ends shows so, and the counts move, without a reload. */
    @Test
    void aRunsPageShowsAChildOfItEndingAndTheCountsMovingWithoutAReload() throws Exception {
        assumeTrue(Console.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver");
        String root = start("story-tree-held", "{}");
        http.awaitRun(root, "completed");
        await().atMost(Duration.ofSeconds(30)).until(() -> http.get("api/nvent/runs?parent=" + root).array().size() == 1);
        String leaf = http.get("api/nvent/runs?parent=" + root).array().getJsonObject(0).getString("runId");
        http.awaitRun(leaf, "awaiting");
        await().atMost(Duration.ofSeconds(30)).until(() -> http.get("api/nvent/awaits").array()
                .getValuesAs(JsonObject.class).stream().anyMatch(a -> a.getString("runId").equals(leaf)));
        String awaitId = http.get("api/nvent/awaits").array().getValuesAs(JsonObject.class).stream()
                .filter(a -> a.getString("runId").equals(leaf)).findFirst().orElseThrow().getString("awaitId");
        try (Console console = Console.open(http.base(), Http.ADMIN, Http.ADMIN_PASSWORD, Console.SCREENSHOTS)) {
            console.go("#/runs/" + root);
            By leafRow = By.cssSelector("#runs-below-tree > li[data-run-id='" + leaf + "']");
            console.until(() -> console.text(By.id("runs-below-summary"))
                    .contains("descendants: 1, under way: 1, completed 0 / failed 0 / canceled 0"));
            console.until(() -> console.attribute(leafRow, "data-status").equals("awaiting"));

            Http.Reply resolved = http.post("api/nvent/awaits/id/" + awaitId + "/resolve", "{}");
            assertThat(resolved.status()).as(resolved.body()).isEqualTo(200);
            http.awaitRun(leaf, "completed");

            // no console.go: the page as it was opened
            console.until(() -> console.attribute(leafRow, "data-status").equals("completed"));
            console.until(() -> console.text(By.id("runs-below-summary"))
                    .contains("descendants: 1, under way: 0, completed 1 / failed 0 / canceled 0"));
            console.screenshot("run-runs-below-live");
        }
    }

    /**
     * The on-call operator's stuck run: a run behind another's concurrency key. The dashboard tags it "concurrency
     * key" (the run holding the key, awaiting an approval, "await webhook"), and its page links to the run holding
     * the key, not to its queue, which holds nothing; Find opens it by the short id the screens show.
     */
    @Test
    void aRunStuckBehindAConcurrencyKeyIsToldApartFromAnApprovalAndItsPageLinksToTheRunHoldingTheKey()
            throws Exception {
        assumeTrue(Console.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver");
        Http.Reply first = http.post("api/nvent/flows/expense/runs?concurrencyKey=story-stuck", "{\"amount\":7}");
        assertThat(first.status()).as(first.body()).isEqualTo(201);
        String holder = first.json().getString("runId");
        http.awaitRun(holder, "awaiting");
        Http.Reply second = http.post("api/nvent/flows/expense/runs?concurrencyKey=story-stuck", "{\"amount\":8}");
        assertThat(second.status()).as(second.body()).isEqualTo(201);
        String stuck = second.json().getString("runId");
        http.awaitRun(stuck, "awaiting");
        try (Console console = Console.open(http.base(), Http.ADMIN, Http.ADMIN_PASSWORD, Console.SCREENSHOTS)) {
            console.go("#/");
            console.until(() -> console.text(By.cssSelector("#active-runs tr[data-run='" + stuck + "']"))
                    .contains("concurrency key"));
            console.until(() -> console.text(By.cssSelector("#active-runs tr[data-run='" + holder + "']"))
                    .contains("await webhook"));

            console.go("#/runs/" + stuck);
            By link = By.cssSelector("#run-steps tr[data-step='submit'] a.key-holder[data-key-holder='" + holder + "']");
            console.awaitVisible(link);
            assertThat(console.all(By.cssSelector("#run-steps tr[data-step='submit'] a.wait-link")))
                    .as("the queue is not what holds the run").isEmpty();
            console.click(link);
            console.until(() -> console.hash().equals("#/runs/" + holder));
            console.screenshot("run-behind-key-holder");

            // the short id the screens show, copied into Find, opens the run
            console.go("#/runs");
            typeInto(console, "run-find", stuck.substring(0, 8) + "…");
            console.click(By.id("run-find-go"));
            console.until(() -> console.hash().equals("#/runs/" + stuck));
        } finally {
            http.post("api/nvent/runs/" + holder + "/cancel", "");
            http.post("api/nvent/runs/" + stuck + "/cancel", "");
        }
    }

    /** Edits a trigger in the console, typing its labels (comma-separated; "" empties them), and saves. */
    private static void saveLabels(Console console, String trigger, String labels) {
        console.go("#/triggers/" + trigger + "/edit");
        typeInto(console, "tf-labels", labels);
        console.click(By.id("tf-submit"));
        console.until(() -> console.hash().equals("#/triggers/" + trigger));
    }

    /**
     * Edits a trigger in the console, giving its concurrency key inputs and its limit ("at a time") these texts ("" empties
     * one), and saves.
     */
    private static void saveConcurrencyKey(Console console, String trigger, String key, String from, String prefix,
                                           String limit) {
        console.go("#/triggers/" + trigger + "/edit");
        typeInto(console, "tf-concurrency-key", key);
        typeInto(console, "tf-concurrency-key-from", from);
        typeInto(console, "tf-concurrency-key-prefix", prefix);
        typeInto(console, "tf-concurrency-limit", limit);
        console.click(By.id("tf-submit"));
        console.until(() -> console.hash().equals("#/triggers/" + trigger));
    }

    private static void typeInto(Console console, String input, String text) {
        WebElement field = console.awaitVisible(By.id(input));
        field.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
        if (!text.isEmpty()) {
            field.sendKeys(text);
        }
        console.until(() -> console.attribute(By.id(input), "value").equals(text));
    }

    /** A manual trigger with the given name and further fields. */
    private static String trigger(String name, String fields) {
        return "{\"name\":\"" + name + "\",\"type\":\"manual\"," + fields + "}";
    }

    private static void assertBadTrigger(Http.Reply reply, String... detailParts) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(400);
        assertThat(reply.contentType()).startsWith("application/problem+json");
        assertThat(reply.json().getString("detail")).contains(detailParts);
    }

    // ------------------------------------------------------------ awaits

    @Test
    void anApprovalPausesTheRunUntilTheWebhookFromTheHookIsCalledOnce() {
        String runId = start("expense", "{\"amount\":42,\"employee\":\"ada\"}");
        http.awaitRun(runId, "awaiting");
        String approval = approvalPathOf(runId);
        Http anonymous = Http.anonymous(base);

        Http.Reply approved = anonymous.post(approval, "{\"approvedBy\":\"boss\"}");
        assertThat(approved.status()).as(approved.body()).isEqualTo(200);

        http.awaitRun(runId, "completed");
        JsonObject paid = http.get("api/nvent/runs/" + runId + "/events?types=step.completed").array()
                .getValuesAs(JsonObject.class).stream().filter(e -> e.getString("step").equals("pay")).findFirst()
                .orElseThrow();
        assertThat(paid.getJsonObject("data").getJsonObject("result").getString("approval")).contains("boss");
        assertThat(eventTypes(runId)).containsSubsequence("await.registered", "await.resolved", "flow.completed");

        Http.Reply again = anonymous.post(approval, "{\"approvedBy\":\"boss\"}");
        assertThat(again.status()).isEqualTo(409);
        assertThat(http.get("api/demo/approvals?runId=" + runId).array()).as("answered: no longer listed").isEmpty();
        assertThat(anonymous.post("api/nvent/awaits/not-a-real-token", "{}").status()).isEqualTo(404);
    }

    @Test
    void anAwaitTimingOutWithFailFailsTheRunAndItsUrlIsGone() {
        String runId = start("approval-fails", "{}");
        String approval = approvalPathOf(runId);

        http.awaitRun(runId, "failed");

        assertThat(eventTypes(runId)).containsSubsequence("await.registered", "await.timeout", "step.failed",
                "flow.failed");
        assertThat(Http.anonymous(base).post(approval, "{}").status()).isEqualTo(410);
        assertThat(http.get("api/demo/approvals?runId=" + runId).array()).as("timed out: no longer listed").isEmpty();
    }

    @Test
    void anAwaitTimingOutWithContinueRunsTheStepWithoutApproval() {
        String runId = start("approval-continues", "{}");

        http.awaitRun(runId, "completed");

        assertThat(eventTypes(runId)).containsSubsequence("await.registered", "await.timeout", "step.started",
                "step.completed", "flow.completed");
        assertThat(http.get("api/nvent/runs/" + runId + "/events?types=step.completed").array().getJsonObject(0)
                .getJsonObject("data").getString("result")).isEqualTo("went on without approval");
    }
}
