package io.nvent.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.AwaitBefore;
import io.nvent.AwaitType;
import io.nvent.Backfill;
import io.nvent.BackfillResult;
import io.nvent.BackoffType;
import io.nvent.BulkResult;
import io.nvent.BulkRetry;
import io.nvent.CancelOptions;
import io.nvent.CanceledRuns;
import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.ExclusionCalendar;
import io.nvent.FailedAttempt;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.Misfire;
import io.nvent.Overlap;
import io.nvent.RetryDecider;
import io.nvent.RetryDecision;
import io.nvent.RunInfo;
import io.nvent.RunEnded;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.StartedRun;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepFailed;
import io.nvent.StepProgress;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.Trigger;
import io.nvent.TriggerEvent;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.MemoryAdapters;
import io.nvent.cdi.VirtualClock;
import io.nvent.spi.FlowStore;
import io.nvent.spi.SchedulingStore;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The jobs of a JobRunr (and Quartz) application, ported to nvent: each test is one kind of job, written
 * as a user coming from JobRunr writes it with nothing but the README, the API's Javadoc and
 * {@link FlowTestEnvironment}. README "Coming from JobRunr or Quartz" quotes them.
 */
class ComingFromJobRunrTest {

    public record Invoice(String customerId, long amountCents) {
    }

    /** JobRunr: {@code BackgroundJob.enqueue(() -> invoices.send(customerId, amount))}. */
    @FlowStep(flow = "send-invoice", name = "send", role = StepRole.ENTRY)
    static class SendInvoice implements Step<Invoice, Void> {
        final List<Invoice> sent = new CopyOnWriteArrayList<>();

        @Override
        public Void execute(Invoice invoice, StepContext ctx) {
            sent.add(invoice);
            return null;
        }
    }

    /**
     * JobRunr's dashboard, *Servers*: which background job servers run, since when, with how many workers. Here each
     * instance's record, with the workers it runs per queue; a queue none takes is named in {@code untakenQueues}.
     */
    @Test
    void theDashboardsServersAreTheInstancesEachWithTheWorkersItRunsPerQueue() {
        io.nvent.spi.SchedulingStore shared = io.nvent.cdi.MemoryAdapters.schedulingStore();
        try (EmbeddedEngine web = EmbeddedEngine.newBuilder().instanceId("web-1").schedulingStore(shared)
                .step(new SendInvoice()).concurrency("send-invoice", 0).build();
             EmbeddedEngine worker = EmbeddedEngine.newBuilder().instanceId("worker-1").schedulingStore(shared)
                     .step(new SendInvoice()).concurrency("send-invoice", 8).build()) {
            io.nvent.Instances servers = web.flows().instances();

            assertThat(servers.live()).extracting(i -> i.instanceId() + " " + i.queues())
                    .containsExactlyInAnyOrder("web-1 {send-invoice=0}", "worker-1 {send-invoice=8}");
            assertThat(servers.untakenQueues()).isEmpty();
        }
    }

    @Test
    void aFireAndForgetJobIsAOneStepFlowStartedWithItsArguments() {
        SendInvoice send = new SendInvoice();
        try (FlowTestEnvironment env = FlowTestEnvironment.of(send)) {
            String runId = env.flows().start("send-invoice", new Invoice("C-1", 4200));

            assertThat(env.awaitRun(runId).status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(send.sent).containsExactly(new Invoice("C-1", 4200));
        }
    }

    /** JobRunr: {@code BackgroundJob.schedule(now().plus(3, DAYS), () -> reminders.send(customerId))}. */
    @FlowStep(flow = "reminder", name = "remind", role = StepRole.ENTRY)
    static class SendReminder implements Step<Map<String, Object>, Void> {
        final List<Instant> sentAt = new CopyOnWriteArrayList<>();

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            sentAt.add(ctx.clock().instant());
            return null;
        }
    }

    @Test
    void aDelayedJobIsAStartWithADelayThatRunsOnceTheDelayHasPassed() {
        SendReminder remind = new SendReminder();
        try (FlowTestEnvironment env = FlowTestEnvironment.of(remind)) {
            StartedRun run = env.flows().start("reminder", Map.of("customerId", "C-1"),
                    StartOptions.delayed(Duration.ofDays(3)));
            env.advanceTime(Duration.ofDays(3).minusMinutes(1));

            assertThat(env.flows().run(run.runId()).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
            assertThat(remind.sentAt).isEmpty();

            env.advanceTime(Duration.ofMinutes(1));

            assertThat(env.awaitRun(run.runId()).status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(remind.sentAt).containsExactly(FlowTestEnvironment.DEFAULT_START.plus(Duration.ofDays(3)));
        }
    }

    @Test
    void aDelayedJobCanceledBeforeItIsDueNeverRuns() {
        SendReminder remind = new SendReminder();
        try (FlowTestEnvironment env = FlowTestEnvironment.of(remind)) {
            StartedRun run = env.flows().start("reminder", Map.of("customerId", "C-1"),
                    StartOptions.delayed(Duration.ofDays(3)));

            assertThat(env.flows().cancel(run.runId())).isTrue();
            env.advanceTime(Duration.ofDays(4));

            assertThat(env.flows().run(run.runId()).orElseThrow().status()).isEqualTo(RunStatus.CANCELED);
            assertThat(remind.sentAt).isEmpty();

            env.flows().deleteRun(run.runId());   // as BackgroundJob.delete leaves no job: no run, no history

            assertThat(env.flows().run(run.runId())).isEmpty();
        }
    }

    /** A job with no schedule of its own: an admin schedules it at run time, as {@code scheduleRecurrently}. */
    @FlowStep(flow = "cleanup", name = "purge", role = StepRole.ENTRY)
    static class PurgeExpiredCarts implements Step<Map<String, Object>, Void> {
        final List<String> ticks = new CopyOnWriteArrayList<>();

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ticks.add(String.valueOf(input.get("scheduledAt")));
            return null;
        }
    }

    @Test
    void aRecurringJobIsATriggerCreatedChangedAndDeletedAtRunTime() {
        PurgeExpiredCarts purge = new PurgeExpiredCarts();
        try (FlowTestEnvironment env = FlowTestEnvironment.of(purge)) {
            env.triggers().create(TriggerSpec.newBuilder("purge-carts", TriggerType.SCHEDULE)
                    .flow("cleanup").cron("0 2 * * *").build());
            env.advanceTime(Duration.ofDays(1));

            assertThat(purge.ticks).containsExactly("2030-01-01T02:00:00Z");

            env.triggers().update(env.triggers().trigger("purge-carts").orElseThrow().spec().toBuilder()
                    .cron("0 */6 * * *").build());
            env.advanceTime(Duration.ofHours(12));

            assertThat(purge.ticks).containsExactly("2030-01-01T02:00:00Z", "2030-01-02T06:00:00Z",
                    "2030-01-02T12:00:00Z");

            env.triggers().delete("purge-carts");
            env.advanceTime(Duration.ofDays(1));

            assertThat(purge.ticks).hasSize(3);
        }
    }

    @Test
    void aRecurringJobTheApplicationSchedulesAtEveryStartAsScheduleRecurrentlyDoesIsCreatedOnceAndFollowsTheCode() {
        PurgeExpiredCarts purge = new PurgeExpiredCarts();
        try (FlowTestEnvironment env = FlowTestEnvironment.of(purge)) {
            TriggerSpec nightly = TriggerSpec.newBuilder("purge-carts", TriggerType.SCHEDULE)
                    .flow("cleanup").cron("0 2 * * *").build();
            env.triggers().createOrUpdate(nightly);
            env.triggers().createOrUpdate(nightly); // the next start
            env.advanceTime(Duration.ofDays(1));

            assertThat(purge.ticks).containsExactly("2030-01-01T02:00:00Z");

            env.triggers().createOrUpdate(nightly.toBuilder().cron("0 3 * * *").build()); // a start with new settings
            env.advanceTime(Duration.ofDays(1));

            assertThat(purge.ticks).containsExactly("2030-01-01T02:00:00Z", "2030-01-02T03:00:00Z");
        }
    }

    /** JobRunr: {@code BackgroundJob.enqueue(UUID id, …)}: the same id twice enqueues one job. */
    @FlowStep(flow = "charge", name = "charge", role = StepRole.ENTRY)
    static class ChargeOrder implements Step<Map<String, Object>, Void> {
        final AtomicInteger charges = new AtomicInteger();

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            charges.incrementAndGet();
            return null;
        }
    }

    @Test
    void aJobThatMustNotRunTwiceForAnOrderIsStartedWithTheOrderAsItsIdempotencyKey() {
        ChargeOrder charge = new ChargeOrder();
        try (FlowTestEnvironment env = FlowTestEnvironment.of(charge)) {
            Map<String, Object> order = Map.of("orderId", "A-1", "amount", 42);
            StartedRun first = env.flows().start("charge", order, StartOptions.idempotent("charge-A-1"));
            env.awaitRun(first.runId());
            StartedRun again = env.flows().start("charge", order, StartOptions.idempotent("charge-A-1"));

            assertThat(again).isEqualTo(new StartedRun(first.runId(), false));
            assertThat(charge.charges).hasValue(1);
            assertThat(env.flows().runByIdempotencyKey("charge", "charge-A-1")).map(RunInfo::runId)
                    .contains(first.runId());
        }
    }

    /** JobRunr: {@code @Job(retries = 3)}; the backoff is nvent's own, exponential from one minute. */
    @FlowStep(flow = "sync", name = "push", role = StepRole.ENTRY, maxAttempts = 4, backoff = BackoffType.EXPONENTIAL,
            backoffDelayMs = 60_000, backoffMaxDelayMs = 3_600_000)
    static class PushToErp implements Step<Map<String, Object>, Void> {
        final AtomicBoolean erpDown = new AtomicBoolean(true);
        final List<Instant> attempts = new CopyOnWriteArrayList<>();

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            attempts.add(ctx.clock().instant());
            if (erpDown.get()) {
                throw new IllegalStateException("ERP unavailable");
            }
            return null;
        }
    }

    @Test
    void aRetriedJobWaitsOneTwoAndFourMinutesBetweenItsFourAttemptsThenFails() {
        PushToErp push = new PushToErp();
        try (FlowTestEnvironment env = FlowTestEnvironment.newBuilder().step(push).autoSkipTime(true).build()) {
            String runId = env.flows().start("sync", Map.of());

            assertThat(env.awaitEnd(runId, Duration.ofSeconds(10)).status()).isEqualTo(RunStatus.FAILED);
            Instant start = FlowTestEnvironment.DEFAULT_START;
            assertThat(push.attempts).containsExactly(start, start.plus(Duration.ofMinutes(1)),
                    start.plus(Duration.ofMinutes(3)), start.plus(Duration.ofMinutes(7)));
        }
    }

    /**
     * JobRunr: a {@code JobServerFilter} of your own whose {@code onFailedAfterRetries} pages the on-call and whose
     * {@code onProcessed} counts. Here an observer of {@link RunEnded} and {@link StepFailed}: in a container
     * {@code void page(@ObservesAsync RunEnded end)}, here the environment's hooks, which get the same events.
     */
    static final class OnCall {
        final List<String> paged = new CopyOnWriteArrayList<>();
        final AtomicInteger failedAttempts = new AtomicInteger();

        void observe(Object hook) {
            if (hook instanceof RunEnded end && end.status() == RunStatus.FAILED) {
                paged.add(end.flow() + " run " + end.runId() + " failed: " + end.error().orElse(""));
            } else if (hook instanceof StepFailed failure && failure.willRetry()) {
                failedAttempts.incrementAndGet();
            }
        }
    }

    @Test
    void aJobServerFilterOfYourOwnIsAnObserverOfTheRunsThatEndAndTheStepsThatFail() {
        OnCall onCall = new OnCall();
        try (FlowTestEnvironment env = FlowTestEnvironment.newBuilder().step(new PushToErp()).autoSkipTime(true)
                .hooks(onCall::observe).build()) {
            String runId = env.flows().start("sync", Map.of());

            env.awaitEnd(runId, Duration.ofSeconds(10));

            await().until(() -> !onCall.paged.isEmpty());
            assertThat(onCall.paged).containsExactly("sync run " + runId + " failed: ERP unavailable");
            assertThat(onCall.failedAttempts).as("the attempts retried").hasValue(3);
        }
    }

    /** JobRunr: a retry schedule of your own (a {@code RetryFilter} of your own); here a list of delays. */
    @FlowStep(flow = "sync-listed", name = "push", role = StepRole.ENTRY, retryDelaysMs = {10_000, 60_000, 600_000})
    static class PushToErpOnASchedule implements Step<Map<String, Object>, Void> {
        final List<Instant> attempts = new CopyOnWriteArrayList<>();

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            attempts.add(ctx.clock().instant());
            throw new IllegalStateException("ERP unavailable");
        }
    }

    @Test
    void aRetryScheduleOfYourOwnWaitsEachDelayItListsBetweenOneAttemptMoreThanItLists() {
        PushToErpOnASchedule push = new PushToErpOnASchedule();
        try (FlowTestEnvironment env = FlowTestEnvironment.newBuilder().step(push).autoSkipTime(true).build()) {
            String runId = env.flows().start("sync-listed", Map.of());

            assertThat(env.awaitEnd(runId, Duration.ofSeconds(10)).status()).isEqualTo(RunStatus.FAILED);
            Instant start = FlowTestEnvironment.DEFAULT_START;
            assertThat(push.attempts).containsExactly(start, start.plusSeconds(10), start.plusSeconds(70),
                    start.plusSeconds(670));
        }
    }

    /** What the partner answered: when to call again, or that calling again cannot help. */
    public static class PartnerRefused extends RuntimeException {
        final int status;
        final Duration retryAfter;

        PartnerRefused(int status, Duration retryAfter) {
            super("ERP answered " + status);
            this.status = status;
            this.retryAfter = retryAfter;
        }
    }

    /** JobRunr: a {@code RetryFilter} of your own; here a decider that waits as the partner says, or gives up. */
    public static final class AsTheErpSays implements RetryDecider {
        @Override
        public RetryDecision decide(FailedAttempt failed) {
            if (failed.error() instanceof PartnerRefused refused) {
                return refused.status == 429 ? RetryDecision.retryAfter(refused.retryAfter)
                        : RetryDecision.giveUp("the ERP refused the invoice (" + refused.status + ")");
            }
            return RetryDecision.retryAfter(failed.declaredDelay());
        }
    }

    @FlowStep(flow = "sync-decided", name = "push", role = StepRole.ENTRY, maxAttempts = 5,
            retryDecider = AsTheErpSays.class)
    static class PushToErpAsItSays implements Step<Map<String, Object>, Void> {
        final List<Instant> attempts = new CopyOnWriteArrayList<>();

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            attempts.add(ctx.clock().instant());
            throw attempts.size() < 3 ? new PartnerRefused(429, Duration.ofSeconds(90)) : new PartnerRefused(422, null);
        }
    }

    @Test
    void aRetryDecidedByAFunctionOfYourOwnWaitsAsItSaysAndGivesUpWhenItSays() {
        PushToErpAsItSays push = new PushToErpAsItSays();
        try (FlowTestEnvironment env = FlowTestEnvironment.newBuilder().step(push).autoSkipTime(true).build()) {
            String runId = env.flows().start("sync-decided", Map.of());

            assertThat(env.awaitEnd(runId, Duration.ofSeconds(10)).status()).isEqualTo(RunStatus.FAILED);
            Instant start = FlowTestEnvironment.DEFAULT_START;
            assertThat(push.attempts).as("90 s apart, then given up with 2 attempts left")
                    .containsExactly(start, start.plusSeconds(90), start.plusSeconds(180));
            assertThat(env.flows().events(runId, EventQuery.all())).filteredOn(e -> e.type() == EventType.STEP_FAILED)
                    .singleElement().satisfies(failed -> assertThat(failed.data())
                            .contains("\"reason\":\"the ERP refused the invoice (422)\""));
        }
    }

    /** A long job: JobRunr's {@code jobContext.progressBar(total)}; here a progress report per row. */
    @FlowStep(flow = "import", name = "import", role = StepRole.ENTRY)
    static class ImportCustomers implements Step<Map<String, Object>, Integer> {
        final CountDownLatch halfway = new CountDownLatch(1);
        final CountDownLatch goOn = new CountDownLatch(1);

        @Override
        public Integer execute(Map<String, Object> input, StepContext ctx) {
            int total = ((Number) input.get("rows")).intValue();
            for (int row = 1; row <= total; row++) {
                ctx.reportProgress(row, total, "customers.csv");
                if (row == total / 2) {
                    halfway.countDown();
                    awaitQuietly(goOn);
                }
            }
            return total;
        }
    }

    static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aLongJobReportsItsProgressWhichIsReadWhileItRuns() throws InterruptedException {
        ImportCustomers importer = new ImportCustomers();
        try (FlowTestEnvironment env = FlowTestEnvironment.of(importer)) {
            String runId = env.flows().start("import", Map.of("rows", 1000));
            assertThat(importer.halfway.await(10, TimeUnit.SECONDS)).isTrue();
            env.clock().advance(Duration.ofSeconds(1));   // stored at most once a second, by the engine's clock

            await().atMost(Duration.ofSeconds(10)).until(() -> env.flows().progress(runId).containsKey("import"));
            StepProgress progress = env.flows().progress(runId).get("import");

            assertThat(progress.done()).isEqualTo(500);
            assertThat(progress.total()).isEqualTo(1000);
            assertThat(progress.percent()).isEqualTo(50);
            assertThat(progress.message()).contains("customers.csv");
            importer.goOn.countDown();
            assertThat(env.awaitRun(runId).status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(env.flows().progress(runId)).as("gone with the attempt").isEmpty();
            assertThat(env.history(runId)).filteredOn(entry -> entry.type() == EventType.STEP_COMPLETED)
                    .singleElement().extracting(HistoryEvent::data).asString()
                    .contains("\"progress\":{\"done\":1000,\"total\":1000,\"message\":\"customers.csv\"}");
        }
    }

    /**
     * A job that may hang (a read from a dead socket, with no read timeout): JobRunr notices only when its timeout
     * ends it, hours later. Here it sends a heartbeat per chunk read; its first attempt hangs on its second chunk.
     */
    @FlowStep(flow = "fetch-report", name = "fetch", role = StepRole.ENTRY, maxAttempts = 2, backoffDelayMs = 0,
            timeoutMs = 10_800_000, heartbeatTimeoutMs = 300_000)
    static class FetchReport implements Step<Map<String, Object>, String> {
        final CountDownLatch hung = new CountDownLatch(1);

        @Override
        public String execute(Map<String, Object> input, StepContext ctx) throws InterruptedException {
            ctx.heartbeat(); // the first chunk came
            if (ctx.attempt() == 1) {
                hung.countDown();
                new CountDownLatch(1).await(); // the second never comes
            }
            return "fetched";
        }
    }

    @Test
    void aJobThatHangsFailsOnceItSendsNoHeartbeatForItsHeartbeatTimeoutAndIsRetried() throws InterruptedException {
        FetchReport fetch = new FetchReport();
        try (FlowTestEnvironment env = FlowTestEnvironment.of(fetch)) {
            String runId = env.flows().start("fetch-report", Map.of());
            assertThat(fetch.hung.await(10, TimeUnit.SECONDS)).isTrue();

            env.clock().advance(Duration.ofMinutes(5)); // the watchdog follows the engine's clock

            assertThat(env.awaitRun(runId).status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(env.history(runId)).filteredOn(entry -> entry.type() == EventType.STEP_RETRY)
                    .singleElement().extracting(HistoryEvent::data).asString()
                    .contains("step 'fetch' of run " + runId + " sent no heartbeat for PT5M (its heartbeat timeout;"
                            + " last heartbeat at " + FlowTestEnvironment.DEFAULT_START + ")");
        }
    }

    /** JobRunr Pro: {@code BackgroundJob.startBatch(...)} of 1,000 jobs with a continuation: child runs and a step after them. */
    @FlowStep(flow = "newsletter", name = "fan-out", role = StepRole.ENTRY, emits = "mails.started")
    static class FanOut implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            int subscribers = ((Number) input.get("subscribers")).intValue();
            for (int i = 0; i < subscribers; i++) {
                ctx.startFlow("mail", Map.of("subscriber", i));
            }
            ctx.emit("mails.started", Map.of("count", subscribers));
            return null;
        }
    }

    /** Sends one mail; the addresses of every 250th subscriber (from the 8th on) bounce, which fails its run. */
    @FlowStep(flow = "mail", name = "send", role = StepRole.ENTRY)
    static class SendMail implements Step<Map<String, Object>, Void> {
        final AtomicInteger sent = new AtomicInteger();

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            if (((Number) input.get("subscriber")).intValue() % 250 == 7) {
                throw new IllegalStateException("mailbox unavailable");
            }
            sent.incrementAndGet();
            return null;
        }
    }

    /**
     * The continuation: runs once every mail its run started ended (sent, or failed for good), and reports the sent
     * and the failed ones apart from the counts that resolved its await.
     */
    @FlowStep(flow = "newsletter", name = "report", subscribes = "mails.started")
    @AwaitBefore(type = AwaitType.CHILDREN)
    static class ReportWhenAllSent implements Step<Map<String, Object>, String> {
        final AtomicInteger reports = new AtomicInteger();

        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            JsonObject mails = Json.createReader(new StringReader(ctx.triggerData().orElseThrow())).readObject();
            reports.incrementAndGet();
            return mails.getInt("completed") + " sent, " + mails.getInt("failed") + " failed";
        }
    }

    @Test
    void aBatchOfAThousandJobsIsAThousandChildRunsAndItsContinuationAStepThatAwaitsThemAll() {
        SendMail mail = new SendMail();
        ReportWhenAllSent report = new ReportWhenAllSent();
        try (FlowTestEnvironment env = FlowTestEnvironment.newBuilder().step(new FanOut()).step(report).step(mail)
                .timeout(Duration.ofSeconds(60)).build()) {
            String runId = env.flows().start("newsletter", Map.of("subscribers", 1_000));

            assertThat(env.awaitRun(runId).status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(mail.sent).hasValue(996);
            assertThat(report.reports).as("run once, after the last mail").hasValue(1);
            assertThat(env.flows().events(runId, EventQuery.all())).filteredOn(e -> e.type() == EventType.STEP_COMPLETED)
                    .anySatisfy(done -> assertThat(done.data()).contains("996 sent, 4 failed"));
            assertThat(env.flows().events(runId, EventQuery.all())).filteredOn(e -> e.type() == EventType.AWAIT_RESOLVED)
                    .singleElement().satisfies(resolved -> assertThat(resolved.data())
                            .contains("\"children\":1000,\"completed\":996,\"failed\":4,\"canceled\":0"));
        }
    }

    /** JobRunr Pro's nested batches: a campaign's segments, each a child run that starts its own mails. */
    @FlowStep(flow = "campaign", name = "fan-out", role = StepRole.ENTRY, emits = "segments.started")
    static class FanOutSegments implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            for (int segment = 0; segment < 4; segment++) {
                ctx.startFlow("segment", Map.of("segment", segment));
            }
            ctx.emit("segments.started", Map.of());
            return null;
        }
    }

    /** A segment starts a mail to each of its 25 subscribers and completes: its mails outlive it. */
    @FlowStep(flow = "segment", name = "fan-out", role = StepRole.ENTRY)
    static class FanOutSegment implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            int segment = ((Number) input.get("segment")).intValue();
            for (int i = 0; i < 25; i++) {
                ctx.startFlow("mail", Map.of("subscriber", segment * 25 + i));
            }
            return null;
        }
    }

    /** The continuation of the whole tree: it runs once every segment and every mail below them ended. */
    @FlowStep(flow = "campaign", name = "report", subscribes = "segments.started")
    @AwaitBefore(type = AwaitType.DESCENDANTS)
    static class ReportWhenTheWholeCampaignEnded implements Step<Map<String, Object>, String> {
        SendMail mail;
        final AtomicInteger sentWhenReported = new AtomicInteger(-1);

        protected ReportWhenTheWholeCampaignEnded() {   // for the container's proxy
        }

        @Inject
        ReportWhenTheWholeCampaignEnded(SendMail mail) {
            this.mail = mail;
        }

        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            sentWhenReported.set(mail.sent.get());
            return ctx.triggerData().orElseThrow();
        }
    }

    @Test
    void aNestedBatchIsChildRunsStartingTheirOwnAndItsContinuationAStepThatAwaitsEveryDescendant() {
        SendMail mail = new SendMail();
        ReportWhenTheWholeCampaignEnded report = new ReportWhenTheWholeCampaignEnded(mail);
        try (FlowTestEnvironment env = nestedCampaign(mail, report)) {
            String runId = completedCampaign(env);

            assertThat(report.sentWhenReported).as("every mail of every segment was sent before the report ran")
                    .hasValue(99);
            assertThat(env.flows().events(runId, EventQuery.all())).filteredOn(e -> e.type() == EventType.AWAIT_RESOLVED)
                    .singleElement().satisfies(resolved -> assertThat(resolved.data())
                            .contains("\"descendants\":104,\"completed\":103,\"failed\":1,\"canceled\":0"));
        }
    }

    @Test
    void aNestedBatchsProgressIsTheCountOfTheRunsBelowItsRunAndOfThoseBelowEachSegment() {
        SendMail mail = new SendMail();
        try (FlowTestEnvironment env = nestedCampaign(mail, new ReportWhenTheWholeCampaignEnded(mail))) {
            String runId = completedCampaign(env);

            assertThat(env.flows().descendants(runId)).as("segments and mails, counted together")
                    .isEqualTo(new io.nvent.DescendantRuns(runId, 104, 0, 103, 1, 0, false));
            assertThat(env.flows().runs(io.nvent.RunQuery.all().withParentRunId(runId)))
                    .as("each segment, with the mails below it").hasSize(4)
                    .allSatisfy(segment -> assertThat(env.flows().descendants(segment.runId()).total()).isEqualTo(25));
        }
    }

    /** The nested campaign's flows, its mails sent by {@code mail} and its report made by {@code report}. */
    private static FlowTestEnvironment nestedCampaign(SendMail mail, ReportWhenTheWholeCampaignEnded report) {
        return FlowTestEnvironment.newBuilder().step(new FanOutSegments()).step(new FanOutSegment()).step(report)
                .step(mail).timeout(Duration.ofSeconds(60)).build();
    }

    /** Starts a campaign and waits until it completed; returns its run. */
    private static String completedCampaign(FlowTestEnvironment env) {
        String runId = env.flows().start("campaign", Map.of());
        assertThat(env.awaitRun(runId).status()).isEqualTo(RunStatus.COMPLETED);
        return runId;
    }

    /** Sends one mail once the mail server answers, which it does only when the test says. */
    @FlowStep(flow = "slow-mail", name = "send", role = StepRole.ENTRY)
    static class SendSlowMail implements Step<Map<String, Object>, Void> {
        final CountDownLatch mailServerAnswers = new CountDownLatch(1);
        final AtomicInteger sent = new AtomicInteger();

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) throws InterruptedException {
            mailServerAnswers.await();
            sent.incrementAndGet();
            return null;
        }
    }

    /** Starts a slow mail per subscriber, and waits for them all to report. */
    @FlowStep(flow = "slow-newsletter", name = "fan-out", role = StepRole.ENTRY, emits = "mails.started")
    static class FanOutSlowMails implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            for (int i = 0; i < 100; i++) {
                ctx.startFlow("slow-mail", Map.of("subscriber", i));
            }
            ctx.emit("mails.started", Map.of());
            return null;
        }
    }

    @FlowStep(flow = "slow-newsletter", name = "report", subscribes = "mails.started")
    @AwaitBefore(type = AwaitType.CHILDREN)
    static class ReportSlowMails implements Step<Map<String, Object>, Void> {
        final AtomicInteger reports = new AtomicInteger();

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            reports.incrementAndGet();
            return null;
        }
    }

    @Test
    void aBatchCanceledWithItsChildrenSendsNoMailNotYetSent() {
        SendSlowMail mail = new SendSlowMail();
        ReportSlowMails report = new ReportSlowMails();
        try (FlowTestEnvironment env = FlowTestEnvironment.newBuilder().step(new FanOutSlowMails()).step(report)
                .step(mail).build()) {
            String batch = env.flows().start("slow-newsletter", Map.of());
            RunQuery mails = RunQuery.all().withParentRunId(batch).page(0, 1000);
            await().atMost(Duration.ofSeconds(20)).until(() -> env.flows().run(batch).orElseThrow().status()
                    == RunStatus.AWAITING && env.flows().runs(mails).size() == 100);

            CanceledRuns canceled = env.flows().cancel(batch, CancelOptions.withChildren());
            mail.mailServerAnswers.countDown();

            assertThat(canceled).isEqualTo(new CanceledRuns(true, 100, false));
            assertThat(env.flows().runs(mails)).extracting(RunInfo::status).containsOnly(RunStatus.CANCELED);
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(10))
                    .until(() -> mail.sent.get() == 0 && report.reports.get() == 0);
        }
    }

    /** A job that must run one at a time per customer: started with the customer as its concurrency key. */
    @FlowStep(flow = "customer-sync", name = "sync", role = StepRole.ENTRY)
    static class SyncCustomer implements Step<Map<String, Object>, Void> {
        final Map<Object, AtomicInteger> running = new ConcurrentHashMap<>();
        final AtomicInteger mostAtOnceForOneCustomer = new AtomicInteger();
        /** The first sync of each customer waits here for the other's: they run side by side. */
        final CountDownLatch bothCustomers = new CountDownLatch(2);
        final AtomicBoolean customersRanTogether = new AtomicBoolean();

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) throws InterruptedException {
            AtomicInteger customer = running.computeIfAbsent(input.get("customerId"), id -> new AtomicInteger());
            mostAtOnceForOneCustomer.accumulateAndGet(customer.incrementAndGet(), Math::max);
            try {
                if (((Number) input.get("n")).intValue() < 2) {
                    bothCustomers.countDown();
                    customersRanTogether.compareAndSet(false, bothCustomers.await(10, TimeUnit.SECONDS));
                }
                Thread.sleep(5); // the work
            } finally {
                customer.decrementAndGet();
            }
            return null;
        }
    }

    @Test
    void aJobThatMustNotRunTwiceAtOnceForOneCustomerIsStartedWithTheCustomerAsItsConcurrencyKey() {
        SyncCustomer sync = new SyncCustomer();
        try (FlowTestEnvironment env = FlowTestEnvironment.of(sync)) {
            List<String> runIds = IntStream.range(0, 6).mapToObj(i -> {
                String customerId = i % 2 == 0 ? "A" : "B";
                return env.flows().start("customer-sync", Map.of("customerId", customerId, "n", i),
                        StartOptions.newBuilder().concurrencyKey("customer-" + customerId).build()).runId();
            }).toList();

            assertThat(runIds).allSatisfy(runId -> assertThat(env.awaitRun(runId).status()).isEqualTo(RunStatus.COMPLETED));
            assertThat(sync.mostAtOnceForOneCustomer).as("one customer's syncs one at a time").hasValue(1);
            assertThat(sync.customersRanTogether).as("customers A and B do not wait for each other").isTrue();
        }
    }

    /** Waits for the carrier to confirm the shipment, for up to a week; the order itself has two days. */
    @FlowStep(flow = "shipment", name = "await-carrier", role = StepRole.ENTRY, runTimeoutMs = 172_800_000)
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 604_800_000)
    static class AwaitCarrier implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aJobThatMustBeDoneByADeadlineFailsThereSayingItTimedOut() {
        try (FlowTestEnvironment env = FlowTestEnvironment.of(new AwaitCarrier())) {
            String runId = env.flows().start("shipment", Map.of("orderId", "O-1"));
            env.advanceTime(Duration.ofHours(47));

            assertThat(env.flows().run(runId).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);

            env.advanceTime(Duration.ofHours(1));

            RunInfo run = env.flows().run(runId).orElseThrow();
            assertThat(run.status()).isEqualTo(RunStatus.FAILED);
            assertThat(run.error()).hasValueSatisfying(error -> assertThat(error)
                    .contains("of flow 'shipment' timed out after PT48H"));
        }
    }

    @Test
    void aJobLabeledWithItsCustomerIsFoundByThatLabelAmongTheJobsOfEveryCustomer() {
        try (FlowTestEnvironment env = FlowTestEnvironment.of(new SyncCustomer())) {
            List<String> runIds = IntStream.range(0, 4).mapToObj(i -> env.flows().start("customer-sync",
                    Map.of("customerId", i % 2 == 0 ? "A" : "B", "n", i), StartOptions.newBuilder()
                            .labels("customer-" + (i % 2 == 0 ? "A" : "B"), "nightly").build()).runId()).toList();
            runIds.forEach(env::awaitRun);

            assertThat(env.flows().runs(RunQuery.ofFlow("customer-sync").withLabel("customer-A")))
                    .extracting(RunInfo::runId).containsExactlyInAnyOrder(runIds.get(0), runIds.get(2));
            assertThat(env.flows().run(runIds.get(1)).orElseThrow().labels()).containsExactly("customer-B", "nightly");
        }
    }

    @FlowStep(flow = "export", name = "export", role = StepRole.ENTRY, maxAttempts = 1)
    static class ExportOrder implements Step<Map<String, Object>, Void> {
        final AtomicBoolean warehouseDown = new AtomicBoolean(true);

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            if (warehouseDown.get()) {
                throw new IllegalStateException("warehouse API unavailable");
            }
            return null;
        }
    }

    @Test
    void failedJobsAreFoundByStatusAndByTheirBusinessKeyAndRequeuedAllAtOnce() {
        ExportOrder export = new ExportOrder();
        try (FlowTestEnvironment env = FlowTestEnvironment.of(export)) {
            List<String> runIds = IntStream.rangeClosed(1, 3).mapToObj(i -> env.flows()
                    .start("export", Map.of("orderId", i), StartOptions.idempotent("export-" + i)).runId()).toList();
            runIds.forEach(runId -> env.awaitEnd(runId, Duration.ofSeconds(5)));

            assertThat(env.flows().runs(RunQuery.ofFlow("export").withStatus(RunStatus.FAILED)))
                    .extracting(RunInfo::runId).containsExactlyInAnyOrderElementsOf(runIds);
            assertThat(env.flows().runByIdempotencyKey("export", "export-2")).map(RunInfo::runId)
                    .contains(runIds.get(1));

            export.warehouseDown.set(false);
            int retried = 0;
            BulkRetry retry = BulkRetry.ofFlow("export");
            while (retry != null) {
                BulkResult page = env.flows().retryFailed(retry);
                retried += page.acted();
                retry = page.next().map(retry::startingAfter).orElse(null);
            }

            assertThat(retried).isEqualTo(3);
            assertThat(runIds).allSatisfy(runId -> assertThat(env.awaitRun(runId).steps())
                    .containsEntry("export", StepStatus.COMPLETED));
        }
    }

    /** A scheduled job that notes the tick each run stands for. */
    abstract static class RecordsTicks implements Step<Map<String, Object>, Void> {
        final List<String> ticks = new CopyOnWriteArrayList<>();

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ticks.add(String.valueOf(input.get("scheduledAt")));
            return null;
        }
    }

    /**
     * Quartz: a nightly cron job with {@code MISFIRE_INSTRUCTION_DO_NOTHING}, one with fire-once-now, and one
     * with {@code MISFIRE_INSTRUCTION_FIRE_ALL} (misfire policy fire-all) that computes the figures of each tick.
     */
    @FlowStep(flow = "settlement", name = "settle", role = StepRole.ENTRY)
    @Trigger(name = "nightly-settlement", type = TriggerType.SCHEDULE, cron = "0 2 * * *", misfire = Misfire.SKIP)
    static class NightlySettlement extends RecordsTicks {
    }

    @FlowStep(flow = "statement", name = "mail", role = StepRole.ENTRY)
    @Trigger(name = "nightly-statement", type = TriggerType.SCHEDULE, cron = "0 3 * * *", misfire = Misfire.FIRE_ONCE,
            misfireGrace = "PT72H")
    static class NightlyStatement extends RecordsTicks {
    }

    @FlowStep(flow = "figures", name = "compute", role = StepRole.ENTRY)
    @Trigger(name = "six-hourly-figures", type = TriggerType.SCHEDULE, cron = "0 */6 * * *", misfire = Misfire.FIRE_ALL,
            misfireGrace = "PT72H")
    static class SixHourlyFigures extends RecordsTicks {
    }

    @Test
    void aQuartzMisfireInstructionIsTheTriggersMisfirePolicyAppliedWhenTheApplicationStartsAgain() {
        NightlySettlement settle = new NightlySettlement();
        NightlyStatement statement = new NightlyStatement();
        SixHourlyFigures figures = new SixHourlyFigures();
        VirtualClock clock = VirtualClock.startingAt(Instant.parse("2030-01-01T00:00:00Z"));
        FlowStore store = MemoryAdapters.store();
        SchedulingStore scheduling = MemoryAdapters.schedulingStore();
        try (EmbeddedEngine before = EmbeddedEngine.newBuilder().step(settle).step(statement).step(figures)
                .clock(clock).store(store).schedulingStore(scheduling).build()) {
            clock.advance(Duration.ofHours(4));
            await().until(() -> settle.ticks.size() == 1 && statement.ticks.size() == 1);
        }
        clock.advance(Duration.ofDays(2)); // the application is down from 04:00 on the 1st to 04:00 on the 3rd

        try (EmbeddedEngine after = EmbeddedEngine.newBuilder().step(settle).step(statement).step(figures)
                .clock(clock).store(store).schedulingStore(scheduling).build()) {
            await().until(() -> statement.ticks.size() == 2 && figures.ticks.size() == 8);

            assertThat(statement.ticks).as("the latest missed tick, late, once")
                    .containsExactly("2030-01-01T03:00:00Z", "2030-01-03T03:00:00Z");
            assertThat(settle.ticks).as("no missed tick").containsExactly("2030-01-01T02:00:00Z");
            assertThat(figures.ticks).as("each missed tick, late, once, as its own tick").containsExactlyInAnyOrder(
                    "2030-01-01T06:00:00Z", "2030-01-01T12:00:00Z", "2030-01-01T18:00:00Z", "2030-01-02T00:00:00Z",
                    "2030-01-02T06:00:00Z", "2030-01-02T12:00:00Z", "2030-01-02T18:00:00Z", "2030-01-03T00:00:00Z");
        }
    }

    @Test
    void aQuartzLoopOverThePastTicksIsABackfillThatFiresEachTickOnce() {
        SixHourlyFigures figures = new SixHourlyFigures();   // its misfire grace of 72 h keeps its tick claims as long
        VirtualClock clock = VirtualClock.startingAt(Instant.parse("2030-01-01T00:00:00Z"));
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(figures).clock(clock).build()) {
            engine.triggers().setEnabled("six-hourly-figures", false);
            clock.advance(Duration.ofDays(2));   // disabled for two days

            BackfillResult firstTwoDays = engine.triggers().backfill(Backfill.of("six-hourly-figures",
                    Instant.parse("2030-01-01T00:00:00Z"), Instant.parse("2030-01-03T00:00:00Z")));
            await().until(() -> figures.ticks.size() == 8);

            assertThat(firstTwoDays.fired()).isEqualTo(8);
            assertThat(figures.ticks).as("each tick once, as its own tick").containsExactlyInAnyOrder(
                    "2030-01-01T00:00:00Z", "2030-01-01T06:00:00Z", "2030-01-01T12:00:00Z", "2030-01-01T18:00:00Z",
                    "2030-01-02T00:00:00Z", "2030-01-02T06:00:00Z", "2030-01-02T12:00:00Z", "2030-01-02T18:00:00Z");
            assertThat(engine.triggers().backfill(Backfill.of("six-hourly-figures",
                    Instant.parse("2030-01-01T00:00:00Z"), Instant.parse("2030-01-03T00:00:00Z"))).alreadyFired())
                    .as("given again, nothing fires twice").isEqualTo(8);
        }
    }

    /** A five-minute sync that sometimes takes longer: Quartz's {@code @DisallowConcurrentExecution}. */
    @FlowStep(flow = "sync", name = "sync", role = StepRole.ENTRY)
    @Trigger(name = "every-5-minutes", type = TriggerType.SCHEDULE, every = "PT5M", overlap = Overlap.SKIP)
    static class SlowSync implements Step<Map<String, Object>, Void> {
        final List<String> ticks = new CopyOnWriteArrayList<>();
        final CountDownLatch done = new CountDownLatch(1);

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) throws InterruptedException {
            ticks.add((String) input.get("scheduledAt"));
            done.await(10, TimeUnit.SECONDS);
            return null;
        }
    }

    @Test
    void aQuartzJobThatDisallowsConcurrentExecutionIsATriggerThatSkipsATickWhileItsRunIsUnderWay() {
        SlowSync sync = new SlowSync();
        VirtualClock clock = VirtualClock.startingAt(Instant.parse("2030-01-01T00:00:30Z"));
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(sync).clock(clock).build()) {
            clock.advance(Duration.ofMinutes(5));
            await().until(() -> sync.ticks.size() == 1);
            clock.advance(Duration.ofMinutes(10));   // two ticks while the first sync still runs

            await().until(() -> engine.triggers().history("every-5-minutes", 10).stream()
                    .filter(entry -> entry.type().equals("trigger.skipped")).count() == 2);
            assertThat(engine.flows().runs(RunQuery.all())).as("no second sync beside the first").hasSize(1);
            sync.done.countDown();
        }
    }

    /**
     * Temporal: {@code Saga saga = new Saga(options); saga.addCompensation(hotels::cancel, booking); ...
     * saga.compensate()} in the workflow's catch. Here each step names the step that undoes it.
     */
    @FlowStep(flow = "trip", name = "reserve-hotel", role = StepRole.ENTRY, emits = "hotel.reserved",
            compensation = "cancel-hotel")
    static class ReserveHotel implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> trip, StepContext ctx) {
            ctx.emit("hotel.reserved", trip);
            return "hotel-booking-7";
        }
    }

    @FlowStep(flow = "trip", name = "charge-card", subscribes = "hotel.reserved", emits = "card.charged",
            compensation = "refund-card")
    static class ChargeCard implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> trip, StepContext ctx) {
            ctx.emit("card.charged", trip);
            return "payment-42";
        }
    }

    @FlowStep(flow = "trip", name = "book-flight", subscribes = "card.charged", maxAttempts = 1)
    static class BookFlight implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> trip, StepContext ctx) {
            throw new IllegalStateException("no seat left");
        }
    }

    /** What the compensations undid, in order. */
    static final List<String> UNDONE = new CopyOnWriteArrayList<>();

    @FlowStep(flow = "trip", name = "refund-card", role = StepRole.COMPENSATION)
    static class RefundCard implements Step<String, Void> {
        @Override
        public Void execute(String payment, StepContext ctx) {
            UNDONE.add("refunded " + payment);
            return null;
        }
    }

    @FlowStep(flow = "trip", name = "cancel-hotel", role = StepRole.COMPENSATION)
    static class CancelHotel implements Step<String, Void> {
        @Override
        public Void execute(String booking, StepContext ctx) {
            UNDONE.add("canceled " + booking);
            return null;
        }
    }

    @Test
    void aSagaUndoesItsCompletedStepsNewestFirstWithTheirOutputsWhenALaterStepFailsForGood() {
        UNDONE.clear();
        try (FlowTestEnvironment env = FlowTestEnvironment.of(new ReserveHotel(), new ChargeCard(), new BookFlight(),
                new RefundCard(), new CancelHotel())) {
            String runId = env.flows().start("trip", Map.of("to", "Lisbon"));

            RunInfo run = env.awaitEnd(runId, Duration.ofSeconds(10));
            assertThat(run.status()).isEqualTo(RunStatus.FAILED);
            assertThat(run.error()).hasValue("no seat left");
            assertThat(UNDONE).containsExactly("refunded payment-42", "canceled hotel-booking-7");
            assertThat(env.flows().events(runId, EventQuery.all())).extracting(e -> e.type().wireName())
                    .containsSubsequence("step.failed", "run.compensating", "run.compensated", "flow.failed");
        }
    }

    /** Payroll on weekdays except bank holidays (a calendar of the team's) and Christmas: Quartz's HolidayCalendar. */
    @FlowStep(flow = "payroll", name = "pay", role = StepRole.ENTRY)
    @Trigger(name = "weekday-payroll", type = TriggerType.SCHEDULE, cron = "0 6 * * MON-FRI", timezone = "Europe/London",
            exclude = {"--12-25", "calendar:uk-bank-holidays"})
    static class Payroll implements Step<Map<String, Object>, Void> {
        final List<String> ticks = new CopyOnWriteArrayList<>();

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ticks.add((String) input.get("scheduledAt"));
            return null;
        }
    }

    @Test
    void aQuartzHolidayCalendarIsATriggersExclusionsAndACalendarBean() {
        Payroll payroll = new Payroll();
        ExclusionCalendar bankHolidays = new ExclusionCalendar() {
            @Override
            public String name() {
                return "uk-bank-holidays";
            }

            @Override
            public boolean excludes(java.time.ZonedDateTime tick) {
                return tick.toLocalDate().equals(java.time.LocalDate.of(2030, 12, 26));
            }
        };
        VirtualClock clock = VirtualClock.startingAt(Instant.parse("2030-12-23T00:00:00Z"));   // a Monday
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(payroll).exclusionCalendar(bankHolidays)
                .clock(clock).build()) {
            for (int day = 0; day < 5; day++) {
                clock.advance(Duration.ofDays(1));
            }
            await().until(() -> payroll.ticks.size() == 3);

            assertThat(payroll.ticks).containsExactlyInAnyOrder("2030-12-23T06:00:00Z", "2030-12-24T06:00:00Z",
                    "2030-12-27T06:00:00Z");
            assertThat(engine.triggers().history("weekday-payroll", 20)).filteredOn(e -> e.type().equals("trigger.skipped"))
                    .extracting(TriggerEvent::data).anySatisfy(data -> assertThat(data).contains("\"rule\":\"--12-25\""))
                    .anySatisfy(data -> assertThat(data).contains("\"rule\":\"calendar:uk-bank-holidays\""));
        }
    }
}
