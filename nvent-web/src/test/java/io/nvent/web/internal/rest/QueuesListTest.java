package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.QueueControls;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@code GET /api/nvent/queues}: the workers operators set at run time, read from the store once for all queues. */
class QueuesListTest {

    @FlowStep(flow = "poster", name = "layout", role = StepRole.ENTRY, queue = "layout", emits = "laid-out")
    public static class Layout implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "poster", name = "render", queue = "render", subscribes = "laid-out", emits = "rendered")
    public static class Render implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "poster", name = "mail", queue = "mail", subscribes = "rendered")
    public static class Mail implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void listingTheQueuesReadsTheWorkersSetAtRunTimeWhichArePausedAndWhoPausedOrSetThemOnceForAllOfThem() {
        AtomicInteger readsOfOne = new AtomicInteger();
        try (EngineCloser closer = posterEngine()) {
            CountingControls controls = new CountingControls(Map.of("render", 2)) {
                @Override
                public OptionalInt workersOverride(String queue) {
                    readsOfOne.incrementAndGet();
                    return queue.equals("render") ? OptionalInt.of(2) : OptionalInt.empty();
                }
            };
            io.nvent.spi.JobQueue adapter = closer.engine.queue();
            adapter.pause("mail");
            AtomicInteger pauseReads = new AtomicInteger();
            // Each question whether a queue is paused is a round trip on PostgreSQL.
            io.nvent.spi.JobQueue counting = (io.nvent.spi.JobQueue) java.lang.reflect.Proxy.newProxyInstance(
                    getClass().getClassLoader(), new Class<?>[] {io.nvent.spi.JobQueue.class}, (proxy, method, args) -> {
                        if (method.getName().equals("isPaused") || method.getName().equals("pausedQueues")) {
                            pauseReads.incrementAndGet();
                        }
                        try {
                            return method.invoke(adapter, args);
                        } catch (java.lang.reflect.InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            InProcessApi api = InProcessApi.withQueues(closer.engine.flows(), counting, controls);

            JsonArray queues = Json.createReader(new StringReader((String) api.get("queues").getEntity())).readArray();

            assertThat(queues).hasSize(3);
            assertThat(queues.getValuesAs(JsonObject.class)).allSatisfy(q -> assertThat(q.isNull("workersOverride"))
                    .isEqualTo(!q.getString("name").equals("render")));
            assertThat(controls.readsOfAll).as("one read for the list").hasValue(1);
            assertThat(readsOfOne).as("none per queue").hasValue(0);
            assertThat(controls.readsOfChanges).as("who paused them and who set their workers: one read each")
                    .hasValue(2);
            assertThat(pauseReads).as("which are paused: one question to the queue adapter").hasValue(1);
            assertThat(queues.getValuesAs(JsonObject.class)).filteredOn(q -> q.getBoolean("paused"))
                    .extracting(q -> q.getString("name")).containsExactly("mail");
            assertThat(queues.getValuesAs(JsonObject.class)).filteredOn(q -> q.getString("name").equals("render"))
                    .singleElement().satisfies(render -> assertThat(render.getJsonObject("workersChange")
                            .getBoolean("known")).as("set where the store keeps no change").isFalse());
        }
    }

    /**
     * {@code GET /api/nvent/queues/{queue}/rate-limit} answers the limit and who used it: it reads none of what only
     * the queue's own JSON needs (who paused it, the workers set at run time, which are paused), once four reads of
     * the store and a question to the queue adapter for a field it then threw away.
     */
    @Test
    void theRateLimitsUsageReadsNeitherThePausesNorTheWorkersOfTheQueues() {
        try (EngineCloser closer = posterEngine()) {
            CountingControls controls = new CountingControls(Map.of()) {
                @Override
                public Optional<QueueRateLimit> rateLimit(String queue) {
                    return Optional.of(new QueueRateLimit(new io.nvent.spi.RateLimit(5, java.time.Duration.ofSeconds(1)),
                            Optional.empty(), true));
                }

                @Override
                public java.util.List<RateLimitGroupUsage> rateLimitUsage(String queue, int most) {
                    return java.util.List.of();
                }
            };
            InProcessApi api = InProcessApi.withQueues(closer.engine.flows(), closer.engine.queue(), controls);

            JsonObject usage = Json.createReader(new StringReader(
                    (String) api.get("queues/layout/rate-limit").getEntity())).readObject();

            assertThat(usage.toString()).isEqualTo("{\"queue\":\"layout\",\"rateLimit\":{\"max\":5,"
                    + "\"durationMs\":1000,\"scope\":\"cluster\",\"groupKey\":null},\"groups\":[]}");
            assertThat(controls.readsOfAll.get() + controls.readsOfChanges.get())
                    .as("reads of the store for the queue's JSON").isZero();
        }
    }

    private static EngineCloser posterEngine() {
        return new EngineCloser(EmbeddedEngine.newBuilder().step(new Layout()).step(new Render()).step(new Mail()).build());
    }

    /**
     * Four workers a queue, the given ones set at run time, none paused or changed by anyone the store knows of,
     * no rate limit: it counts the reads of the store the queue list makes.
     */
    private static class CountingControls extends QueueControls {
        final AtomicInteger readsOfAll = new AtomicInteger();
        final AtomicInteger readsOfChanges = new AtomicInteger();
        private final Map<String, Integer> overrides;

        CountingControls(Map<String, Integer> overrides) {
            this.overrides = overrides;
        }

        @Override
        public int workersHere(String queue) {
            return 4;
        }

        @Override
        public int configuredWorkers(String queue) {
            return 4;
        }

        @Override
        public Map<String, Integer> workersOverrides() {
            readsOfAll.incrementAndGet();
            return overrides;
        }

        @Override
        public Map<String, io.nvent.spi.QueueChange> pauseChanges() {
            readsOfChanges.incrementAndGet();
            return Map.of();
        }

        @Override
        public Map<String, io.nvent.spi.QueueChange> workersChanges() {
            readsOfChanges.incrementAndGet();
            return Map.of();
        }

        @Override
        public Optional<QueueRateLimit> rateLimit(String queue) {
            return Optional.empty();
        }
    }

    /**
     * A GET is a read: listing the queues and asking the health check write nothing, not even when the store records
     * a pause this instance has not applied yet (another instance's, or one whose adapter call failed), which once
     * made {@code GET /api/nvent/queues} pause the queue on PostgreSQL under the pause lock. The maintenance sweep
     * applies it, and the list then shows it with who paused it.
     */
    @Test
    void listingTheQueuesAndTheHealthCheckWriteNothingToTheQueueAdapterEvenWithAPauseRecordedButNotAppliedHere() {
        Set<String> writes = Set.of("enqueue", "enqueueAsync", "continueWith", "registerWorker", "limitRate",
                "resizeWorkers", "registerIdleWorker", "pause", "resume", "retry", "redrive", "discard", "close");
        List<String> written = new CopyOnWriteArrayList<>();
        AtomicBoolean adapterAway = new AtomicBoolean();
        try (EngineCloser seed = new EngineCloser(EmbeddedEngine.newBuilder().build())) {
            io.nvent.spi.JobQueue adapter = seed.engine.queue();
            io.nvent.spi.JobQueue watched = (io.nvent.spi.JobQueue) java.lang.reflect.Proxy.newProxyInstance(
                    getClass().getClassLoader(), new Class<?>[] {io.nvent.spi.JobQueue.class}, (proxy, method, args) -> {
                        if (writes.contains(method.getName())) {
                            written.add(method.getName() + (args == null || args.length == 0 ? "" : " " + args[0]));
                            if (adapterAway.get()) {
                                throw new IllegalStateException("the queue adapter is away");
                            }
                        }
                        try {
                            return method.invoke(adapter, args);
                        } catch (java.lang.reflect.InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            // No sweep but the test's own: the background one (every 500 ms) applies the recorded pause, a write
            // that the check of the reads below would count as theirs.
            try (EngineCloser closer = new EngineCloser(EmbeddedEngine.newBuilder().step(new Layout())
                    .step(new Render()).step(new Mail()).queue(watched).sweepEvery(java.time.Duration.ofHours(1))
                    .build())) {
                adapterAway.set(true);
                assertThatThrownBy(() -> closer.engine.queueControls()
                        .actingAs(io.nvent.Operator.signedIn("alice").because("supplier outage")).pause("mail"))
                        .as("recorded in the store, not applied here").isInstanceOf(IllegalStateException.class);
                adapterAway.set(false);
                written.clear();
                InProcessApi api = InProcessApi.withQueues(closer.engine);
                InProcessApi health = InProcessApi.of(closer.engine.flows(), HealthResource.class);

                assertThat(api.get("queues").getStatus()).isEqualTo(200);
                assertThat(api.get("queues/mail").getStatus()).isEqualTo(200);
                assertThat(health.get("health").getStatus()).isIn(200, 503);
                assertThat(health.get("health/ready").getStatus()).isIn(200, 503);

                assertThat(written).as("writes to the queue adapter by reads").isEmpty();

                closer.engine.sweep();

                assertThat(written).as("the sweep applies the recorded pause").contains("pause mail");
                JsonObject mail = Json.createReader(new StringReader((String) api.get("queues/mail").getEntity()))
                        .readObject();
                assertThat(mail.getBoolean("paused")).isTrue();
                assertThat(mail.getJsonObject("pause").getString("by")).isEqualTo("alice");
            }
        }
    }

    /**
     * A queue paused on the adapter directly, in code, is not paused by unknown: its JSON says code on which instance
     * did it, and since when.
     */
    @Test
    void aQueuePausedInCodeOnTheAdapterShowsItWasCodeAndSinceWhen() {
        try (EngineCloser closer = new EngineCloser(EmbeddedEngine.newBuilder().step(new Layout()).step(new Render())
                .step(new Mail()).build())) {
            java.time.Instant before = java.time.Instant.now().minusSeconds(1);
            closer.engine.queue().pause("render");
            InProcessApi api = InProcessApi.withQueues(closer.engine);

            JsonArray queues = Json.createReader(new StringReader((String) api.get("queues").getEntity())).readArray();

            JsonObject pause = queues.getValuesAs(JsonObject.class).stream()
                    .filter(q -> q.getString("name").equals("render")).findFirst().orElseThrow().getJsonObject("pause");
            assertThat(pause.getBoolean("known")).isTrue();
            assertThat(pause.getString("by")).startsWith("code@");
            assertThat(java.time.Instant.parse(pause.getString("at"))).isAfter(before);
        }
    }

    /** Closes the engine after the test. */
    private record EngineCloser(EmbeddedEngine engine) implements AutoCloseable {
        @Override
        public void close() {
            engine.close();
        }
    }
}
