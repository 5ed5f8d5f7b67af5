package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.spi.JobQueue;
import io.nvent.spi.JobRecord;
import io.nvent.spi.JobState;
import io.nvent.testkit.LogRecorder;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.ws.rs.core.SecurityContext;
import java.io.StringReader;
import java.lang.reflect.Proxy;
import java.security.Principal;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.logging.SimpleFormatter;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.glassfish.jersey.server.ContainerResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * "Who retried that dead letter, who paused the mail queue?": a queue's operator endpoints name the signed-in user
 * and their {@code ?reason=} on the audit log, and a job retried there names them in its run's history too. A pause,
 * resume or workers change is audited once, by the engine (NVENT-0016, as a Java caller's through
 * {@code QueueControls.actingAs}), a refused one too (NVENT-0017).
 */
class QueueOperatorsTest {

    /** Whether the issuer declines charges now. */
    static final AtomicBoolean DECLINING = new AtomicBoolean();

    /** Declines every charge while the issuer does. */
    @FlowStep(flow = "payment", name = "charge", role = StepRole.ENTRY)
    public static class Charge implements Step<Map<String, Integer>, String> {
        @Override
        public String execute(Map<String, Integer> input, StepContext ctx) {
            if (DECLINING.get()) {
                throw new IllegalStateException("declined");
            }
            return "charged";
        }
    }

    private EmbeddedEngine engine;
    private InProcessApi api;

    @BeforeEach
    void anEngineWithAFailingFlowAndItsQueuesOverRest() {
        DECLINING.set(true);
        engine = EmbeddedEngine.newBuilder().step(new Charge()).concurrency(4).build();
        api = InProcessApi.withQueues(engine);
    }

    @AfterEach
    void closeEngine() {
        engine.close();
    }

    @Test
    void aFailedJobRetriedByAUserNamesThemAndTheirReasonInTheRunsHistoryAndTheAuditLog() {
        String runId = failedRun();
        JobRecord job = failedJobs().get(0);
        DECLINING.set(false);

        List<String> audit = audited(() -> api.request("POST", "queues/" + job.queue() + "/jobs/" + job.jobId()
                + "/retry?reason=card%20limit%20raised", signedIn("alice")), 200);

        JsonObject retry = data(runId, EventType.STEP_RETRY);
        assertThat(retry.getString("operator")).isEqualTo("alice");
        assertThat(retry.getString("operatorReason")).isEqualTo("card limit raised");
        assertThat(audit).contains("NVENT-0736 operator alice retried job " + job.jobId() + " of queue '"
                + job.queue() + "' (reason: card limit raised)");
    }

    @Test
    void aRedriveAndADiscardNameTheUserOnTheAuditLog() {
        String runId = failedRun();
        String queueName = failedJobs().get(0).queue();
        DECLINING.set(false);

        List<String> redrive = audited(() -> api.request("POST", "queues/" + queueName
                + "/redrive?reason=issuer%20back", signedIn("bob")), 200);
        assertThat(data(runId, EventType.STEP_RETRY).getString("operator")).isEqualTo("bob");
        assertThat(redrive).contains("NVENT-0736 operator bob redrove 1 failed job(s) of queue '" + queueName
                + "' and discarded 0 (reason: issuer back)");

        await().atMost(Duration.ofSeconds(10)).until(() -> engine.flows().run(runId).orElseThrow().status()
                == RunStatus.COMPLETED);
        DECLINING.set(true);
        failedRun();
        JobRecord again = failedJobs().get(0);
        List<String> discard = audited(() -> api.request("DELETE", "queues/" + queueName + "/jobs/"
                + again.jobId() + "?reason=written%20off", signedIn("carol")), 204);
        assertThat(discard).containsExactly("NVENT-0736 operator carol discarded failed job " + again.jobId()
                + " of queue '" + queueName + "' (reason: written off)");
    }

    @Test
    void aQueuePausedAndResumedByAUserIsOnTheAuditLogAndABadReasonPausesNothing() {
        failedRun();
        String name = failedJobs().get(0).queue();

        assertThat(audited(() -> api.request("POST", "queues/" + name + "/pause?reason=" + "x".repeat(1_001),
                signedIn("dave")), 400)).as("a bad reason acts on nothing").isEmpty();
        ContainerResponse refused = api.request("POST", "queues/" + name + "/pause?reason=" + "x".repeat(1_001),
                signedIn("dave"));
        assertThat(refused.getEntity()).asString().contains("NVENT-0734");
        assertThat(audited(() -> api.request("POST", "queues/" + name + "/pause?reason=%C3%A9t%C3%A9%20freeze",
                signedIn("dave")), 200)).containsExactly("NVENT-0016 operator dave paused queue '" + name
                + "' (reason: été freeze)");
        assertThat(audited(() -> api.request("POST", "queues/" + name + "/resume", null), 200))
                .containsExactly("NVENT-0016 operator anonymous resumed queue '" + name + "' (no reason given)");
    }

    @Test
    void aQueuePausedByAUserSaysWhoPausedItWhenAndWhyInItsJsonAndTheListUntilItIsResumed() {
        String name = engine.flows().flows().get(0).steps().get(0).queue();
        java.time.Instant before = java.time.Instant.now();

        api.request("POST", "queues/" + name + "/pause?reason=supplier%20outage", signedIn("alice"));

        JsonObject pause = json(api.get("queues/" + name)).getJsonObject("pause");
        assertThat(pause.getString("by")).isEqualTo("alice");
        assertThat(pause.getString("reason")).isEqualTo("supplier outage");
        assertThat(pause.getBoolean("known")).isTrue();
        assertThat(java.time.Instant.parse(pause.getString("at"))).isBetween(before, java.time.Instant.now());
        assertThat(Json.createReader(new StringReader(String.valueOf(api.get("queues").getEntity()))).readArray()
                .getJsonObject(0).getJsonObject("pause")).as("the list's").isEqualTo(pause);
        api.request("POST", "queues/" + name + "/pause?reason=again", signedIn("bob"));
        assertThat(json(api.get("queues/" + name)).getJsonObject("pause").getString("by"))
                .as("a pause of a paused queue changes nothing").isEqualTo("alice");

        api.request("POST", "queues/" + name + "/resume", signedIn("bob"));
        assertThat(json(api.get("queues/" + name)).isNull("pause")).as("a resume clears it").isTrue();
        engine.queueControls().pause(name);
        JsonObject inCode = json(api.get("queues/" + name)).getJsonObject("pause");
        assertThat(inCode.isNull("by")).as("paused in code, acting as nobody").isTrue();
        assertThat(inCode.isNull("reason")).isTrue();
        assertThat(inCode.getBoolean("known")).isTrue();
    }

    @Test
    void aQueuesWorkersSetToZeroByAUserSayWhoSetThemWhenAndWhyUntilTheyAreRemoved() {
        String name = engine.flows().flows().get(0).steps().get(0).queue();

        api.requestWithBody("PUT", "queues/" + name + "/concurrency?reason=ERP%20struggles", "{\"workers\": 0}",
                "Content-Type", "application/json");

        JsonObject queue = json(api.get("queues/" + name));
        assertThat(queue.isNull("pause")).as("not paused").isTrue();
        JsonObject change = queue.getJsonObject("workersChange");
        assertThat(change.getString("by")).isEqualTo("anonymous");
        assertThat(change.getString("reason")).isEqualTo("ERP struggles");
        assertThat(change.getString("at")).isNotBlank();

        api.request("DELETE", "queues/" + name + "/concurrency", signedIn("erin"));
        assertThat(json(api.get("queues/" + name)).isNull("workersChange")).isTrue();
    }

    @Test
    void aQueuePausedWithTheReasonInTheNventReasonHeaderIsAuditedWithItAndAReadIgnoresTheHeader() {
        failedRun();
        String name = failedJobs().get(0).queue();

        assertThat(audited(() -> api.request("POST", "queues/" + name + "/pause", signedIn("dave"),
                "Nvent-Reason", "%E5%B9%B4%E6%9C%AB freeze, 50%25 off"), 200)).as("printable ASCII stands as it is")
                .containsExactly("NVENT-0016 operator dave paused queue '" + name + "' (reason: 年末 freeze, 50% off)");
        assertThat(api.request("GET", "queues/" + name, signedIn("dave"), "Nvent-Reason", "%zz").getStatus())
                .as("a read takes no reason").isEqualTo(200);
        ContainerResponse bad = api.request("POST", "queues/" + name + "/resume", signedIn("dave"),
                "Nvent-Reason", "%zz");
        assertThat(bad.getStatus()).isEqualTo(400);
        assertThat(bad.getEntity()).asString().contains("NVENT-1125");
        assertThat(json(api.get("queues/" + name)).getBoolean("paused")).as("a bad reason resumes nothing").isTrue();
    }

    @Test
    void anActionOnAQueueNoStepRunsOnAnswers404AndIsAuditedOnceAsRefusedRecordingNothing() {
        String known = engine.flows().flows().get(0).steps().get(0).queue();
        String notFound = "NVENT-0740 no queue named 'invoces'; known queues are [" + known + "]";

        for (String[] action : new String[][] {{"POST", "pause", "pause"}, {"POST", "resume", "resume"},
                {"DELETE", "concurrency", "remove the workers set for"}}) {
            ContainerResponse[] answer = new ContainerResponse[1];
            List<String> audit = audited(() -> answer[0] = api.request(action[0], "queues/invoces/" + action[1]
                    + "?reason=ERP%20down", signedIn("alice")), 404);

            assertThat(audit).as(action[1]).singleElement(as(InstanceOfAssertFactories.STRING))
                    .startsWith("NVENT-0017 operator alice was refused when asking to " + action[2] + " queue 'invoces'"
                            + " (reason: ERP down): NVENT-0061 no queue named 'invoces'");
            assertThat(String.valueOf(answer[0].getEntity())).as(action[1]).contains(notFound);
        }
        ContainerResponse[] answer = new ContainerResponse[1];
        assertThat(audited(() -> answer[0] = api.requestWithBody("PUT", "queues/invoces/concurrency",
                "{\"workers\": 2}", "Content-Type", "application/json"), 404)).singleElement(as(InstanceOfAssertFactories.STRING))
                .startsWith("NVENT-0017 operator anonymous was refused when asking to set the workers of queue"
                        + " 'invoces' to 2 per instance");
        assertThat(String.valueOf(answer[0].getEntity())).contains(notFound);
        assertThat(engine.queue().isPaused("invoces")).as("nothing recorded").isFalse();
        assertThat(engine.queueWorkersOverride("invoces")).isEmpty();
    }

    @Test
    void aQueuesWorkersSetByAUserAreAuditedShownAndRemovedBackToItsConfiguredOnes() {
        failedRun();
        String name = failedJobs().get(0).queue();

        List<String> set = audited(() -> api.requestWithBody("PUT", "queues/" + name
                + "/concurrency?reason=ERP%20struggles", "{\"workers\": 2}", "Content-Type", "application/json"), 200);

        assertThat(set).containsExactly("NVENT-0016 operator anonymous set the workers of queue '" + name
                + "' to 2 per instance (reason: ERP struggles)");
        JsonObject queue = json(api.get("queues/" + name));
        assertThat(queue.getInt("workers")).as("configured").isEqualTo(4);
        assertThat(queue.getInt("workersOverride")).isEqualTo(2);
        assertThat(queue.getInt("workersHere")).isEqualTo(2);

        assertThat(audited(() -> api.request("DELETE", "queues/" + name + "/concurrency", signedIn("erin")), 200))
                .containsExactly("NVENT-0016 operator erin removed the workers set for queue '" + name
                        + "' (no reason given)");
        JsonObject back = json(api.get("queues/" + name));
        assertThat(back.isNull("workersOverride")).isTrue();
        assertThat(back.getInt("workersHere")).isEqualTo(4);
    }

    @Test
    void aBadWorkersBodyAnswers400AndChangesNothing() {
        failedRun();
        String name = failedJobs().get(0).queue();

        for (String body : List.of("{\"workers\": -1}", "{\"workers\": 1001}", "{\"workers\": \"2\"}", "{}",
                "{\"workers\": 2, \"threads\": 2}")) {
            ContainerResponse refused = api.requestWithBody("PUT", "queues/" + name + "/concurrency", body,
                    "Content-Type", "application/json");
            assertThat(refused.getStatus()).as(body).isEqualTo(400);
        }
        assertThat(String.valueOf(api.requestWithBody("PUT", "queues/" + name + "/concurrency", "{\"workers\": 1001}",
                "Content-Type", "application/json").getEntity())).contains("NVENT-0795").contains("0..1000");
        assertThat(engine.queueWorkersOverride(name)).isEmpty();
        assertThat(engine.queueWorkersHere(name)).isEqualTo(4);
    }

    @Test
    void workersOfAQueueWhoseThirdPartyAdapterCannotChangeThemAnswer501WithAnId() {
        // nvent's own queues (memory, PostgreSQL, JMS) can: an adapter written before 0.2 as a third party may not.
        JobQueue memory = io.nvent.cdi.MemoryAdapters.queue(Clock.systemUTC());
        JobQueue fixed = (JobQueue) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {JobQueue.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "resizesWorkers" -> false;
                    case "resizeWorkers" -> throw new UnsupportedOperationException("NVENT-1104 cannot");
                    default -> {
                        try {
                            yield method.invoke(memory, args);
                        } catch (java.lang.reflect.InvocationTargetException e) {
                            throw e.getCause();
                        }
                    }
                });
        try (EmbeddedEngine fixedWorkers = EmbeddedEngine.newBuilder().step(new Charge()).queue(fixed).build()) {
            String name = fixedWorkers.flows().flows().get(0).steps().get(0).queue();

            List<String> audit = audited(() -> InProcessApi.withQueues(fixedWorkers).requestWithBody("PUT", "queues/" + name
                    + "/concurrency?reason=ERP", "{\"workers\": 2}", "Content-Type", "application/json"), 501);
            ContainerResponse refused = InProcessApi.withQueues(fixedWorkers).requestWithBody("PUT", "queues/" + name + "/concurrency",
                    "{\"workers\": 2}", "Content-Type", "application/json");

            assertThat(audit).as("refused, audited once by the engine").singleElement(as(InstanceOfAssertFactories.STRING))
                    .startsWith("NVENT-0017 operator anonymous was refused when asking to set the workers of queue '"
                            + name + "' to 2 per instance (reason: ERP): NVENT-0048");
            assertThat(refused.getStatus()).isEqualTo(501);
            assertThat(String.valueOf(refused.getEntity())).contains("NVENT-0796").contains("NVENT-0048");
            assertThat(fixedWorkers.queueWorkersOverride(name)).as("nothing recorded").isEmpty();
        }
    }

    private static JsonObject json(ContainerResponse response) {
        assertThat(response.getStatus()).isEqualTo(200);
        return Json.createReader(new StringReader(String.valueOf(response.getEntity()))).readObject();
    }

    private String failedRun() {
        String runId = engine.flows().start("payment", Map.of("amount", 500));
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.flows().run(runId).orElseThrow().status()
                == RunStatus.FAILED);
        await().atMost(Duration.ofSeconds(10)).until(() -> !failedJobs().isEmpty());
        return runId;
    }

    private List<JobRecord> failedJobs() {
        return engine.flows().flows().stream().flatMap(f -> f.steps().stream()).map(s -> s.queue()).distinct()
                .flatMap(q -> engine.queue().jobs(q, JobState.FAILED, 0, 10).stream()).toList();
    }

    private static List<String> audited(Supplier<ContainerResponse> request, int status) {
        try (LogRecorder log = LogRecorder.recording(entry -> "io.nvent.audit".equals(entry.getLoggerName()))) {
            ContainerResponse response = request.get();
            assertThat(response.getStatus()).as(String.valueOf(response.getEntity())).isEqualTo(status);
            return log.records().stream().map(new SimpleFormatter()::formatMessage).toList();
        }
    }

    private JsonObject data(String runId, EventType type) {
        String data = engine.flows().events(runId, EventQuery.all()).stream().filter(e -> e.type() == type)
                .reduce((first, second) -> second).orElseThrow().data();
        return Json.createReader(new StringReader(data)).readObject();
    }

    private static SecurityContext signedIn(String user) {
        return (SecurityContext) Proxy.newProxyInstance(QueueOperatorsTest.class.getClassLoader(),
                new Class<?>[] {SecurityContext.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getUserPrincipal" -> (Principal) () -> user;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
