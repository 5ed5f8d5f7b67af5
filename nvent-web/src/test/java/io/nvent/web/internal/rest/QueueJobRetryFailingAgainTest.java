package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowService;
import io.nvent.FlowStep;
import io.nvent.RunInfo;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.QueueControls;
import io.nvent.spi.JobQueue;
import io.nvent.spi.JobRecord;
import io.nvent.spi.JobState;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.glassfish.jersey.internal.inject.AbstractBinder;
import org.glassfish.jersey.server.ContainerResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * "The partner is still down": a step's failed job retried over REST (alone or in a redrive) whose new attempt
 * fails again at once stays a failed job with its new error, the run's step shows that error, and the job can be
 * retried again; it is not taken for an older job of the step and discarded.
 */
class QueueJobRetryFailingAgainTest {

    /** Whether the partner refuses transfers now. */
    static final AtomicBoolean PARTNER_DOWN = new AtomicBoolean();
    /** Transfers tried so far. */
    static final AtomicInteger TRIES = new AtomicInteger();

    /** Fails at once, with no retry of the queue's, while the partner is down. */
    @FlowStep(flow = "payout", name = "transfer", role = StepRole.ENTRY, maxAttempts = 1)
    public static class Transfer implements Step<Map<String, Integer>, String> {
        @Override
        public String execute(Map<String, Integer> input, StepContext ctx) {
            int tried = TRIES.incrementAndGet();
            if (PARTNER_DOWN.get()) {
                throw new IllegalStateException("partner down (try " + tried + ")");
            }
            return "sent";
        }
    }

    private EmbeddedEngine engine;
    private InProcessApi api;

    @BeforeEach
    void anEngineWhoseWorkerFailsARetriedTransferBeforeTheRetryAnswers() {
        PARTNER_DOWN.set(true);
        TRIES.set(0);
        engine = EmbeddedEngine.newBuilder().step(new Transfer()).build();
        FlowService fastWorker = workerFailingBeforeRetryReturns(engine.flows(), engine.queue());
        api = InProcessApi.of(new AbstractBinder() {
            @Override
            protected void configure() {
                bind(fastWorker).to(FlowService.class);
                bind(engine.queue()).to(JobQueue.class);
                bind(Clock.systemUTC()).to(Clock.class);
                bind(new QueueControls()).to(QueueControls.class);
            }
        }, QueuesResource.class);
    }

    @AfterEach
    void closeEngine() {
        engine.close();
    }

    @Test
    void aRetriedJobThatFailsAgainAtOnceIsStillFailedWithItsNewErrorAndRetriesAgain() {
        String runId = failedRun();
        JobRecord job = failedJobs().get(0);

        ContainerResponse retried = api.request("POST", "queues/" + job.queue() + "/jobs/" + job.jobId() + "/retry",
                null);

        assertThat(retried.getStatus()).as(String.valueOf(retried.getEntity())).isEqualTo(200);
        assertThat(read(retried).getString("state")).isNotEqualTo("discarded");
        assertThat(failedJobs()).as("the queue lists the job failed, with its new error").singleElement()
                .satisfies(again -> assertThat(again.jobId()).isEqualTo(job.jobId()))
                .satisfies(again -> assertThat(again.lastError()).hasValueSatisfying(error ->
                        assertThat(error).contains("(try 2)")));
        RunInfo run = engine.flows().run(runId).orElseThrow();
        assertThat(run.status()).isEqualTo(RunStatus.FAILED);
        assertThat(run.steps()).containsEntry("transfer", StepStatus.FAILED);
        assertThat(run.error()).hasValueSatisfying(error -> assertThat(error).contains("(try 2)"));

        PARTNER_DOWN.set(false);
        assertThat(api.request("POST", "queues/" + job.queue() + "/jobs/" + job.jobId() + "/retry", null)
                .getStatus()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.flows().run(runId).orElseThrow().status()
                == RunStatus.COMPLETED);
    }

    @Test
    void aFailedJobOfARunDeletedSinceIsDiscardedNotRunAgain() {
        String runId = failedRun();
        JobRecord job = failedJobs().get(0);
        engine.flows().deleteRun(runId);
        int tries = TRIES.get();

        ContainerResponse retried = api.request("POST", "queues/" + job.queue() + "/jobs/" + job.jobId() + "/retry",
                null);

        assertThat(retried.getStatus()).as(String.valueOf(retried.getEntity())).isEqualTo(200);
        assertThat(read(retried).getString("state")).isEqualTo("discarded");
        assertThat(read(retried).getString("reason")).contains("run " + runId + " is gone");
        assertThat(engine.queue().job(job.queue(), job.jobId())).isEmpty();
        assertThat(TRIES.get()).isEqualTo(tries);
    }

    @Test
    void twoOperatorsRetryingTheSameJobAtOnceRunItOnce() {
        String runId = failedRun();
        JobRecord job = failedJobs().get(0);
        PARTNER_DOWN.set(false);
        String path = "queues/" + job.queue() + "/jobs/" + job.jobId() + "/retry";
        ContainerResponse[] other = new ContainerResponse[1];
        FlowService flows = engine.flows();
        FlowService racing = (FlowService) Proxy.newProxyInstance(FlowService.class.getClassLoader(),
                new Class<?>[] {FlowService.class}, (proxy, method, args) -> {
                    if (method.getName().equals("retryStep") && other[0] == null) {
                        other[0] = api.request("POST", path, null);   // the other operator, between read and retry
                    }
                    Object result = invoke(method, flows, args);
                    return method.getName().equals("actingAs") ? proxy : result;
                });
        InProcessApi first = InProcessApi.of(new AbstractBinder() {
            @Override
            protected void configure() {
                bind(racing).to(FlowService.class);
                bind(engine.queue()).to(JobQueue.class);
                bind(Clock.systemUTC()).to(Clock.class);
                bind(new QueueControls()).to(QueueControls.class);
            }
        }, QueuesResource.class);

        ContainerResponse mine = first.request("POST", path, null);

        assertThat(other[0].getStatus()).as(String.valueOf(other[0].getEntity())).isEqualTo(200);
        assertThat(mine.getStatus()).as(String.valueOf(mine.getEntity())).isEqualTo(409);
        await().atMost(Duration.ofSeconds(10)).until(() -> flows.run(runId).orElseThrow().status()
                == RunStatus.COMPLETED);
        assertThat(TRIES.get()).as("the first try and one retry").isEqualTo(2);
        assertThat(failedJobs()).isEmpty();
    }

    @Test
    void aRedriveWhoseJobFailsAgainAtOnceCountsItRedrivenAndLeavesItFailed() {
        String runId = failedRun();
        String queueName = failedJobs().get(0).queue();

        ContainerResponse redrive = api.request("POST", "queues/" + queueName + "/redrive", null);

        assertThat(redrive.getStatus()).as(String.valueOf(redrive.getEntity())).isEqualTo(200);
        JsonObject body = read(redrive);
        assertThat(body.getInt("redriven")).isEqualTo(1);
        assertThat(body.getInt("discarded")).isZero();
        assertThat(body.getInt("remaining")).isEqualTo(1);
        assertThat(engine.flows().run(runId).orElseThrow().error()).hasValueSatisfying(error ->
                assertThat(error).contains("(try 2)"));
    }

    private String failedRun() {
        String runId = engine.flows().start("payout", Map.of("amount", 500));
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.flows().run(runId).orElseThrow().status()
                == RunStatus.FAILED && !failedJobs().isEmpty());
        return runId;
    }

    private List<JobRecord> failedJobs() {
        return engine.queue().jobs("payout", JobState.FAILED, 0, 10);
    }

    private static JsonObject read(ContainerResponse response) {
        return Json.createReader(new StringReader(String.valueOf(response.getEntity()))).readObject();
    }

    /**
     * The engine's flows, as seen by an operator whose step retry returns only once its new attempt has failed
     * again and been recorded, in the run and in the queue: a worker quicker than the request, as it is when the partner refuses at once.
     */
    private static FlowService workerFailingBeforeRetryReturns(FlowService flows, JobQueue queue) {
        return (FlowService) Proxy.newProxyInstance(FlowService.class.getClassLoader(),
                new Class<?>[] {FlowService.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("retryStep")) {
                        Object result = invoke(method, flows, args);
                        return method.getName().equals("actingAs")
                                ? workerFailingBeforeRetryReturns((FlowService) result, queue) : result;
                    }
                    String runId = (String) args[0];
                    int failuresBefore = failures(flows, runId);
                    Object result = invoke(method, flows, args);
                    if (PARTNER_DOWN.get()) {
                        await().atMost(Duration.ofSeconds(10)).until(() -> failures(flows, runId) > failuresBefore
                                && flows.run(runId).orElseThrow().status() == RunStatus.FAILED
                                && !queue.jobs("payout", JobState.FAILED, 0, 10).isEmpty());
                    }
                    return result;
                });
    }

    private static int failures(FlowService flows, String runId) {
        return (int) flows.events(runId, EventQuery.all()).stream().filter(e -> e.type() == EventType.STEP_FAILED)
                .count();
    }

    private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
