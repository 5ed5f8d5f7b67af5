package io.nvent.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import jakarta.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two application instances — two Payara Micro processes with the same WAR — sharing one
 * PostgreSQL for the run store, the job queue and the event stream, as in production with N
 * instances. The scenarios reuse the two instances; the last one kills instance {@code a}.
 *
 * <p>Exactly-once is checked from the ledger the steps write themselves ({@link Ledger}), not only
 * from the engine's bookkeeping; the histories and run states come straight from the database.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoInstancesIT {

    private static final int RUNS = 1_000;
    private static final int CLIENTS = 16;
    private static final int RUNS_WHEN_KILLED = 200;
    private static final long WORK_MS_WHEN_KILLED = 250;
    private static final List<String> CHAIN = List.of("one", "two", "three");
    private static final Duration SETTLE_TIMEOUT = Duration.ofMinutes(3);
    private static final int TICK_WINDOW = 8;
    /** As many as the hold queue's workers on one instance: all run at once, wherever they are claimed. */
    private static final int HELD_RUNS = 3;

    private static ClusterDatabase database;
    private static PayaraInstance a;
    private static PayaraInstance b;

    /** A step of a run. */
    private record RunStep(String runId, String step) {
    }

    /** One execution of a step body, as the step recorded it. */
    private record Execution(String instance, Instant at) {
    }

    @BeforeAll
    static void startTwoInstancesOnOneDatabase() {
        database = ClusterDatabase.start();
        Path microJar = Path.of(System.getProperty("cluster.microJar"));
        Path war = Path.of(System.getProperty("cluster.war"));
        Path workDir = Path.of(System.getProperty("cluster.workDir"));
        // Both start at once: schema migrations, queue tables and declared triggers meet concurrently.
        a = PayaraInstance.launch("a", microJar, war, workDir, database.connectionProperties());
        b = PayaraInstance.launch("b", microJar, war, workDir, database.connectionProperties());
        a.awaitReady();
        b.awaitReady();
    }

    @AfterAll
    static void stopEverything() {
        for (AutoCloseable resource : new AutoCloseable[] {b, a, database}) {
            try {
                if (resource != null) {
                    resource.close();
                }
            } catch (Exception e) {
                System.err.println("could not stop " + resource + ": " + e);
            }
        }
    }

    // ------------------------------------------------------------------ scenarios

    @Test
    @Order(1)
    void anApprovalRegisteredOnOneInstanceIsResolvedThroughTheOther() {
        String runId = a.api().start("approval", "{\"amount\":42}");

        String url = await("webhook URL of " + runId).atMost(Duration.ofSeconds(30))
                .until(() -> webhookUrl(runId), Optional::isPresent).orElseThrow();
        assertThat(url).as("the URL handed out by instance a").startsWith("http://127.0.0.1:" + a.base().getPort()
                + "/api/nvent/awaits/");
        String path = url.substring(url.indexOf("/api/nvent/awaits/") + 1);

        Api.Reply approved = b.api().postAnonymously(path, "{\"approvedBy\":\"ada\"}");
        assertThat(approved.status()).as(approved.body()).isEqualTo(200);
        awaitStatus(b.api(), runId, "completed");

        assertThat(executions(List.of(runId))).containsOnlyKeys(new RunStep(runId, "decide"))
                .allSatisfy((step, runs) -> assertThat(runs).hasSize(1));
        assertThat(database.query("select detail from cluster_ledger where run_id = ?", row -> row.getString(1),
                runId)).singleElement().asString().contains("ada");
        assertThat(b.api().postAnonymously(path, "{}").status()).as("a second approval through b").isEqualTo(409);
        assertThat(a.api().postAnonymously(path, "{}").status()).as("a second approval through a").isEqualTo(409);
        assertThat(historyTypes(runId)).containsExactly("flow.start", "await.registered", "await.resolved",
                "step.started", "step.completed", "flow.completed");
    }

    @Test
    @Order(2)
    void eachScheduleTickStartsExactlyOneRunAcrossBothInstances() {
        Instant first = database.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(2);
        Instant last = first.plusSeconds(TICK_WINDOW - 1);

        // Every tick of the window has fired (on both instances' timers) once a later tick was recorded.
        await("ticks after " + last).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> ledgerTicks().keySet().stream().anyMatch(tick -> tick.isAfter(last.plusSeconds(1))));

        List<Instant> window = LongStream.range(0, TICK_WINDOW).mapToObj(first::plusSeconds).toList();
        Map<Instant, Long> runs = tickRuns();
        Map<Instant, Long> executions = ledgerTicks();
        String claims = tickClaims(first.minusSeconds(2), last.plusSeconds(2));
        System.out.println("TICKS window " + first + ".." + last + ", claims (tick +delay of the claim): " + claims);
        assertThat(runs.values()).as("runs per tick since the instances started: %s", runs).containsOnly(1L);
        assertThat(executions.values()).as("executions per tick since the instances started: %s", executions)
                .containsOnly(1L);
        assertThat(window).as("ticks of %s..%s that started no run; claims: %s", first, last, claims)
                .allMatch(runs::containsKey).allMatch(executions::containsKey);
    }

    @Test
    @Order(3)
    void aRateLimitedQueueStartsNoMoreStepsAcrossBothInstancesThanItsLimitAllows() {
        int runs = 60;
        List<String> runIds = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            runIds.add((i % 2 == 0 ? a : b).api().start("quota", "{\"call\":" + i + "}"));
        }

        awaitSettled(runIds, Duration.ofSeconds(60));

        assertThat(unfinished(runIds)).as("runs not completed").isEmpty();
        List<Execution> starts = database.query("select instance, recorded_at from cluster_ledger where run_id = any(?)"
                + " order by recorded_at", row -> new Execution(row.getString("instance"),
                ClusterDatabase.instant(row, 2)), runIds);
        assertThat(starts).hasSize(runs);
        assertThat(starts.stream().map(Execution::instance).collect(Collectors.toSet()))
                .as("instances that started steps").containsExactlyInAnyOrder("a", "b");
        // Each instance alone may start 10 a second: together, 20 would start within the first moments.
        // Timed where the engine stored each start (its step.started entry, written once the store's limit
        // granted it), not in the step's code (its ledger row), which follows by the engine's set-up of the
        // step: on a starved machine some hundred ms, so that ten code starts once met within 0.4 s in CI.
        List<Instant> recorded = database.query("select occurred_at from nvent_run_event where run_id = any(?)"
                + " and event_type = 'step.started' order by occurred_at", row -> ClusterDatabase.instant(row, 1),
                runIds);
        assertThat(recorded).as("starts the engine stored").hasSize(runs);
        for (int i = 10; i < recorded.size(); i++) {
            assertThat(Duration.between(recorded.get(i - 10), recorded.get(i)))
                    .as("from start %d to start %d, 10 later", i - 10, i).isGreaterThan(Duration.ofMillis(500));
        }
        System.out.printf("QUOTA %d runs at 10/s across both instances took %d ms from first to last start%n", runs,
                Duration.between(starts.get(0).at(), starts.get(runs - 1).at()).toMillis());
    }

    @Test
    @Order(4)
    void aLimitPerTenantHoldsForEachTenantAcrossBothInstancesAndLetsTenantsStartSideBySide() {
        String queue = "tenant-quota";
        int runs = 40;
        // Queued while the queue is paused, so that the first starts are not spread by the calls that start runs.
        assertThat(a.api().post("api/nvent/queues/" + queue + "/pause", "").status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> b.api().get("api/nvent/queues/" + queue).json()
                .getBoolean("paused"));
        List<String> runIds = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            runIds.add((i % 2 == 0 ? a : b).api().start("tenant-quota",
                    "{\"tenant\":\"" + (i % 4 < 2 ? "acme" : "globex") + "\",\"call\":" + i + "}"));
        }
        assertThat(a.api().post("api/nvent/queues/" + queue + "/resume", "").status()).isEqualTo(200);

        awaitSettled(runIds, Duration.ofSeconds(60));

        assertThat(unfinished(runIds)).as("runs not completed").isEmpty();
        Map<String, List<Instant>> startsByTenant = database.query("select detail, recorded_at from cluster_ledger"
                        + " where run_id = any(?) order by recorded_at", row -> Map.entry(row.getString("detail"),
                        ClusterDatabase.instant(row, 2)), runIds).stream()
                .collect(Collectors.groupingBy(Map.Entry::getKey, Collectors.mapping(Map.Entry::getValue,
                        Collectors.toList())));
        assertThat(startsByTenant.keySet()).containsExactlyInAnyOrder("acme", "globex");
        assertThat(startsByTenant.values()).allSatisfy(starts -> {
            assertThat(starts).hasSize(runs / 2);
            // 5 a second for the tenant, both instances together (each alone might start 5).
            for (int i = 5; i < starts.size(); i++) {
                assertThat(Duration.between(starts.get(i - 5), starts.get(i)))
                        .as("from start %d to start %d, 5 later", i - 5, i).isGreaterThan(Duration.ofMillis(500));
            }
        });
        // The tenants do not share one limit: 20 starts each at 5 a second take 3 s; one limit of 5 a second
        // for both would take 7 s for the 40 starts.
        List<Instant> all = startsByTenant.values().stream().flatMap(List::stream).sorted().toList();
        Duration firstToLast = Duration.between(all.get(0), all.get(all.size() - 1));
        System.out.printf("TENANT-QUOTA %d runs of two tenants at 5/s each took %d ms from first to last start%n", runs,
                firstToLast.toMillis());
        assertThat(firstToLast).as("first to last start").isLessThan(Duration.ofSeconds(6));
    }

    @Test
    @Order(5)
    void aThousandRunsStartedThroughBothInstancesCompleteWithEveryStepExactlyOnce() {
        long began = System.nanoTime();
        List<String> runIds = startChains(RUNS, 0);
        long started = System.nanoTime();

        awaitSettled(runIds, SETTLE_TIMEOUT);
        System.out.printf("LOAD %d runs of %d steps started in %d ms through both instances, all finished %d ms"
                + " after the first start%n", RUNS, CHAIN.size(), (started - began) / 1_000_000,
                (System.nanoTime() - began) / 1_000_000);

        assertThat(unfinished(runIds)).as("runs not completed").isEmpty();
        // The store's writes were grouped on the container's threads (turned on in the pom; 0 for a comparison).
        String storeCommits = "0".equals(System.getProperty("cluster.nvent.store.group-commit-threads"))
                ? "each write committed alone" : "writes grouped by";
        assertThat(List.of(a.log(), b.log())).allSatisfy(log -> assertThat(log).contains(storeCommits));
        Map<RunStep, List<Execution>> executions = executions(runIds);
        assertThat(executions).as("executed steps").hasSize(RUNS * CHAIN.size());
        assertThat(executions.entrySet()).as("steps executed other than exactly once")
                .filteredOn(e -> e.getValue().size() != 1).isEmpty();
        assertThat(executions.values().stream().map(e -> e.get(0).instance()).collect(Collectors.toSet()))
                .as("instances that executed steps").containsExactlyInAnyOrder("a", "b");
        assertThat(stepEventCounts(runIds)).as("step.started/step.completed per step")
                .hasSize(RUNS * CHAIN.size()).containsOnly("1/1");
        assertThat(historiesWithGaps(runIds)).as("histories not numbered 1..n").isEmpty();

        // Any instance answers for any run: a run started through a, read through b.
        String startedOnA = runIds.get(0);
        assertThat(b.api().get("api/nvent/runs/" + startedOnA).json().getString("status")).isEqualTo("completed");
        assertThat(b.api().get("api/nvent/runs/" + startedOnA + "/events").array().getValuesAs(JsonObject.class))
                .extracting(e -> e.getJsonNumber("seq").longValue())
                .containsExactlyElementsOf(LongStream.rangeClosed(1, historyTypes(startedOnA).size()).boxed().toList());
    }

    @Test
    @Order(6)
    void aCancelThroughTheOtherInstanceStopsTheBlockedStepsAndFreesTheirWorkersForTheQueuesNextJobs() {
        List<String> held = new ArrayList<>();
        for (int i = 0; i < HELD_RUNS; i++) {
            held.add((i % 2 == 0 ? a : b).api().start("hold", "{\"hold\":true,\"n\":" + i + "}"));
        }
        // Where each step runs, as its step.started entry says (stored once it ran for the start-write delay).
        Map<String, String> runningOn = await("the held steps running").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100)).until(() -> startedOn(held), on -> on.size() == HELD_RUNS);

        long canceling = System.nanoTime();
        for (String runId : held) {
            // Through the instance that does not run the step: its own finds the cancel in its sweep.
            Api.Reply canceled = ("a".equals(runningOn.get(runId)) ? b : a).api()
                    .post("api/nvent/runs/" + runId + "/cancel", "");
            assertThat(canceled.status()).as(canceled.body()).isEqualTo(200);
            assertThat(canceled.json().getBoolean("canceled")).as(canceled.body()).isTrue();
        }
        await("every held step ended canceled").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> database.count("select count(*) from nvent_run_event where run_id = any(?)"
                        + " and event_type = 'step.canceled'", held) == HELD_RUNS);
        System.out.printf("CANCEL %d steps blocked on %s, each canceled through the other instance, all ended"
                + " canceled %d ms after the first cancel%n", HELD_RUNS, runningOn.values(),
                (System.nanoTime() - canceling) / 1_000_000);

        assertThat(held).allSatisfy(runId -> {
            assertThat(historyTypes(runId)).as("history of %s", runId)
                    .containsExactly("flow.start", "step.started", "flow.cancel", "step.canceled");
            assertThat(database.query("select payload::text from nvent_run_event where run_id = ?"
                    + " and event_type = 'step.canceled'", row -> row.getString(1), runId)).singleElement()
                    .asString().contains("the run was canceled while the attempt ran, and it stopped");
            assertThat(database.query("select instance || ' ' || detail from cluster_ledger where run_id = ?"
                    + " order by id", row -> row.getString(1), runId)).as("what the step's code saw, where")
                    .containsExactly(runningOn.get(runId) + " held", runningOn.get(runId) + " interrupted");
        });

        // The workers the held steps kept are free again: the queue's next runs complete, its jobs all ended.
        List<String> next = new ArrayList<>();
        for (int i = 0; i < 2 * HELD_RUNS; i++) {
            next.add((i % 2 == 0 ? a : b).api().start("hold", "{\"n\":" + i + "}"));
        }
        awaitSettled(next, Duration.ofSeconds(30));
        assertThat(unfinished(next)).as("runs started after the cancel not completed").isEmpty();
        JsonObject counts = a.api().get("api/nvent/queues/" + HoldFlow.QUEUE).json().getJsonObject("counts");
        assertThat(counts.getInt("active")).as("active jobs of queue %s: %s", HoldFlow.QUEUE, counts).isZero();
        assertThat(counts.getInt("failed")).as("failed jobs of queue %s: %s", HoldFlow.QUEUE, counts).isZero();
        // Two sweeps of each instance later, the canceled runs are as they were.
        assertThat(held).allSatisfy(runId -> {
            JsonObject run = b.api().get("api/nvent/runs/" + runId).json();
            assertThat(run.getString("status")).as("status of %s", runId).isEqualTo("canceled");
            assertThat(run.getJsonObject("steps").getString("hold")).as("step of %s", runId).isEqualTo("canceled");
            assertThat(historyTypes(runId)).as("history of %s", runId).hasSize(4);
        });
    }

    @Test
    @Order(7)
    void aKilledInstancesStepsAreDetectedByTheirLeasesAndCompletedByTheOther() {
        List<String> runIds = startChains(RUNS_WHEN_KILLED, WORK_MS_WHEN_KILLED);
        // Steps a has begun and not completed, by the ledger they write first: a step's lease is only
        // stored once it has run for the start-write delay (200 ms of its 250), so leases alone catch
        // four at once only by chance when a's workers run one run's steps back to back.
        await("instance a executing steps").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> executedButNotCompleted("a", runIds).size() >= 4);

        Instant killedAt = database.now();
        a.kill();
        // a ran until its process was gone, a few milliseconds after killedAt: steps it began then count as its own.
        Instant deadBy = database.now();
        // What a was executing: the steps it held leases on, and those it began too recently to have
        // stored their start (nvent.step.start-write-delay-ms), whose bodies ran but did not complete.
        Set<RunStep> inFlight = new HashSet<>(leasesOf("a"));
        inFlight.addAll(executedButNotCompleted("a", runIds));
        awaitSettled(runIds, SETTLE_TIMEOUT);

        assertThat(unfinished(runIds)).as("runs not completed after instance a was killed (log of b: %s)", b)
                .isEmpty();
        assertThat(inFlight).as("steps instance a was executing when it was killed").isNotEmpty();
        Map<RunStep, List<Execution>> executions = executions(runIds);
        assertThat(executions).as("executed steps").hasSize(RUNS_WHEN_KILLED * CHAIN.size());
        // At least once: a step body cut short by the kill runs again on b. Never more: a step ran
        // twice only once on each instance, a's run first (before the kill), and it completed once
        // (below). Which steps a was executing is not known exactly: a start stored by a timer may
        // commit just after the kill, so leases read then can miss a step that then runs again.
        assertThat(executions.entrySet()).as("steps executed other than once, or twice only across the kill"
                        + " (killed at %s, dead by %s; in flight then: %s)", killedAt, deadBy, inFlight)
                .filteredOn(e -> !(e.getValue().size() == 1 || executedBeforeAndAfterKill(e.getValue(), deadBy)))
                .isEmpty();
        assertThat(executions.values().stream().flatMap(List::stream))
                .as("executions on the killed instance after the kill")
                .noneMatch(e -> e.instance().equals("a") && e.at().isAfter(deadBy));
        assertThat(stepsStartedAgainAfterCompletion(runIds)).as("completed steps started again").isEmpty();
        assertThat(stepCompletions(runIds)).as("step.completed per step")
                .hasSize(RUNS_WHEN_KILLED * CHAIN.size()).containsOnly(1L);
        assertThat(historiesWithGaps(runIds)).as("histories not numbered 1..n").isEmpty();

        reportRecovery(runIds, inFlight, executions, killedAt);
    }

    // ------------------------------------------------------------------ starting and waiting

    /** Starts chains through a and b alternately, from {@value #CLIENTS} concurrent clients. */
    private static List<String> startChains(int count, long workMs) {
        List<PayaraInstance> instances = List.of(a, b);
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<String>> started = IntStream.range(0, count).mapToObj(i -> clients.submit(() ->
                    instances.get(i % 2).api().start("chain", "{\"n\":" + i + ",\"workMs\":" + workMs + "}")))
                    .toList();
            List<String> runIds = new ArrayList<>();
            for (Future<String> run : started) {
                runIds.add(run.get());
            }
            return runIds;
        } catch (ExecutionException e) {
            throw new IllegalStateException("a run could not be started", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            clients.shutdownNow();
        }
    }

    /**
     * Waits until no run of {@code runIds} is queued, running or stalled any more, or the timeout
     * passed; the assertions that follow say what is wrong with the runs that did not finish.
     */
    private static void awaitSettled(List<String> runIds, Duration timeout) {
        BooleanSupplier settled = () -> database.count("select count(*) from nvent_run where run_id = any(?)"
                + " and status in ('completed', 'failed', 'canceled')", runIds) == runIds.size();
        try {
            await("runs finished").atMost(timeout).pollInterval(Duration.ofMillis(250)).until(settled::getAsBoolean);
        } catch (ConditionTimeoutException stuck) {
            System.err.println("runs still unfinished after " + timeout + ": " + unfinished(runIds).size());
        }
    }

    private static void awaitStatus(Api api, String runId, String status) {
        await(runId + " " + status).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> api.get("api/nvent/runs/" + runId).json().getString("status").equals(status));
    }

    // ------------------------------------------------------------------ what the database says

    private static Optional<String> webhookUrl(String runId) {
        return database.query("select url, instance from cluster_webhook where run_id = ?",
                row -> row.getString("instance") + " " + row.getString("url"), runId).stream()
                .filter(line -> line.startsWith("a ")).map(line -> line.substring(2)).findFirst();
    }

    /** The instance each run's step started on, by its {@code step.started} entry, for the runs that have one. */
    private static Map<String, String> startedOn(List<String> runIds) {
        Map<String, String> instances = new LinkedHashMap<>();
        database.query("select run_id, payload::jsonb ->> 'instance' from nvent_run_event where run_id = any(?)"
                + " and event_type = 'step.started'", row -> instances.put(row.getString(1), row.getString(2)), runIds);
        return instances;
    }

    /** Each run that did not complete: its status, its steps and its history. */
    private static List<String> unfinished(List<String> runIds) {
        List<String> runs = database.query("select run_id, status, steps_json::text from nvent_run"
                        + " where run_id = any(?) and status <> 'completed' order by run_id",
                row -> row.getString(1) + " " + row.getString(2) + " " + row.getString(3), runIds);
        return runs.stream().map(run -> run + " history " + historyLines(run.substring(0, run.indexOf(' '))))
                .toList();
    }

    /** The executions of each step, in the order they were recorded. */
    private static Map<RunStep, List<Execution>> executions(List<String> runIds) {
        Map<RunStep, List<Execution>> executions = new LinkedHashMap<>();
        database.query("select run_id, step, instance, recorded_at from cluster_ledger where run_id = any(?)"
                + " order by id", row -> {
                    executions.computeIfAbsent(new RunStep(row.getString(1), row.getString(2)), k -> new ArrayList<>())
                            .add(new Execution(row.getString(3), ClusterDatabase.instant(row, 4)));
                    return null;
                }, runIds);
        return executions;
    }

    private static boolean executedBeforeAndAfterKill(List<Execution> executions, Instant killedAt) {
        return executions.size() == 2 && executions.get(0).instance().equals("a")
                && executions.get(0).at().isBefore(killedAt) && executions.get(1).instance().equals("b");
    }

    /** The steps an instance holds leases on: what it is executing right now. */
    private static Set<RunStep> executedButNotCompleted(String instance, List<String> runIds) {
        return Set.copyOf(database.query("select l.run_id, l.step from cluster_ledger l where l.instance = ?"
                + " and l.run_id = any(?) and not exists (select 1 from nvent_run_event e where e.run_id = l.run_id"
                + " and e.step_name = l.step and e.event_type = 'step.completed')",
                row -> new RunStep(row.getString(1), row.getString(2)), instance, runIds));
    }

    private static Set<RunStep> leasesOf(String instance) {
        return Set.copyOf(database.query("select run_id, step_name from nvent_step_lease where owner = ?",
                row -> new RunStep(row.getString(1), row.getString(2)), instance));
    }

    /** {@code "<step.started>/<step.completed>"} per step of each run. */
    private static List<String> stepEventCounts(List<String> runIds) {
        return database.query("select count(*) filter (where event_type = 'step.started') || '/'"
                + " || count(*) filter (where event_type = 'step.completed') from nvent_run_event"
                + " where run_id = any(?) and step_name is not null group by run_id, step_name",
                row -> row.getString(1), runIds);
    }

    private static List<Long> stepCompletions(List<String> runIds) {
        return database.query("select count(*) filter (where event_type = 'step.completed') from nvent_run_event"
                + " where run_id = any(?) and step_name is not null group by run_id, step_name",
                row -> row.getLong(1), runIds);
    }

    /** Steps with a {@code step.started} after their {@code step.completed}. */
    private static List<String> stepsStartedAgainAfterCompletion(List<String> runIds) {
        return database.query("select started.run_id || ' ' || started.step_name from nvent_run_event started"
                + " join nvent_run_event completed on completed.run_id = started.run_id"
                + " and completed.step_name = started.step_name and completed.event_type = 'step.completed'"
                + " where started.run_id = any(?) and started.event_type = 'step.started'"
                + " and started.seq > completed.seq", row -> row.getString(1), runIds);
    }

    /** Runs whose history is not numbered 1, 2, ... up to the run's last sequence number. */
    private static List<String> historiesWithGaps(List<String> runIds) {
        return database.query("select r.run_id from nvent_run r left join nvent_run_event e on e.run_id = r.run_id"
                + " where r.run_id = any(?) group by r.run_id, r.last_seq"
                + " having count(e.seq) <> r.last_seq or min(e.seq) <> 1 or max(e.seq) <> r.last_seq",
                row -> row.getString(1), runIds);
    }

    private static List<String> historyTypes(String runId) {
        return database.query("select event_type from nvent_run_event where run_id = ? order by seq",
                row -> row.getString(1), runId);
    }

    private static String historyLines(String runId) {
        return database.query("select seq, event_type, step_name, payload::text from nvent_run_event"
                + " where run_id = ? order by seq", row -> row.getLong(1) + " " + row.getString(2) + " "
                + row.getString(3) + " " + row.getString(4), runId).toString();
    }

    /** Runs started per schedule tick (its whole second: a tick fired under another key counts too). */
    private static Map<Instant, Long> tickRuns() {
        return counted(database.query("select input_json ->> 'scheduledAt' from nvent_run where flow = 'tick'",
                row -> Instant.parse(row.getString(1)).truncatedTo(ChronoUnit.SECONDS)));
    }

    /** Executions of the tick step per tick (its whole second). */
    private static Map<Instant, Long> ledgerTicks() {
        return counted(database.query("select detail from cluster_ledger where flow = 'tick'",
                row -> Instant.parse(row.getString(1)).truncatedTo(ChronoUnit.SECONDS)));
    }

    /** The claimed ticks between two instants, each with how late it was claimed. */
    private static String tickClaims(Instant from, Instant to) {
        return database.query("select scheduled_at, claimed_at from nvent_schedule_tick where trigger_name = ?"
                        + " and scheduled_at between ? and ? order by scheduled_at",
                row -> ClusterDatabase.instant(row, 1).toString().substring(11) + " +"
                        + millis(ClusterDatabase.instant(row, 1), ClusterDatabase.instant(row, 2)),
                "every-second", from.atOffset(ZoneOffset.UTC), to.atOffset(ZoneOffset.UTC)).toString();
    }

    private static Map<Instant, Long> counted(List<Instant> ticks) {
        return ticks.stream().collect(Collectors.groupingBy(t -> t, TreeMap::new, Collectors.counting()));
    }

    // ------------------------------------------------------------------ the closing note

    /** Prints how long the survivor took to take over; the README quotes these figures. */
    private static void reportRecovery(List<String> runIds, Set<RunStep> inFlight,
                                       Map<RunStep, List<Execution>> executions, Instant killedAt) {
        List<Instant> recovered = inFlight.stream().map(executions::get)
                .filter(e -> e != null && executedBeforeAndAfterKill(e, killedAt)).map(e -> e.get(1).at()).sorted()
                .toList();
        Instant lastEnded = database.query("select max(ended_at) from nvent_run where run_id = any(?)",
                row -> ClusterDatabase.instant(row, 1), runIds).get(0);
        Instant lastInFlightCompleted = database.query("select max(occurred_at) from nvent_run_event"
                        + " where event_type = 'step.completed' and run_id || ':' || step_name = any(?)",
                row -> ClusterDatabase.instant(row, 1),
                inFlight.stream().map(s -> s.runId() + ":" + s.step()).toList()).get(0);
        System.out.printf("RECOVERY kill -9 of instance a with %d runs (%d ms per step) in flight: a held %d step"
                        + " leases; %d steps ran again on b; first re-executed step started %s after the kill;"
                        + " all steps a was executing completed %s after it; all %d runs completed %s after it"
                        + " (step lease nvent.stall.timeout-ms=5000, job lease PT5S, sweep 500 ms)%n",
                runIds.size(), WORK_MS_WHEN_KILLED, inFlight.size(), recovered.size(),
                recovered.isEmpty() ? "-" : millis(killedAt, recovered.get(0)), millis(killedAt, lastInFlightCompleted),
                runIds.size(), millis(killedAt, lastEnded));
    }

    private static String millis(Instant from, Instant to) {
        return to == null ? "-" : Duration.between(from, to).toMillis() + " ms";
    }
}
