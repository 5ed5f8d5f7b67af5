package io.nvent.bench;

import io.nvent.AwaitAfter;
import io.nvent.AwaitBefore;
import io.nvent.AwaitRegistered;
import io.nvent.AwaitType;
import io.nvent.BackoffType;
import io.nvent.FlowStep;
import io.nvent.RunInfo;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.TimeoutAction;
import io.nvent.Trigger;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.spi.RateLimit;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicReference;
import javax.management.ObjectName;

/**
 * An exploratory soak, not a benchmark: drives an embedded engine through many batches of runs that
 * use every feature (success, retries then failure, operator retries, cancels while waiting on an
 * await, a delay, a rate limit or a paused queue, child flows, event and webhook triggers, emits that
 * resolve awaits, rate limits with many group keys), lets every batch end, clears the history, and
 * prints what the engine still holds: the size of every collection reachable from it (by field path,
 * summed over elements), its threads and a heap histogram, compared with the first batch.
 *
 * <pre>
 * java -cp "bench/target/nvent-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" io.nvent.bench.Soak memory 10 250
 * </pre>
 * (profile, batches, rounds per batch; a round starts about ten runs).
 */
public final class Soak {

    static final Set<String> HEALED = ConcurrentHashMap.newKeySet();
    static final Map<String, String> TOKENS = new ConcurrentHashMap<>();

    @FlowStep(flow = "s-ok", name = "a", role = StepRole.ENTRY, emits = "ok.a")
    public static class OkA implements Step<Map<String, Object>, Map<String, Object>> {
        @Override
        public Map<String, Object> execute(Map<String, Object> input, StepContext ctx) {
            ctx.state().set("seen", input.get("n"));
            if (Boolean.TRUE.equals(input.get("child"))) {
                ctx.startFlow("s-child", Map.of("n", input.get("n")));
            }
            ctx.logger().info("ok " + input.get("n"));
            ctx.emit("ok.a", Map.of("n", input.get("n")));
            return Map.of("ok", true);
        }
    }

    @FlowStep(flow = "s-ok", name = "b", subscribes = "ok.a")
    public static class OkB implements Step<Map<String, Object>, Object> {
        @Override
        public Object execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "s-child", name = "c", role = StepRole.ENTRY)
    public static class Child implements Step<Map<String, Object>, Object> {
        @Override
        public Object execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "s-fail", name = "f", role = StepRole.ENTRY, maxAttempts = 2, backoff = BackoffType.FIXED,
            backoffDelayMs = 1)
    public static class Fail implements Step<Map<String, Object>, Object> {
        @Override
        public Object execute(Map<String, Object> input, StepContext ctx) {
            if (HEALED.contains(ctx.runId())) {
                return "healed";
            }
            throw new IllegalStateException("partner away");
        }
    }

    @FlowStep(flow = "s-delay", name = "d", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.TIME, delayMs = 3_600_000)
    public static class Delay implements Step<Map<String, Object>, Object> {
        @Override
        public Object execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "s-hook", name = "h", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 3_600_000)
    public static class Hook implements Step<Map<String, Object>, Object> {
        @Override
        public Object execute(Map<String, Object> input, StepContext ctx) {
            return ctx.triggerData().orElse("none");
        }
    }

    @FlowStep(flow = "s-hook-to", name = "h", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 300, timeoutAction = TimeoutAction.FAIL)
    public static class HookTimesOut implements Step<Map<String, Object>, Object> {
        @Override
        public Object execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "s-ask", name = "ask", role = StepRole.ENTRY, emits = "ask.answered")
    @AwaitAfter(type = AwaitType.EVENT, event = "answer", filterKey = "requestId", timeoutMs = 3_600_000)
    public static class Ask implements Step<Map<String, Object>, Map<String, Object>> {
        @Override
        public Map<String, Object> execute(Map<String, Object> input, StepContext ctx) {
            ctx.emit("ask.answered", Map.of("requestId", input.get("requestId")));
            return Map.of("requestId", input.get("requestId"));
        }
    }

    @FlowStep(flow = "s-ask", name = "after", subscribes = "ask.answered")
    public static class AskAfter implements Step<Map<String, Object>, Object> {
        @Override
        public Object execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "s-answer", name = "answer", role = StepRole.ENTRY, emits = "answer")
    public static class Answer implements Step<Map<String, Object>, Object> {
        @Override
        public Object execute(Map<String, Object> input, StepContext ctx) {
            ctx.emit("answer", Map.of("requestId", input.get("requestId")));
            return null;
        }
    }

    @FlowStep(flow = "s-trig", name = "t", role = StepRole.ENTRY)
    @Trigger(name = "s-on-answer", type = TriggerType.EVENT, event = "answer")
    @Trigger(name = "s-hooked", type = TriggerType.WEBHOOK)
    public static class Triggered implements Step<Map<String, Object>, Object> {
        @Override
        public Object execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "s-limited", name = "l", role = StepRole.ENTRY, queue = "limited")
    public static class Limited implements Step<Map<String, Object>, Object> {
        @Override
        public Object execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "s-paused", name = "p", role = StepRole.ENTRY, queue = "paused-q")
    public static class Paused implements Step<Map<String, Object>, Object> {
        @Override
        public Object execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "s-slow", name = "slow", role = StepRole.ENTRY, maxAttempts = 2, backoff = BackoffType.FIXED,
            backoffDelayMs = 1, timeoutMs = 100)
    public static class Slow implements Step<Map<String, Object>, Object> {
        @Override
        public Object execute(Map<String, Object> input, StepContext ctx) throws Exception {
            Thread.sleep(5_000);
            return null;
        }
    }

    static final List<String> FLOWS = List.of("s-ok", "s-child", "s-fail", "s-delay", "s-hook", "s-hook-to", "s-ask",
            "s-answer", "s-trig", "s-limited", "s-paused", "s-slow");

    public static void main(String[] args) throws Exception {
        String profileName = args.length > 0 ? args[0] : "memory";
        int batches = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        try (Profile profile = Bench.profile(profileName)) {
            EmbeddedEngine.Builder builder = EmbeddedEngine.newBuilder().store(profile.store())
                    .schedulingStore(profile.scheduling()).queue(profile.queue()).concurrency(8)
                    .rateLimit("limited", Optional.of(new RateLimit(2, Duration.ofMillis(200))))
                    .rateLimitGroupKey("limited", "customer")
                    .rateLimitsPerInstance(Boolean.getBoolean("soak.per-instance"))
                    .leaseDuration(Duration.ofSeconds(5))
                    .hooks(event -> {
                        if (event instanceof AwaitRegistered registered) {
                            registered.webhookToken().ifPresent(token -> TOKENS.put(registered.await().runId(), token));
                        }
                    });
            for (Step<?, ?> step : List.of(new OkA(), new OkB(), new Child(), new Fail(), new Delay(), new Hook(),
                    new HookTimesOut(), new Ask(), new AskAfter(), new Answer(), new Triggered(), new Limited(),
                    new Paused(), new Slow())) {
                builder.step(step);
            }
            try (EmbeddedEngine engine = builder.build()) {
                engine.pauseQueue("paused-q");
                Snapshot first = null;
                long started = System.nanoTime();
                for (int batch = 0; batch < batches; batch++) {
                    int runs = batch(engine, batch * rounds, rounds);
                    settle(engine);
                    Snapshot now = Snapshot.take(engine);
                    System.out.printf(Locale.ROOT, "batch %d: %d runs, %.0f s, threads %d, heap used %d MB%n", batch,
                            runs, (System.nanoTime() - started) / 1e9, now.threads.values().stream()
                                    .mapToInt(Integer::intValue).sum(), now.heapUsed >> 20);
                    for (String q : List.of("s-ok", "s-fail", "s-limited", "limited", "paused-q", "s-slow", "s-delay")) {
                        System.out.println("  queue " + q + " " + engine.queue().counts(q));
                    }
                    engine.queue().jobs("limited", io.nvent.spi.JobState.FAILED, 0, 2)
                            .forEach(job -> System.out.println("  failed job " + job));
                    if (first == null) {
                        first = now;
                        now.print();
                    } else {
                        now.compare(first);
                    }
                }
                long idle = Long.getLong("soak.idle-seconds", 0);
                if (idle > 0) {
                    // Past the steps' timeouts and the rate limits' spans, what is bounded by time has gone.
                    Thread.sleep(idle * 1000);
                    settle(engine);
                    System.out.printf(Locale.ROOT, "after %d s idle:%n", idle);
                    Snapshot.take(engine).compare(first);
                }
            }
        }
        System.exit(0);
    }

    /** One batch: starts its runs, acts on them as operators would, and waits until every one ended. */
    static int batch(EmbeddedEngine engine, int from, int rounds) throws Exception {
        var flows = engine.flows();
        List<String> all = new ArrayList<>();
        List<String> failing = new ArrayList<>();
        List<String> toCancel = new ArrayList<>();
        List<String> hooks = new ArrayList<>();
        List<String> slow = new ArrayList<>();
        Map<String, String> asks = new HashMap<>();
        // Triggers created at run time and deleted again: schedules that tick, events, webhooks.
        List<String> created = new ArrayList<>();
        for (int k = 0; k < 5; k++) {
            String id = from + "-" + k;
            engine.triggers().create(TriggerSpec.newBuilder("tick-" + id, TriggerType.SCHEDULE).flow("s-child")
                    .every(Duration.ofSeconds(1)).build());
            engine.triggers().create(TriggerSpec.newBuilder("ev-" + id, TriggerType.EVENT).flow("s-child")
                    .event("answer").filter("{\"requestId\":\"r" + (from + k) + "\"}").build());
            engine.triggers().create(TriggerSpec.newBuilder("wh-" + id, TriggerType.WEBHOOK).flow("s-child").build());
            engine.triggers().fire("wh-" + id, "{}", StartOptions.idempotent("wh-delivery-" + id));
            created.addAll(List.of("tick-" + id, "ev-" + id, "wh-" + id));
        }
        for (int i = from; i < from + rounds; i++) {
            Map<String, Object> input = Map.of("n", i, "child", i % 3 == 0);
            all.add(i % 2 == 0 ? flows.start("s-ok", input, StartOptions.idempotent("soak-" + i)).runId()
                    : flows.start("s-ok", input));
            String fail = flows.start("s-fail", Map.of("n", i));
            failing.add(fail);
            all.add(fail);
            String delay = flows.start("s-delay", Map.of("n", i));
            toCancel.add(delay);
            String hook = flows.start("s-hook", Map.of("n", i));
            hooks.add(hook);
            all.add(hook);
            if (i % 10 == 0) {
                all.add(flows.start("s-hook-to", Map.of("n", i)));
                String later = flows.start("s-child", Map.of("n", i), StartOptions.delayed(Duration.ofHours(1))).runId();
                toCancel.add(later);
            }
            String ask = flows.start("s-ask", Map.of("requestId", "r" + i));
            asks.put(ask, "r" + i);
            all.add(ask);
            if (i % 5 == 0) {
                engine.triggers().fire("s-hooked", "{\"n\":" + i + "}", StartOptions.idempotent("delivery-" + i));
                toCancel.add(flows.start("s-limited", Map.of("customer", "hot")));
            }
            all.add(flows.start("s-limited", Map.of("customer", "c" + i)));
            if (i % 20 == 0) {
                toCancel.add(flows.start("s-paused", Map.of("n", i)));
            }
            if (i % 50 == 0) {
                slow.add(flows.start("s-slow", Map.of("n", i)));
            }
        }
        all.addAll(toCancel);
        all.addAll(slow);
        // Operators: cancel what waits (a delay, a paused queue, a rate limit), half of the webhooks.
        for (String runId : toCancel) {
            flows.cancel(runId);
        }
        for (int k = 0; k < slow.size(); k += 2) {
            flows.cancel(slow.get(k));
        }
        for (int k = 0; k < hooks.size(); k++) {
            String runId = hooks.get(k);
            if (k % 2 == 0) {
                flows.cancel(runId);
                continue;
            }
            String token = waitFor(() -> TOKENS.get(runId));
            flows.resolveWebhook(token, "{\"approved\":true}");
        }
        // Answer every question once it waits for its answer: its emit resolves the await and fires a trigger.
        for (Map.Entry<String, String> ask : asks.entrySet()) {
            waitFor(() -> flows.run(ask.getKey()).orElseThrow().status() == RunStatus.AWAITING ? "yes" : null);
            all.add(flows.start("s-answer", Map.of("requestId", ask.getValue())));
        }
        // Retry half of the failed runs after their cause went away.
        for (int k = 0; k < failing.size(); k++) {
            String runId = failing.get(k);
            try {
                waitFor(() -> ended(flows.run(runId)) ? "yes" : null);
            } catch (IllegalStateException e) {
                throw new IllegalStateException("run " + flows.run(runId) + " waits " + flows.waits(runId), e);
            }
            if (k % 2 == 0) {
                HEALED.add(runId);
                flows.retryStep(runId, "f");
            }
        }
        for (String runId : all) {
            try {
                waitFor(() -> ended(flows.run(runId)) ? "yes" : null);
            } catch (IllegalStateException e) {
                throw new IllegalStateException("run " + flows.run(runId) + " waits " + flows.waits(runId), e);
            }
        }
        for (String trigger : created) {
            engine.triggers().delete(trigger);
        }
        HEALED.clear();
        TOKENS.clear();
        int runs = 0;
        for (String flow : FLOWS) {
            runs += flows.clearHistory(flow);
        }
        return runs;
    }

    static boolean ended(Optional<RunInfo> run) {
        RunStatus status = run.orElseThrow().status();
        return status == RunStatus.COMPLETED || status == RunStatus.FAILED || status == RunStatus.CANCELED;
    }

    static <T> T waitFor(java.util.function.Supplier<T> value) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < until) {
            T found = value.get();
            if (found != null) {
                return found;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("waited 2 minutes in vain");
    }

    /** Lets timers and sweeps pass. */
    static void settle(EmbeddedEngine engine) throws InterruptedException {
        for (int i = 0; i < 4; i++) {
            Thread.sleep(1_500);
            engine.sweep();
        }
        System.gc();
    }

    /** What the engine holds at one moment. */
    static final class Snapshot {
        final Map<String, long[]> collections = new TreeMap<>();
        final Map<String, Integer> threads = new TreeMap<>();
        final Map<String, long[]> histogram = new HashMap<>();
        long heapUsed;

        static Snapshot take(EmbeddedEngine engine) throws Exception {
            Snapshot s = new Snapshot();
            new Walker(s.collections).walk(engine, "engine");
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                s.threads.merge(t.getName().replaceAll("[0-9]+", "#"), 1, Integer::sum);
            }
            String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
            for (String line : text.split("\n")) {
                String[] parts = line.trim().split("\\s+");
                if (parts.length >= 4 && parts[0].endsWith(":")) {
                    s.histogram.put(parts[3], new long[] {Long.parseLong(parts[1]), Long.parseLong(parts[2])});
                }
            }
            Runtime rt = Runtime.getRuntime();
            s.heapUsed = rt.totalMemory() - rt.freeMemory();
            return s;
        }

        void print() {
            collections.forEach((path, size) -> System.out.printf("  %-110s %6d x %8d%n", path, size[0], size[1]));
            threads.forEach((name, n) -> System.out.printf("  thread %-60s %d%n", name, n));
        }

        void compare(Snapshot first) {
            collections.forEach((path, size) -> {
                long[] was = first.collections.getOrDefault(path, new long[2]);
                if (size[1] > was[1] || size[0] > was[0]) {
                    System.out.printf("  GREW %-105s %6d x %8d (first %d x %d)%n", path, size[0], size[1], was[0],
                            was[1]);
                }
            });
            threads.forEach((name, n) -> {
                if (n > first.threads.getOrDefault(name, 0)) {
                    System.out.printf("  MORE THREADS %-60s %d (first %d)%n", name, n, first.threads.getOrDefault(name, 0));
                }
            });
            histogram.entrySet().stream()
                    .sorted((a, b) -> Long.compare(b.getValue()[1] - first.histogram.getOrDefault(b.getKey(),
                            new long[2])[1], a.getValue()[1] - first.histogram.getOrDefault(a.getKey(), new long[2])[1]))
                    .limit(25).forEach(e -> {
                        long[] was = first.histogram.getOrDefault(e.getKey(), new long[2]);
                        System.out.printf("  heap %-90s +%d instances +%d bytes%n", e.getKey(), e.getValue()[0] - was[0],
                                e.getValue()[1] - was[1]);
                    });
        }
    }

    /**
     * Walks the objects of nvent's classes reachable from a root, and every JDK collection, map, array
     * or atomic reference among their fields, recording each collection's size under its field path
     * (elements as {@code [*]}): how many collections the path names and their summed size.
     */
    static final class Walker {
        private final Map<String, long[]> sizes;
        private final Set<Object> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        private final Map<Class<?>, List<Field>> fields = new HashMap<>();

        Walker(Map<String, long[]> sizes) {
            this.sizes = sizes;
        }

        void walk(Object o, String path) {
            if (o == null || o instanceof String || o instanceof Number || o instanceof Boolean || o instanceof Class
                    || o instanceof Enum || o instanceof Thread || !seen.add(o)) {
                return;
            }
            if (path.length() > 400) {
                return;
            }
            try {
                if (o instanceof Map<?, ?> map) {
                    record(path, map.size());
                    for (Map.Entry<?, ?> e : List.copyOf(map.entrySet())) {
                        walk(e.getKey(), path + "{k}");
                        walk(e.getValue(), path + "[*]");
                    }
                } else if (o instanceof Collection<?> c) {
                    record(path, c.size());
                    for (Object e : c.toArray()) {
                        walk(e, path + "[*]");
                    }
                } else if (o.getClass().isArray()) {
                    if (!o.getClass().getComponentType().isPrimitive()) {
                        int n = Array.getLength(o);
                        for (int i = 0; i < n; i++) {
                            walk(Array.get(o, i), path + "[]");
                        }
                    }
                } else if (o instanceof AtomicReference<?> ref) {
                    walk(ref.get(), path);
                } else if (o instanceof Optional<?> opt) {
                    walk(opt.orElse(null), path);
                } else if (o instanceof ThreadPoolExecutor pool) {
                    record(path + "#queue", pool.getQueue().size());
                    record(path + "#threads", pool.getPoolSize());
                } else if (o.getClass().getName().startsWith("io.nvent")) {
                    if (o instanceof java.util.concurrent.Delayed delayed) {
                        long ms = delayed.getDelay(java.util.concurrent.TimeUnit.MILLISECONDS);
                        record(path + "#due " + (ms < 0 ? "past" : ms < 60_000 ? "<1min" : ms < 3_600_000 ? "<1h"
                                : ">=1h"), 0);
                    }
                    if (o.getClass().getName().contains("$$Lambda")) {
                        record(path + "#" + o.getClass().getName().replaceAll("/0x.*", ""), 0);
                    }
                    for (Field f : fieldsOf(o.getClass())) {
                        walk(f.get(Modifier.isStatic(f.getModifiers()) ? null : o),
                                path + "." + f.getName());
                    }
                }
            } catch (RuntimeException | IllegalAccessException e) {
                record(path + "#unreadable:" + e.getClass().getSimpleName(), 0);
            }
        }

        private void record(String path, int size) {
            long[] s = sizes.computeIfAbsent(path, p -> new long[2]);
            s[0]++;
            s[1] += size;
        }

        private List<Field> fieldsOf(Class<?> type) {
            return fields.computeIfAbsent(type, t -> {
                List<Field> found = new ArrayList<>();
                for (Class<?> c = t; c != null && c != Object.class; c = c.getSuperclass()) {
                    for (Field f : c.getDeclaredFields()) {
                        if (!f.getType().isPrimitive()) {
                            try {
                                f.setAccessible(true);
                                found.add(f);
                            } catch (RuntimeException inaccessible) {
                                // a JDK class's field
                            }
                        }
                    }
                }
                return found;
            });
        }
    }
}
