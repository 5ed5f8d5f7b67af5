package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.FlowStep;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.MemoryAdapters;
import io.nvent.spi.FlowStore;
import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.testkit.LogRecorder;
import org.glassfish.jersey.server.ContainerResponse;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.UriInfo;
import java.io.StringReader;
import java.lang.reflect.Proxy;
import java.security.Principal;
import java.util.List;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /runs} and {@code GET /runs/{runId}} show what the console's run list and run page need
 * without reading a run's history: the error a failed run failed with, the idempotency key a run
 * was started with, and how far a running step has come.
 */
class RunsResourceTest {

    /** Charges a card; an amount over 100 is declined. */
    @FlowStep(flow = "payment", name = "charge", role = StepRole.ENTRY)
    public static class Charge implements Step<Map<String, Integer>, String> {
        @Override
        public String execute(Map<String, Integer> input, StepContext ctx) {
            if (input.get("amount") > 100) {
                throw new IllegalStateException("card declined: limit exceeded\nby the issuer, code 51");
            }
            return "charged";
        }
    }

    /** Holds until its run is canceled. */
    @FlowStep(flow = "export", name = "hold", role = StepRole.ENTRY)
    public static class Hold implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) throws InterruptedException {
            new java.util.concurrent.CountDownLatch(1).await();
            return "held";
        }
    }

    static volatile CountDownLatch importMayEnd = new CountDownLatch(1);

    /** Imports 50,000 rows, reporting each, and waits until the test lets it end. */
    @FlowStep(flow = "import", name = "load", role = StepRole.ENTRY)
    public static class Load implements Step<String, String> {
        @Override
        public String execute(String input, StepContext ctx) throws InterruptedException {
            for (int row = 1; row <= 1200; row++) {
                ctx.reportProgress(row, 50_000, "customers.csv");
            }
            importMayEnd.await();
            return "loaded";
        }
    }

    /** Charges two cards of a checkout, each as a run of its own; the second is declined. */
    @FlowStep(flow = "checkout", name = "charge-each", role = StepRole.ENTRY)
    public static class ChargeEach implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            ctx.startFlow("payment", Map.of("amount", 5));
            ctx.startFlow("payment", Map.of("amount", 500));
            return "charging";
        }
    }

    /** Counted down once a run of export-all has started both exports (each start has looked at its run). */
    static volatile CountDownLatch exportsStarted = new CountDownLatch(1);

    /** Starts two exports that hold until they are canceled, and holds itself. */
    @FlowStep(flow = "export-all", name = "export-each", role = StepRole.ENTRY)
    public static class ExportEach implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) throws InterruptedException {
            ctx.startFlow("export", null);
            ctx.startFlow("export", null);
            exportsStarted.countDown();
            new java.util.concurrent.CountDownLatch(1).await();
            return "exported";
        }
    }

    /** Packs a parcel, and says it is packed only when the input says it is ready. */
    @FlowStep(flow = "parcel", name = "pack", role = StepRole.ENTRY, emits = "packed")
    public static class Pack implements Step<Map<String, Boolean>, String> {
        @Override
        public String execute(Map<String, Boolean> input, StepContext ctx) {
            if (input.get("ready")) {
                ctx.emit("packed", Map.of());
            }
            return "packed";
        }
    }

    /** Sends a packed parcel. */
    @FlowStep(flow = "parcel", name = "send", subscribes = "packed")
    public static class Send implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "sent";
        }
    }

    /** Books a car, then drives it until the run is canceled. */
    @FlowStep(flow = "rental", name = "book-car", role = StepRole.ENTRY, emits = "booked", compensation = "unbook-car")
    public static class BookCar implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            ctx.emit("booked", Map.of());
            return "car-1";
        }
    }

    /** Drives until the run is canceled. */
    @FlowStep(flow = "rental", name = "drive", subscribes = "booked")
    public static class Drive implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) throws InterruptedException {
            new java.util.concurrent.CountDownLatch(1).await();
            return "driven";
        }
    }

    /** Gives the booked car back. */
    @FlowStep(flow = "rental", name = "unbook-car", role = StepRole.COMPENSATION)
    public static class UnbookCar implements Step<String, String> {
        @Override
        public String execute(String car, StepContext ctx) {
            return "gave back " + car;
        }
    }

    private final RunsResource resource = new RunsResource();
    private EmbeddedEngine engine;

    @BeforeEach
    void anEngineWithThePaymentFlow() {
        exportsStarted = new CountDownLatch(1);
        engine = EmbeddedEngine.newBuilder().step(new Charge()).step(new Hold()).step(new Load()).step(new ChargeEach())
                .step(new ExportEach()).step(new Pack()).step(new Send()).step(new BookCar()).step(new Drive())
                .step(new UnbookCar()).build();
        resource.flows = engine.flows();
    }

    @AfterEach
    void closeEngine() {
        engine.close();
    }

    @Test
    void theListShowsTheErrorOfAFailedRunAndTheKeyOfAKeyedOneAndNeitherForARunWithout() {
        String declined = engine.flows().startWithJson("payment", "{\"amount\":500}");
        String keyed = engine.flows().startWithJson("payment", "{\"amount\":5}", StartOptions.idempotent("order-42"))
                .runId();
        String plain = engine.flows().startWithJson("payment", "{\"amount\":7}");
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.flows().run(declined).orElseThrow().status()
                == RunStatus.FAILED && engine.flows().run(plain).orElseThrow().status() == RunStatus.COMPLETED);

        JsonArray listed = listed();

        assertThat(runIn(listed, declined).getString("error"))
                .startsWith("card declined: limit exceeded").contains("by the issuer, code 51");
        assertThat(runIn(listed, declined).containsKey("idempotencyKey")).isFalse();
        assertThat(runIn(listed, keyed).getString("idempotencyKey")).isEqualTo("order-42");
        assertThat(runIn(listed, keyed).containsKey("error")).isFalse();
        assertThat(runIn(listed, plain).keySet()).doesNotContain("error", "idempotencyKey");
    }

    @Test
    void theListOfTheRunsOneRunStartedShowsThemAloneAndTellsTheFailedOneApart() {
        String checkout = engine.flows().start("checkout", null);
        String otherPayment = engine.flows().startWithJson("payment", "{\"amount\":7}");
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.flows().runs(RunQuery.ofFlow("payment")).stream()
                .filter(run -> run.status().isTerminal()).count() == 3);

        ContainerResponse children = api().get("runs?parent=" + checkout);
        ContainerResponse failed = api().get("runs?parent=" + checkout + "&status=failed");
        ContainerResponse tooLong = api().get("runs?parent=" + "r".repeat(256));

        assertThat(children.getStatus()).isEqualTo(200);
        assertThat(parse((String) children.getEntity()).asJsonArray()).hasSize(2).allSatisfy(run ->
                assertThat(run.asJsonObject().getString("parentRunId")).isEqualTo(checkout))
                .noneSatisfy(run -> assertThat(run.asJsonObject().getString("runId")).isEqualTo(otherPayment));
        assertThat(parse((String) failed.getEntity()).asJsonArray()).singleElement()
                .satisfies(run -> assertThat(run.asJsonObject().getString("error")).startsWith("card declined"));
        assertThat(tooLong.getStatus()).isEqualTo(400);
        assertThat(tooLong.getEntity()).asString()
                .contains("query parameter 'parent' must be a run id (at most 255 characters)");
    }

    @Test
    void aCancelWithChildrenCancelsTheRunsTheRunStartedAndSaysHowMany() throws InterruptedException {
        String exportAll = engine.flows().start("export-all", null);
        // Both starts returned, not only both exports stored: a start still to read its run when the cancel comes
        // cancels its export itself, before the cancel lists it, and the cancel counts only the other.
        assertThat(exportsStarted.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

        ContainerResponse misspelt = api().request("POST", "runs/" + exportAll + "/cancel?child=true",
                signedIn("alice"));
        ContainerResponse notABoolean = api().request("POST", "runs/" + exportAll + "/cancel?children=yes",
                signedIn("alice"));
        ContainerResponse canceled = api().request("POST", "runs/" + exportAll + "/cancel?children=true",
                signedIn("alice"));

        assertThat(misspelt.getStatus()).isEqualTo(400);
        assertThat(misspelt.getEntity()).asString().contains("NVENT-0775 query parameter 'child' is not one");
        assertThat(notABoolean.getStatus()).isEqualTo(400);
        assertThat(notABoolean.getEntity()).asString()
                .contains("query parameter 'children' must be one of true, false; was 'yes'");
        assertThat(canceled.getStatus()).isEqualTo(200);
        JsonObject answer = parse((String) canceled.getEntity()).asJsonObject();
        assertThat(answer.getBoolean("canceled")).isTrue();
        assertThat(answer.getString("status")).isEqualTo("canceled");
        assertThat(answer.getInt("descendantsCanceled")).isEqualTo(2);
        assertThat(answer.getBoolean("moreDescendants")).isFalse();
        assertThat(engine.flows().runs(RunQuery.all().withParentRunId(exportAll))).extracting(RunInfo::status)
                .containsOnly(RunStatus.CANCELED);
    }

    @Test
    void aCancelWithCompensateUndoesTheCompletedStepsThenEndsTheRunCanceled() {
        String rental = engine.flows().start("rental", null);
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.flows().run(rental).orElseThrow().steps()
                .get("drive") == StepStatus.RUNNING);

        ContainerResponse notABoolean = api().request("POST", "runs/" + rental + "/cancel?compensate=yes",
                signedIn("alice"));
        ContainerResponse canceled = api().request("POST", "runs/" + rental + "/cancel?compensate=true",
                signedIn("alice"));

        assertThat(notABoolean.getStatus()).isEqualTo(400);
        assertThat(notABoolean.getEntity()).asString()
                .contains("query parameter 'compensate' must be one of true, false; was 'yes'");
        assertThat(canceled.getStatus()).isEqualTo(200);
        JsonObject answer = parse((String) canceled.getEntity()).asJsonObject();
        assertThat(answer.getBoolean("canceled")).isTrue();
        assertThat(answer.getString("status")).isIn("compensating", "canceled");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> engine.flows().run(rental).orElseThrow().status() == RunStatus.CANCELED);
        assertThat(engine.flows().run(rental).orElseThrow().steps()).containsEntry("unbook-car",
                StepStatus.COMPLETED);
    }

    @Test
    void aCancelWithoutChildrenLeavesTheRunsTheRunStartedRunning() {
        String exportAll = engine.flows().start("export-all", null);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> engine.flows().runs(RunQuery.all().withParentRunId(exportAll)).size() == 2);

        JsonObject answer = parse(resource.cancelBody(exportAll, null, null).toString()).asJsonObject();

        assertThat(answer.getInt("descendantsCanceled")).isZero();
        assertThat(engine.flows().runs(RunQuery.all().withParentRunId(exportAll))).extracting(RunInfo::status)
                .containsOnly(RunStatus.RUNNING);
        engine.flows().cancel(exportAll, io.nvent.CancelOptions.withChildren());
    }

    @Test
    void theRunsOfAFlowNoLongerDeployedFilteredByParentOrStatusAreAnEmptyPageNotAnUnknownFlow() {
        FlowStore store = MemoryAdapters.store();
        try (EmbeddedEngine before = EmbeddedEngine.newBuilder().step(new Charge()).store(store).build()) {
            String run = before.flows().startWithJson("payment", "{\"amount\":7}");
            await().atMost(Duration.ofSeconds(10)).until(() -> before.flows().run(run).orElseThrow().status()
                    == RunStatus.COMPLETED);
        }
        engine.close();
        engine = EmbeddedEngine.newBuilder().step(new Load()).store(store).build();

        ContainerResponse ofAParent = api().get("runs?flow=payment&parent=run-of-another-flow");
        ContainerResponse failed = api().get("runs?flow=payment&status=failed");
        ContainerResponse typo = api().get("runs?flow=paymnet");

        assertThat(ofAParent.getStatus()).isEqualTo(200);
        assertThat(parse((String) ofAParent.getEntity()).asJsonArray()).isEmpty();
        assertThat(failed.getStatus()).isEqualTo(200);
        assertThat(parse((String) failed.getEntity()).asJsonArray()).isEmpty();
        assertThat(typo.getStatus()).isEqualTo(404);
    }

    @Test
    void aWaitWithNoEndOfItsOwnOnARunWithADeadlineSaysWhenTheRunTimesOut() {
        StartOptions key = StartOptions.newBuilder().concurrencyKey("customer-43").build();
        String holder = engine.flows().start("export", null, key).runId();
        String next = engine.flows().start("export", null, key.toBuilder().timeout(Duration.ofHours(1)).build())
                .runId();
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.flows().waits(next).stream()
                .anyMatch(wait -> wait.awaitId().isPresent()));

        JsonObject run = parse(resource.get(next)).asJsonObject();
        JsonObject wait = run.getJsonArray("waits").getJsonObject(0);

        assertThat(wait.getString("runDeadline")).isEqualTo(run.getString("deadline"));
        assertThat(wait.getString("detail")).endsWith("; the run times out at " + run.getString("deadline"));
        assertThat(parse(resource.get(holder)).asJsonObject().getJsonArray("waits").getJsonObject(0)
                .isNull("runDeadline")).as("a run without a deadline").isTrue();
        engine.flows().cancel(holder);
        engine.flows().cancel(next);
    }

    @Test
    void aRunWaitingForItsConcurrencyKeyShowsTheTypeOfItsAwaitSoThatNoOneOffersToResolveIt() {
        StartOptions key = StartOptions.newBuilder().concurrencyKey("customer-42").build();
        String holder = engine.flows().start("export", null, key).runId();
        String next = engine.flows().start("export", null, key).runId();
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.flows().waits(next).stream()
                .anyMatch(wait -> wait.awaitId().isPresent()));

        JsonObject wait = parse(resource.get(next)).asJsonObject().getJsonArray("waits").getJsonObject(0);

        assertThat(wait.getString("reason")).isEqualTo("await");
        assertThat(wait.getString("awaitId")).isNotBlank();
        assertThat(wait.getString("awaitType")).isEqualTo("concurrency_key");
        assertThat(parse(resource.get(holder)).asJsonObject().getJsonArray("waits").getJsonObject(0)
                .isNull("awaitType")).as("a running step's wait").isTrue();
        engine.flows().cancel(next);
        engine.flows().cancel(holder);
    }

    @Test
    void theRunsPageShowsTheKeyTheRunWasStartedWith() {
        String keyed = engine.flows().startWithJson("payment", "{\"amount\":5}", StartOptions.idempotent("order-42"))
                .runId();

        JsonObject run = parse(resource.get(keyed)).asJsonObject();

        assertThat(run.getString("idempotencyKey")).isEqualTo("order-42");
    }

    @Test
    void deletingAnEndedRunLogsTheUserWhoAskedAndTheRunIsNotFoundAfterwards() {
        String done = engine.flows().startWithJson("payment", "{\"amount\":5}");
        String kept = engine.flows().startWithJson("payment", "{\"amount\":6}");
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.flows().run(done).orElseThrow().status()
                == RunStatus.COMPLETED && engine.flows().run(kept).orElseThrow().status() == RunStatus.COMPLETED);
        ContainerResponse deleted;
        List<String> logged;
        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-0551"))) {
            deleted = api().request("DELETE", "runs/" + done, signedIn("alice"));
            logged = log.records().stream().map(new SimpleFormatter()::formatMessage).toList();
        }

        assertThat(deleted.getStatus()).isEqualTo(204);
        assertThat(deleted.hasEntity()).isFalse();
        assertThat(logged).singleElement().asString()
                .contains("run " + done + " of flow payment (completed)").endsWith("as operator 'alice' asked");
        assertThat(api().get("runs/" + done).getStatus()).isEqualTo(404);
        ContainerResponse again = api().request("DELETE", "runs/" + done, signedIn("alice"));
        assertThat(again.getStatus()).as("deleted already").isEqualTo(404);
        assertThat(again.getMediaType()).hasToString("application/problem+json");
        assertThat(again.getEntity()).asString().contains("\"title\":\"Run not found\"");
        assertThat(engine.flows().run(kept)).isPresent();
    }

    /** A run of {@code export} once it runs: its step {@code hold} holds until the run is canceled. */
    private String exportRunning() {
        String running = engine.flows().start("export", null);
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.flows().run(running).orElseThrow().status()
                == RunStatus.RUNNING);
        return running;
    }

    @Test
    void deletingARunUnderWayIsRefusedAsAConflictAndKeepsIt() {
        String running = exportRunning();

        ContainerResponse refused = api().request("DELETE", "runs/" + running, null);

        assertThat(refused.getStatus()).isEqualTo(409);
        assertThat(refused.getMediaType()).hasToString("application/problem+json");
        assertThat(refused.getEntity()).asString().contains("cannot be deleted: cancel it first");

        assertThat(engine.flows().run(running)).isPresent();
        engine.flows().cancel(running);
    }

    @Test
    void aCancelWithAReasonNamesTheSignedInUserAndTheReasonInTheRunsHistoryAndTheAuditLog() {
        String running = exportRunning();
        ContainerResponse canceled;
        List<String> audit;
        try (LogRecorder log = LogRecorder.recording(entry -> "io.nvent.audit".equals(entry.getLoggerName()))) {
            canceled = api().request("POST", "runs/" + running + "/cancel?reason=customer%20called%20to%20cancel",
                    signedIn("alice"));
            audit = log.records().stream().map(new SimpleFormatter()::formatMessage).toList();
        }

        assertThat(canceled.getStatus()).isEqualTo(200);
        JsonObject entry = parse(engine.flows().events(running, EventQuery.all()).stream()
                .filter(e -> e.type() == EventType.FLOW_CANCEL).findFirst().orElseThrow().data()).asJsonObject();
        assertThat(entry.getString("operator")).isEqualTo("alice");
        assertThat(entry.getString("operatorReason")).isEqualTo("customer called to cancel");
        assertThat(audit).containsExactly("NVENT-0016 operator alice canceled run " + running
                + " (reason: customer called to cancel)");
    }

    @Test
    void aUserWhoseNameHas300CharactersCancelsUnderAShortenedNameInTheHistoryAndTheWholeNameInTheAuditLog() {
        String dn = "cn=Alice Example," + "ou=operations,".repeat(20) + "o=" + "x".repeat(300 - 17 - 280 - 2);
        String running = exportRunning();
        ContainerResponse canceled;
        List<String> audit;
        try (LogRecorder log = LogRecorder.recording(entry -> "io.nvent.audit".equals(entry.getLoggerName()))) {
            canceled = api().request("POST", "runs/" + running + "/cancel?reason=customer%20called", signedIn(dn));
            audit = log.records().stream().map(new SimpleFormatter()::formatMessage).toList();
        }

        assertThat(dn).hasSize(300);
        assertThat(canceled.getStatus()).isEqualTo(200);
        assertThat(engine.flows().run(running).orElseThrow().status()).isEqualTo(RunStatus.CANCELED);
        String recorded = parse(engine.flows().events(running, EventQuery.all()).stream()
                .filter(e -> e.type() == EventType.FLOW_CANCEL).findFirst().orElseThrow().data()).asJsonObject()
                .getString("operator");
        assertThat(recorded).isEqualTo(io.nvent.Operator.signedIn(dn).name()).startsWith(dn.substring(0, 180))
                .hasSizeLessThanOrEqualTo(io.nvent.Operator.MAX_NAME_LENGTH);
        assertThat(audit).containsExactly("NVENT-0016 operator " + dn + " (in the history: " + recorded
                + ") canceled run " + running + " (reason: customer called)");
    }

    @Test
    void aReasonTooLongOrOnTwoLinesIsRefusedAs400AndNothingIsCanceledAndWithoutAUserTheOperatorIsAnonymous() {
        String running = exportRunning();

        ContainerResponse tooLong = api().request("POST", "runs/" + running + "/cancel?reason=" + "x".repeat(1_001),
                signedIn("alice"));
        ContainerResponse twoLines = api().request("POST", "runs/" + running + "/cancel?reason=one%0Atwo",
                signedIn("alice"));

        assertThat(tooLong.getStatus()).isEqualTo(400);
        assertThat(tooLong.getMediaType()).hasToString("application/problem+json");
        assertThat(tooLong.getEntity()).asString().contains("NVENT-0734 query parameter 'reason' refused: NVENT-1101")
                .contains("it has 1001");
        assertThat(twoLines.getStatus()).isEqualTo(400);
        assertThat(twoLines.getEntity()).asString().contains("NVENT-0785 query parameter 'reason' holds a control");
        assertThat(engine.flows().run(running).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);

        assertThat(api().request("POST", "runs/" + running + "/cancel", null).getStatus()).isEqualTo(200);
        JsonObject entry = parse(engine.flows().events(running, EventQuery.all()).stream()
                .filter(e -> e.type() == EventType.FLOW_CANCEL).findFirst().orElseThrow().data()).asJsonObject();
        assertThat(entry.getString("operator")).isEqualTo("anonymous");
        assertThat(entry.containsKey("operatorReason")).isFalse();
    }

    /**
     * A reason of 1,000 Japanese characters is some 9 KB percent-encoded: as {@code ?reason=} the server's request-line
     * limit refused it before nvent saw it. In the {@code Nvent-Reason} header it is recorded whole.
     */
    @Test
    void aCancelWithAThousandJapaneseCharactersOfReasonInTheNventReasonHeaderRecordsTheWholeReason() {
        String reason = "顧客から電話があり注文の取り消しを依頼された".repeat(50).substring(0, 1_000);
        String running = exportRunning();
        ContainerResponse canceled;
        List<String> audit;
        try (LogRecorder log = LogRecorder.recording(entry -> "io.nvent.audit".equals(entry.getLoggerName()))) {
            canceled = api().request("POST", "runs/" + running + "/cancel", signedIn("alice"),
                    "Nvent-Reason", java.net.URLEncoder.encode(reason, java.nio.charset.StandardCharsets.UTF_8));
            audit = log.records().stream().map(new SimpleFormatter()::formatMessage).toList();
        }

        assertThat(canceled.getStatus()).isEqualTo(200);
        JsonObject entry = parse(engine.flows().events(running, EventQuery.all()).stream()
                .filter(e -> e.type() == EventType.FLOW_CANCEL).findFirst().orElseThrow().data()).asJsonObject();
        assertThat(entry.getString("operator")).isEqualTo("alice");
        assertThat(entry.getString("operatorReason")).isEqualTo(reason);
        assertThat(audit).containsExactly("NVENT-0016 operator alice canceled run " + running + " (reason: " + reason
                + ")");
    }

    @Test
    void aNventReasonHeaderThatIsNotPercentEncodedUtf8IsRefusedSayingWhatIsWrongAndNothingIsCanceled() {
        String running = exportRunning();

        ContainerResponse cutEscape = api().request("POST", "runs/" + running + "/cancel", signedIn("alice"),
                "Nvent-Reason", "customer%2");
        ContainerResponse notUtf8 = api().request("POST", "runs/" + running + "/cancel", signedIn("alice"),
                "Nvent-Reason", "caf%E9");
        ContainerResponse notEncoded = api().request("POST", "runs/" + running + "/cancel", signedIn("alice"),
                "Nvent-Reason", "café");
        ContainerResponse twice = api().request("POST", "runs/" + running + "/cancel", signedIn("alice"),
                "Nvent-Reason", "one", "Nvent-Reason", "two");
        ContainerResponse twoLines = api().request("POST", "runs/" + running + "/cancel", signedIn("alice"),
                "Nvent-Reason", "one%0Atwo");

        assertThat(cutEscape.getStatus()).isEqualTo(400);
        assertThat(cutEscape.getMediaType()).hasToString("application/problem+json");
        assertThat(cutEscape.getEntity()).asString().contains("NVENT-1125").contains("'%2'")
                .contains("at character 9").contains("encodeURIComponent");
        assertThat(notUtf8.getStatus()).isEqualTo(400);
        assertThat(notUtf8.getEntity()).asString().contains("NVENT-1125").contains("not UTF-8");
        assertThat(notEncoded.getStatus()).isEqualTo(400);
        assertThat(notEncoded.getEntity()).asString().contains("NVENT-1125").contains("'é' at character 4");
        assertThat(twice.getStatus()).isEqualTo(400);
        assertThat(twice.getEntity()).asString().contains("NVENT-1127").contains("2 times");
        assertThat(twoLines.getStatus()).isEqualTo(400);
        assertThat(twoLines.getEntity()).asString().contains("NVENT-0734 the Nvent-Reason header refused: NVENT-1101");
        assertThat(engine.flows().run(running).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
        engine.flows().cancel(running);
    }

    @Test
    void aReasonGivenInTheQueryAndDifferentlyInTheNventReasonHeaderIsRefusedNamingBothAndTheSameInBothIsTaken() {
        String running = exportRunning();

        ContainerResponse conflicting = api().request("POST", "runs/" + running + "/cancel?reason=customer%20called",
                signedIn("alice"), "Nvent-Reason", "fraud%20suspected");

        assertThat(conflicting.getStatus()).isEqualTo(400);
        assertThat(conflicting.getEntity()).asString().contains("NVENT-1126")
                .contains("'customer called'").contains("'fraud suspected'");
        assertThat(engine.flows().run(running).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);

        ContainerResponse same = api().request("POST", "runs/" + running + "/cancel?reason=customer%20called",
                signedIn("alice"), "Nvent-Reason", "customer%20called");
        assertThat(same.getStatus()).isEqualTo(200);
        JsonObject entry = parse(engine.flows().events(running, EventQuery.all()).stream()
                .filter(e -> e.type() == EventType.FLOW_CANCEL).findFirst().orElseThrow().data()).asJsonObject();
        assertThat(entry.getString("operatorReason")).isEqualTo("customer called");
    }

    /** A blank reason is none, in the header as in the query: a client sending both, one empty, is not refused. */
    @Test
    void anEmptyReasonInTheQueryOrTheNventReasonHeaderGivesWayToTheOther() {
        String first = engine.flows().start("export", null);
        String second = engine.flows().start("export", null);
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.flows().run(first).orElseThrow().status()
                == RunStatus.RUNNING && engine.flows().run(second).orElseThrow().status() == RunStatus.RUNNING);

        ContainerResponse emptyQuery = api().request("POST", "runs/" + first + "/cancel?reason=", signedIn("alice"),
                "Nvent-Reason", "customer%20called");
        ContainerResponse emptyHeader = api().request("POST", "runs/" + second + "/cancel?reason=fraud%20suspected",
                signedIn("alice"), "Nvent-Reason", "");

        assertThat(emptyQuery.getStatus()).isEqualTo(200);
        assertThat(emptyHeader.getStatus()).isEqualTo(200);
        assertThat(cancelEntry(first).getString("operatorReason")).isEqualTo("customer called");
        assertThat(cancelEntry(second).getString("operatorReason")).isEqualTo("fraud suspected");
    }

    @Test
    void aReasonGivenTwiceInTheQueryIsRefusedBesideTheNventReasonHeaderToo() {
        String running = exportRunning();

        ContainerResponse twice = api().request("POST", "runs/" + running + "/cancel?reason=&reason=customer%20called",
                signedIn("alice"), "Nvent-Reason", "fraud%20suspected");

        assertThat(twice.getStatus()).as("neither reason is dropped unsaid").isEqualTo(400);
        assertThat(twice.getEntity()).asString().contains("reason");
        assertThat(engine.flows().run(running).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
        engine.flows().cancel(running);
    }

    private JsonObject cancelEntry(String runId) {
        return parse(engine.flows().events(runId, EventQuery.all()).stream()
                .filter(e -> e.type() == EventType.FLOW_CANCEL).findFirst().orElseThrow().data()).asJsonObject();
    }

    /** An empty header gives no reason: the query's is the one the next page must carry. */
    @Test
    void aBulkRetryWithItsReasonInTheQueryAndAnEmptyNventReasonHeaderLinksItsNextPageWithTheReason() {
        for (int i = 0; i < 2; i++) {
            String runId = engine.flows().startWithJson("payment", "{\"amount\":500}");
            await().atMost(Duration.ofSeconds(10)).until(() -> engine.flows().run(runId).orElseThrow().status()
                    == RunStatus.FAILED);
        }
        InProcessApi api = InProcessApi.withFlowsResource(engine.flows());

        ContainerResponse page = api.request("POST", "flows/payment/runs/retry-failed?limit=1&reason=outage",
                signedIn("alice"), "Nvent-Reason", "");

        assertThat(page.getStatus()).isEqualTo(200);
        assertThat(page.getHeaderString("Link")).contains("rel=\"next\"", "reason=outage");
    }

    /** Its next page's link would carry the reason in its query, where a long one overran the request line again. */
    @Test
    void aBulkRetryWhoseReasonCameInTheNventReasonHeaderLinksItsNextPageWithoutTheReason() {
        for (int i = 0; i < 2; i++) {
            String runId = engine.flows().startWithJson("payment", "{\"amount\":500}");
            await().atMost(Duration.ofSeconds(10)).until(() -> engine.flows().run(runId).orElseThrow().status()
                    == RunStatus.FAILED);
        }
        InProcessApi api = InProcessApi.withFlowsResource(engine.flows());

        ContainerResponse page = api.request("POST", "flows/payment/runs/retry-failed?limit=1", signedIn("alice"),
                "Nvent-Reason", "%E5%86%8D%E8%A9%A6%E8%A1%8C");

        assertThat(page.getStatus()).isEqualTo(200);
        assertThat(page.getHeaderString("Link")).contains("rel=\"next\"", "limit=1", "after=")
                .doesNotContain("reason");
    }

    /**
     * Bounds that leave no entry between them answered an empty page, which says "nothing further": a
     * client that swapped them took the history for read to its end.
     */
    @Test
    void historyBoundsThatCrossAreRefusedNamingBothAndBoundsThatMeetAreAnEmptyPage() {
        String runId = completedPayment();

        ContainerResponse crossed = api().get("runs/" + runId + "/events?after=3&before=2");

        assertThat(crossed.getStatus()).isEqualTo(400);
        assertThat(crossed.getEntity()).asString().contains("NVENT-0773 query parameter 'before' (2) must be greater "
                + "than 'after' (3)");
        assertThat(api().get("runs/" + runId + "/events?after=3&before=3").getStatus()).isEqualTo(400);
        assertThat(api().get("runs/" + runId + "/events?after=" + Long.MAX_VALUE).getEntity()).as("no before sent")
                .asString().contains("NVENT-0774 query parameter 'after' must be").contains("9223372036854775806")
                .doesNotContain("before");
        ContainerResponse meeting = api().get("runs/" + runId + "/events?after=2&before=3");
        assertThat(meeting.getStatus()).isEqualTo(200);
        assertThat(meeting.getEntity()).asString().isEqualTo("[]");
        assertThat(parse((String) api().get("runs/" + runId + "/events?after=1&before=3").getEntity()).asJsonArray())
                .singleElement().extracting(entry -> entry.asJsonObject().getInt("seq")).isEqualTo(2);
    }

    /** These 400s named neither the parameter nor what it takes, and had no message id. */
    @Test
    void anUnknownEventTypeAndARunOfAnotherFlowAreRefusedAsTheQueryParameterTheyAre() {
        String payment = completedPayment();

        ContainerResponse bogusType = api().get("runs/" + payment + "/events?types=step.completed,step.complete");
        assertThat(bogusType.getStatus()).isEqualTo(400);
        assertThat(bogusType.getEntity()).asString().contains("NVENT-0774 query parameter 'types' must be "
                + "comma-separated event types (flow.start, ", "and 'step.complete' is none; was "
                + "'step.completed,step.complete'");

        FlowsResource flows = new FlowsResource();
        flows.flows = engine.flows();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> flows.graph("import", payment, uri()))
                .hasMessage("NVENT-0774 query parameter 'runId' must be a run of flow 'import', and it is a run of "
                        + "flow 'payment'; was '" + payment + "'");
    }

    /** {@code types=,,} listed every entry, as if no filter had been given. */
    @Test
    void anEventTypeFilterWithAnEmptyItemIsRefusedAndAnEmptyFilterStillListsEveryType() {
        String payment = completedPayment();

        for (String types : List.of(",,", "step.completed,", "step.completed,,log", " , ")) {
            ContainerResponse refused = api().get("runs/" + payment + "/events?types="
                    + java.net.URLEncoder.encode(types, java.nio.charset.StandardCharsets.UTF_8));
            assertThat(refused.getStatus()).as(types).isEqualTo(400);
            assertThat(refused.getEntity()).asString().as(types).contains("NVENT-0766 query parameter 'types' has an "
                    + "empty item; was '" + types + "'");
        }
        ContainerResponse all = api().get("runs/" + payment + "/events?types=");
        assertThat(all.getStatus()).isEqualTo(200);
        assertThat(parse((String) all.getEntity()).asJsonArray()).hasSizeGreaterThan(1);
    }

    /** The 409 said only the engine's reason, without a message id or what to do instead. */
    @Test
    void aRerunFromAStepWhoseSubscriptionsTheRunNeverEmittedIs409WithAnIdAndWhatToDo() {
        String runId = engine.flows().startWithJson("parcel", "{\"ready\":false}");
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.flows().run(runId).orElseThrow().status()
                == RunStatus.COMPLETED);

        ContainerResponse refused = api().requestWithBody("POST", "runs/" + runId + "/steps/send/rerun", "");

        assertThat(refused.getStatus()).isEqualTo(409);
        assertThat(refused.getMediaType()).hasToString("application/problem+json");
        assertThat(refused.getEntity()).asString().contains("NVENT-0765 step 'send' cannot be rerun from run '" + runId
                + "': its subscriptions [packed] were not all emitted in that run; rerun from an earlier step",
                "restart the run (POST /api/nvent/runs/" + runId + "/restart)");
        assertThat(engine.flows().runs(RunQuery.ofFlow("parcel"))).hasSize(1);
    }

    /** {@code {"a":1} x} was taken for {@code {"a":1}}: the rest went unnoticed. */
    @Test
    void anEmittedPayloadWithTextAfterItsJsonValueIsRefusedAndNotEmitted() {
        String runId = engine.flows().startWithJson("export", "{}");
        // Counted once its step has started, whose entry would otherwise land between the two counts.
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.flows().events(runId, io.nvent.EventQuery.all())
                .stream().anyMatch(entry -> entry.type() == io.nvent.EventType.STEP_STARTED));
        int entries = engine.flows().events(runId, io.nvent.EventQuery.all()).size();

        ContainerResponse refused = api().requestWithBody("POST", "runs/" + runId + "/emit/nudge",
                "{\"a\":1} x", "Content-Type", "application/json");

        assertThat(refused.getStatus()).isEqualTo(400);
        assertThat(refused.getEntity()).asString().contains("NVENT-0758 the payload of event 'nudge' is not one JSON "
                + "value: text follows the JSON value, which ends at line 1, column 7; send one JSON value");
        assertThat(engine.flows().events(runId, io.nvent.EventQuery.all())).hasSize(entries);
    }

    /**
     * Three parallel restarts of one run, all with one key, answered 201 with three new runs: a client retrying
     * after a timeout started duplicates.
     */
    @Test
    void restartsWithOneIdempotencyKeySentAtOnceCreateOneRunAndTheOthersAreAnsweredItWith200() {
        String original = completedPayment();

        List<ContainerResponse> answers = atOnce(3, () -> api().requestWithBody("POST", "runs/" + original + "/restart",
                "", "Idempotency-Key", "restart-7"));

        assertThat(answers).extracting(ContainerResponse::getStatus).containsExactlyInAnyOrder(201, 200, 200);
        ContainerResponse created = answers.stream().filter(a -> a.getStatus() == 201).findFirst().orElseThrow();
        String copy = parse((String) created.getEntity()).asJsonObject().getString("runId");
        assertThat(parse((String) created.getEntity())).isEqualTo(parse("{\"runId\":\"" + copy
                + "\",\"restartOf\":\"" + original + "\",\"created\":true}"));
        assertThat(answers).filteredOn(a -> a.getStatus() == 200).allSatisfy(replayed -> {
            assertThat(parse((String) replayed.getEntity())).isEqualTo(parse("{\"runId\":\"" + copy
                    + "\",\"restartOf\":\"" + original + "\",\"created\":false}"));
            assertThat(replayed.getHeaderString("Idempotent-Replayed")).isEqualTo("true");
            assertThat(replayed.getLocation()).isEqualTo(created.getLocation());
        });
        assertThat(engine.flows().runs(RunQuery.ofFlow("payment"))).hasSize(2);
    }

    @Test
    void aRepeatedRerunWithTheSameKeyIsAnsweredTheFirstRunAndTheKeyForAnotherStepOrARestartIs422() {
        String original = completedPayment();
        String rerun = "runs/" + original + "/steps/charge/rerun";

        ContainerResponse first = api().requestWithBody("POST", rerun, "", "Idempotency-Key", "rerun-7");
        ContainerResponse again = api().requestWithBody("POST", rerun, "", "Idempotency-Key", "rerun-7");
        ContainerResponse restart = api().requestWithBody("POST", "runs/" + original + "/restart", "",
                "Idempotency-Key", "rerun-7");

        assertThat(first.getStatus()).isEqualTo(201);
        String copy = parse((String) first.getEntity()).asJsonObject().getString("runId");
        assertThat(again.getStatus()).isEqualTo(200);
        assertThat(parse((String) again.getEntity())).isEqualTo(parse("{\"runId\":\"" + copy + "\",\"rerunOf\":\""
                + original + "\",\"fromStep\":\"charge\",\"created\":false}"));
        assertThat(restart.getStatus()).isEqualTo(422);
        assertThat(restart.getMediaType()).hasToString("application/problem+json");
        assertThat(restart.getEntity()).asString().contains("NVENT-0276 idempotency key 'rerun-7' of flow 'payment' "
                + "already started run " + copy + " by a rerun of run " + original + " from step 'charge', so it "
                + "cannot be the key of a restart of run " + original);
        assertThat(engine.flows().runs(RunQuery.ofFlow("payment"))).hasSize(2);
    }

    @Test
    void restartsWithoutAKeyEachCreateARunAndAKeyThatIsNoPrintableAsciiIs400() {
        String original = completedPayment();

        ContainerResponse one = api().requestWithBody("POST", "runs/" + original + "/restart", "");
        ContainerResponse two = api().requestWithBody("POST", "runs/" + original + "/restart", "");
        ContainerResponse badKey = api().requestWithBody("POST", "runs/" + original + "/restart", "",
                "Idempotency-Key", "caf\u00e9");

        assertThat(List.of(one.getStatus(), two.getStatus())).containsOnly(201);
        assertThat(one.getEntity()).isNotEqualTo(two.getEntity());
        assertThat(badKey.getStatus()).isEqualTo(400);
        assertThat(badKey.getEntity()).asString().contains("NVENT-0757 the Idempotency-Key header holds a character "
                + "that is not ASCII");
        assertThat(engine.flows().runs(RunQuery.ofFlow("payment"))).hasSize(3);
    }

    /** The answers of {@code count} requests sent at once. */
    private static List<ContainerResponse> atOnce(int count, java.util.function.Supplier<ContainerResponse> request) {
        List<ContainerResponse> answers = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        io.nvent.testkit.Concurrently.run(count, sender -> answers.add(request.get()));
        return answers;
    }

    /** A run of the payment flow that completed. */
    private String completedPayment() {
        String runId = engine.flows().startWithJson("payment", "{\"amount\":7}");
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.flows().run(runId).orElseThrow().status()
                == RunStatus.COMPLETED);
        return runId;
    }

    /** The runs resource over this test's engine, with the API's exception mappers, in a JAX-RS runtime. */
    private InProcessApi api() {
        return InProcessApi.of(engine.flows(), RunsResource.class);
    }

    @Test
    void aRunStartedAndAnEventPublishedOverRestNameTheSignedInUserAndTheirReason() {
        InProcessApi api = InProcessApi.withFlowsResource(engine.flows(), EventsResource.class);
        ContainerResponse started;
        ContainerResponse published;
        List<String> audit;
        try (LogRecorder log = LogRecorder.recording(entry -> "io.nvent.audit".equals(entry.getLoggerName()))) {
            started = api.request("POST", "flows/export/runs?reason=nightly%20export%20missed", signedIn("alice"));
            published = api.request("POST", "events/packed?reason=replayed%20by%20hand", signedIn("bob"));
            audit = log.records().stream().map(new SimpleFormatter()::formatMessage).toList();
        }

        assertThat(started.getStatus()).isEqualTo(201);
        String runId = parse((String) started.getEntity()).asJsonObject().getString("runId");
        JsonObject start = parse(engine.flows().events(runId, EventQuery.all()).stream()
                .filter(e -> e.type() == EventType.FLOW_START).findFirst().orElseThrow().data()).asJsonObject();
        assertThat(start.getString("operator")).isEqualTo("alice");
        assertThat(start.getString("operatorReason")).isEqualTo("nightly export missed");
        assertThat(published.getStatus()).isEqualTo(200);
        assertThat(audit).containsExactly(
                "NVENT-0016 operator alice started a run of flow 'export': run " + runId
                        + " (reason: nightly export missed)",
                "NVENT-0016 operator bob published event 'packed' (reason: replayed by hand)");
        engine.flows().cancel(runId);
    }

    /** A request of a user signed in with this name. */
    private static SecurityContext signedIn(String user) {
        return (SecurityContext) Proxy.newProxyInstance(RunsResourceTest.class.getClassLoader(),
                new Class<?>[] {SecurityContext.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getUserPrincipal" -> (Principal) () -> user;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void theRunsPageShowsHowFarARunningStepHasComeInItsWait() {
        importMayEnd = new CountDownLatch(1);
        String runId = engine.flows().startWithJson("import", "\"customers.csv\"");
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> !engine.flows().progress(runId).isEmpty());

            JsonObject wait = parse(resource.get(runId)).asJsonObject().getJsonArray("waits").getJsonObject(0);

            assertThat(wait.getString("reason")).isEqualTo("running");
            JsonObject progress = wait.getJsonObject("progress");
            assertThat(progress.getJsonNumber("done").longValue()).isEqualTo(1200);
            assertThat(progress.getJsonNumber("total").longValue()).isEqualTo(50_000);
            assertThat(progress.getInt("percent")).isEqualTo(2);
            assertThat(progress.getString("message")).isEqualTo("customers.csv");
            assertThat(Instant.parse(progress.getString("reportedAt"))).isNotNull();
            assertThat(wait.getString("detail")).contains("reported 1200 of 50000 done (2 %)");
        } finally {
            importMayEnd.countDown();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.flows().run(runId).orElseThrow().status()
                == RunStatus.COMPLETED);
        assertThat(parse(resource.get(runId)).asJsonObject().getJsonArray("waits")).isEmpty();
    }

    /** {@code GET /runs}, as {@link RunsResource#list} answers it (its body; the link needs a JAX-RS runtime). */
    private JsonArray listed() {
        return RunsResource.listBody(resource.page(RunsResource.query(null, null, null, null, null, null, uri()), null));
    }

    private static JsonObject runIn(JsonArray runs, String runId) {
        return runs.stream().map(JsonObject.class::cast).filter(run -> run.getString("runId").equals(runId))
                .findFirst().orElseThrow();
    }

    private static jakarta.json.JsonValue parse(String json) {
        return Representations.JSON.createReader(new StringReader(json)).readValue();
    }

    /** A request without query parameters. */
    private static UriInfo uri() {
        MultivaluedMap<String, String> query = new MultivaluedHashMap<>();
        return (UriInfo) Proxy.newProxyInstance(RunsResourceTest.class.getClassLoader(),
                new Class<?>[] {UriInfo.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getQueryParameters" -> query;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
