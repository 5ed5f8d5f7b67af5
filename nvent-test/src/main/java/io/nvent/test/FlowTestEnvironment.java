package io.nvent.test;

import io.nvent.AwaitInfo;
import io.nvent.AwaitRegistered;
import io.nvent.AwaitStatus;
import io.nvent.AwaitType;
import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowService;
import io.nvent.HistoryEvent;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepDefinition;
import io.nvent.StepStatus;
import io.nvent.StepWait;
import io.nvent.TriggerEvent;
import io.nvent.TriggerInfo;
import io.nvent.TriggerService;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.FlowValidation;
import io.nvent.cdi.VirtualClock;
import io.nvent.spi.AttemptInterceptor;
import io.nvent.spi.JobCounts;
import io.nvent.spi.JobQueue;
import io.nvent.spi.JobState;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import java.io.StringReader;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Tests of an application's flows without a server: the same engine as in a container, on in-memory
 * adapters and on a {@link VirtualClock} that only the test moves, so that a flow that waits three days
 * for an approval, or retries after an hour, is tested in milliseconds.
 *
 * <pre>{@code
 * try (FlowTestEnvironment env = FlowTestEnvironment.newBuilder()
 *         .step(new ValidateOrder()).step(new ChargeCard(fakePayments)).build()) {
 *     String runId = env.flows().start("order", new Order("A-1", 2));
 *     env.advanceTime(Duration.ofHours(1));              // the charge's retry after its 1 h backoff runs
 *     RunInfo run = env.awaitRun(runId, Duration.ofSeconds(5));
 * }
 * }</pre>
 *
 * <p>Steps are instances the test constructs (with fakes for what they would get injected); their
 * {@code @FlowStep}, {@code @AwaitBefore}, {@code @AwaitAfter} and {@code @Trigger} annotations are
 * read and the flow graph is validated as at deployment ({@link io.nvent.cdi.FlowValidation} makes that
 * check alone, on the step classes, without instances). Time moves only through {@link #advanceTime},
 * {@link #advanceTimeTo} and, when {@link Builder#autoSkipTime auto-skip} is on, while {@link #awaitRun}
 * waits; each runs everything that comes due on the way, in order, and waits for the steps that this
 * sets going.
 *
 * @since 0.2
 */
public final class FlowTestEnvironment implements AutoCloseable {

    /** Where the virtual clock stands at first, unless {@link Builder#startingAt} says otherwise. */
    public static final Instant DEFAULT_START = Instant.parse("2030-01-01T00:00:00Z");
    /** How long, in real time, the environment waits for runs and steps unless told otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /** How long nothing must run nor be due before a run that has not ended counts as stuck. */
    private static final Duration STUCK_AFTER = Duration.ofMillis(100);
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /** Runs of which steps may be queued or running: a compensating run queues its compensations one by one. */
    private static final List<RunStatus> UNFINISHED = List.of(RunStatus.RUNNING, RunStatus.AWAITING,
            RunStatus.COMPENSATING);
    /**
     * Why a queued step may wait while the environment is idle: for time (a rate limit too, which the
     * engine keeps on the virtual clock), or a queue the test paused.
     */
    private static final Set<StepWait.Reason> WAITS_FOR_THE_TEST = EnumSet.of(StepWait.Reason.DUE_LATER,
            StepWait.Reason.RATE_LIMIT, StepWait.Reason.HANDED_BACK, StepWait.Reason.QUEUE_PAUSED,
            StepWait.Reason.AWAIT, StepWait.Reason.NOT_DEPLOYED);
    private static final int RUNS_READ = 1000;
    /** Awaits read at once to find the next one that comes due. */
    private static final int AWAITS_READ = 10_000;
    /** A trigger's history entries read to find the fires of a tick. */
    private static final int TRIGGER_ENTRIES_READ = 1000;

    private static final System.Logger LOG = System.getLogger(FlowTestEnvironment.class.getName());

    private final VirtualClock clock;
    private final EmbeddedEngine engine;
    private final boolean autoSkip;
    private final Duration timeout;
    private final List<AwaitRegistered> registered = new CopyOnWriteArrayList<>();

    private FlowTestEnvironment(Builder b) {
        List<Class<?>> stepClasses = b.steps.stream().<Class<?>>map(Object::getClass).distinct().toList();
        if (b.requireDeployable) {
            FlowValidation.validate(stepClasses);
        }
        this.clock = VirtualClock.startingAt(b.start);
        this.autoSkip = b.autoSkip;
        this.timeout = b.timeout;
        EmbeddedEngine.Builder engineBuilder = EmbeddedEngine.newBuilder();
        b.engineSettings.accept(engineBuilder);
        b.steps.forEach(engineBuilder::step);
        b.interceptors.forEach(engineBuilder::interceptor);
        b.exclusionCalendars.forEach(engineBuilder::exclusionCalendar);
        Consumer<Object> hooks = b.hooks;
        this.engine = engineBuilder.clock(clock).hooks(event -> {
            if (event instanceof AwaitRegistered await) {
                registered.add(await);
            }
            hooks.accept(event);
        }).build();
        if (!b.requireDeployable) {
            warnOfDeploymentProblems(stepClasses);
        }
    }

    /**
     * What a deployment would refuse of the step classes beyond their flows, which the engine has checked: a class the
     * container cannot proxy, a scope without a context on the worker threads, … (the instances here need neither).
     * Not a step's retry decider ({@code NVENT-0599}): the container resolves it among its beans, which a producer of
     * the application may serve, as the test gave one to the engine here; no check without the container sees that.
     */
    private static void warnOfDeploymentProblems(List<Class<?>> stepClasses) {
        List<String> problems = FlowValidation.problems(stepClasses).stream()
                .filter(problem -> !problem.startsWith("NVENT-0599 ")).toList();
        if (!problems.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0049 the steps run in this FlowTestEnvironment but would fail"
                    + " a deployment:\n  " + String.join("\n  ", problems) + "\nfix the classes (the container needs"
                    + " what the instances of a test do not), and build the environment with requireDeployable(true)"
                    + " to fail the test on it");
        }
    }

    /**
     * A builder; add the steps of the flows under test.
     *
     * @return a builder with the defaults: virtual clock at {@link #DEFAULT_START}, no auto-skip,
     *         {@link #DEFAULT_TIMEOUT}
     */
    public static Builder newBuilder() {
        return new Builder();
    }

    /**
     * An environment with these steps and the defaults of {@link #newBuilder()}.
     *
     * @param steps the steps of the flows under test
     * @return the started environment
     * @throws io.nvent.NventException listing every problem of the flow graph
     */
    public static FlowTestEnvironment of(Step<?, ?>... steps) {
        Builder builder = newBuilder();
        for (Step<?, ?> step : steps) {
            builder.step(step);
        }
        return builder.build();
    }

    /**
     * The engine's flow service, as a container would inject it: start, cancel, emit, inspect.
     *
     * @return the flow service
     */
    public FlowService flows() {
        return engine.flows();
    }

    /**
     * The engine's trigger service: fire, enable, disable, list triggers.
     *
     * @return the trigger service
     */
    public TriggerService triggers() {
        return engine.triggers();
    }

    /**
     * The engine itself, for what this class does not wrap (queues, metrics, a sweep).
     *
     * @return the embedded engine
     */
    public EmbeddedEngine engine() {
        return engine;
    }

    /**
     * The clock the engine runs on; move it through this environment, which waits for what it sets going.
     *
     * @return the virtual clock
     */
    public VirtualClock clock() {
        return clock;
    }

    /**
     * The virtual time.
     *
     * @return what the engine's clock shows
     */
    public Instant now() {
        return clock.instant();
    }

    /**
     * Starts a run and waits until it completes, as {@link #awaitRun(String, Duration)} with the
     * environment's timeout.
     *
     * @param flow the flow
     * @param input the run's input, converted to JSON as {@link FlowService#start(String, Object)} does
     * @return the completed run
     * @throws AssertionError if the run does not complete, naming its status, steps and waits
     */
    public RunInfo startAndAwait(String flow, Object input) {
        return awaitRun(flows().start(flow, input));
    }

    /**
     * Waits until a run completes, as {@link #awaitRun(String, Duration)} with the environment's timeout.
     *
     * @param runId the run
     * @return the completed run
     * @throws AssertionError if the run does not complete, naming its status, steps and waits
     */
    public RunInfo awaitRun(String runId) {
        return awaitRun(runId, timeout);
    }

    /**
     * Waits until a run completes and returns its final info. It fails at once when the run fails or is
     * canceled, and as soon as nothing runs and nothing is due while the run has not ended (it waits for
     * a webhook, an event or, without auto-skip, for time the test did not advance), instead of waiting
     * out the timeout.
     *
     * @param runId the run
     * @param timeout how long to wait in real time
     * @return the completed run
     * @throws AssertionError if the run does not complete, naming the run, its status, its steps'
     *                        states, the failed steps' errors and its waits
     */
    public RunInfo awaitRun(String runId, Duration timeout) {
        RunInfo run = awaitEnd(runId, timeout);
        if (run.status() != RunStatus.COMPLETED) {
            throw new AssertionError(describe(run, "ended " + run.status().name().toLowerCase() + ", not completed"));
        }
        return run;
    }

    /**
     * Waits until a run ends, whether completed, failed or canceled (to test a flow that must fail), and
     * none of its steps still runs: a run ends before the steps that run at the time have returned (a step
     * that canceled its own run, a branch that runs on beside a step that failed the run, a step that ignored
     * the stop as its run went compensating), and what they record (their completion, emits, log entries; a
     * completion after the run's compensation ended as {@code "notCompensated":true}) is in the run's history
     * once this returns.
     *
     * @param runId the run
     * @param timeout how long to wait in real time
     * @return the ended run
     * @throws AssertionError if the run has not ended within the timeout, or nothing is left that
     *                        could end it, or a step of the ended run still runs after the timeout;
     *                        the message names its status, steps and waits
     */
    public RunInfo awaitEnd(String runId, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long idleSince = 0;
        while (true) {
            RunInfo run = runInfo(runId);
            boolean stepsRun = run.steps().containsValue(StepStatus.RUNNING)
                    || run.status().isTerminal() && anyJobOfRunExecuting(runId);
            if (run.status().isTerminal() && !stepsRun) {
                return run;
            }
            if (run.status().isTerminal()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(describe(run, "ended " + run.status().name().toLowerCase()
                            + ", but its running steps have not returned within " + timeout + " of real time"));
                }
                LockSupport.parkNanos(POLL_NANOS);
                continue;
            }
            if (isIdle()) {
                Optional<Instant> next = nextDue();
                if (autoSkip && next.isPresent()) {
                    advanceTimeTo(next.get());
                    idleSince = 0;
                    continue;
                }
                if (idleSince == 0) {
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince > STUCK_AFTER.toNanos()) {
                    throw new AssertionError(describe(run, stuck(runId, next)));
                }
            } else {
                idleSince = 0;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(describe(run, "has not ended within " + timeout + " of real time"));
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /**
     * Why a run that nothing runs for has not ended: the awaits only the test can answer (a webhook, an event) or another
     * run's end (a concurrency key) first, whose timeout or another run's timer would otherwise read as the time to
     * advance to; else the next timer; else nothing at all.
     */
    private String stuck(String runId, Optional<Instant> next) {
        List<AwaitInfo> waiting = awaits(runId);
        // resolveWebhook(runId, jsonBody) answers the only webhook; of several, the call names the step
        boolean oneWebhook = waiting.stream().filter(a -> a.type() == AwaitType.WEBHOOK).count() == 1;
        List<String> answers = waiting.stream().flatMap(a -> switch (a.type()) {
            case WEBHOOK -> Stream.of("a call of the webhook of step '" + a.step() + "' (answer it with "
                    + (oneWebhook ? "resolveWebhook(runId, jsonBody))" : "resolveWebhook(runId, \"" + a.step()
                    + "\", jsonBody))"));
            case EVENT -> Stream.of("an event for the await of step '" + a.step()
                    + "' (publish it with flows().publishEvent(event, payload))");
            case CONCURRENCY_KEY -> Stream.of("its turn under concurrency key '" + a.concurrencyKey().orElse("?")
                    + "', which " + keyHeldBy(a.concurrencyKeyHolders()));
            default -> Stream.empty();
        }).sorted().toList();
        if (!answers.isEmpty()) {
            return "waits for " + String.join(" and ", answers) + ": nothing runs, and " + next.map(
                    at -> "the next timer, at " + at + ", is due only once the test advances the time")
                    .orElse("nothing is due");
        }
        return next.isPresent()
                ? "waits for time: nothing runs and the next timer is at " + next.get()
                  + " (advance the time, or build the environment with autoSkipTime(true))"
                : "waits for something that only the test or another system can give"
                  + " (a webhook, an event, an await to resolve): nothing runs and nothing is due";
    }

    /**
     * Who holds the key a run waits its turn under, as {@link AwaitInfo#concurrencyKeyHolders()} lists them: none
     * while the key is free, between a holder's end and the hand-on to the run next in line (or while its own run
     * is just getting it).
     */
    private static String keyHeldBy(List<String> holders) {
        if (holders.isEmpty()) {
            return "no run holds at this moment (the key is free and the run is next in line: the engine hands it on"
                    + " as a holder ends, or its maintenance sweep does)";
        }
        return (holders.size() > 1 ? "runs " : "run ") + String.join(", ", holders)
                + (holders.size() > 1 ? " hold (one must end first)" : " holds (it must end first)");
    }

    /**
     * A run in words, as {@link #awaitRun}'s failures describe it: its status, its steps' states (a failed step with
     * its error), its waits and the virtual time. To say why an assertion of your own on the run fails:
     *
     * <pre>{@code
     * assertThat(env.awaitEnd(runId, timeout).status()).as(() -> env.describe(runId)).isEqualTo(RunStatus.FAILED);
     * }</pre>
     *
     * @param runId the run
     * @return the description, one line
     * @throws IllegalArgumentException if there is no such run
     * @since 0.2
     */
    public String describe(String runId) {
        RunInfo run = requireRun(runId);
        String status = run.status().name().toLowerCase();
        return describe(run, run.status().isTerminal() ? "ended " + status : "is " + status);
    }

    /**
     * A run's history, oldest entry first.
     *
     * @param runId the run
     * @return its entries
     */
    public List<HistoryEvent> history(String runId) {
        return flows().events(runId, EventQuery.all());
    }

    /**
     * What a step of a run returned, as the JSON its {@code step.completed} entry records: {@code "null"} for a
     * step that returned {@code null} (a {@code Step<…, Void>}); the latest, should the step have completed more than
     * once; of a run {@code flows().rerunFrom(…)} made, a step it kept completed has its output in the run rerun.
     *
     * <pre>{@code
     * assertThat(env.output(runId, "charge")).hasValue("\"pay-A-1\"");
     * }</pre>
     *
     * @param runId the run
     * @param step a step of the run's flow
     * @return the JSON of its result; empty if the step has not completed in the run (yet)
     * @throws IllegalArgumentException if there is no such run, or its flow has no such step (the message
     *                                  names the flow's steps)
     * @since 0.2
     */
    public Optional<String> output(String runId, String step) {
        Objects.requireNonNull(step, "step");
        RunInfo run = requireRun(runId);
        List<String> steps = flows().flow(run.flow()).stream().flatMap(flow -> flow.steps().stream())
                .map(StepDefinition::name).sorted().toList();
        if (!steps.contains(step)) {
            throw new IllegalArgumentException("flow '" + run.flow() + "' of run " + runId + " has no step '" + step
                    + "'; its steps: " + steps);
        }
        // newest first, so that a long history's latest completion is among those read
        Optional<String> result = flows().events(runId, new EventQuery(Set.of(EventType.STEP_COMPLETED), 0,
                        EventQuery.MAX_LIMIT, true)).stream().filter(event -> event.step().filter(step::equals)
                        .isPresent()).findFirst().map(completed -> member(completed.data(), "result"));
        if (result.isEmpty() && run.steps().get(step) == StepStatus.COMPLETED) {
            // a run rerun from a later step kept this one's completion, recorded in the run it reran
            return rerunOf(runId).filter(original -> flows().run(original).isPresent())
                    .flatMap(original -> output(original, step));
        }
        return result;
    }

    /** The run that {@code flows().rerunFrom} made this one of, as its {@code flow.start} entry says. */
    private Optional<String> rerunOf(String runId) {
        return flows().events(runId, new EventQuery(Set.of(EventType.FLOW_START), 0, 1, false)).stream().findFirst()
                .flatMap(start -> {
                    try (JsonReader reader = Json.createReader(new StringReader(start.data()))) {
                        return reader.readObject().get("rerunOf") instanceof JsonString original
                                ? Optional.of(original.getString()) : Optional.empty();
                    }
                });
    }

    /**
     * What a step of a run returned, converted from its JSON to {@code type} with JSON-B as a step's input is: a
     * {@code String} gets a JSON string's value.
     *
     * <pre>{@code
     * assertThat(env.output(runId, "price", Quote.class)).hasValue(new Quote("A-1", 250));
     * }</pre>
     *
     * @param runId the run
     * @param step a step of the run's flow
     * @param type the class to read the result as (public, as JSON-B wants it)
     * @param <T> the result's type
     * @return its result; empty if the step has not completed in the run (yet) or returned {@code null}
     * @throws IllegalArgumentException if there is no such run, or its flow has no such step
     * @since 0.2
     */
    public <T> Optional<T> output(String runId, String step, Class<T> type) {
        Objects.requireNonNull(type, "type");
        return output(runId, step).filter(json -> !json.equals("null")).map(json -> {
            if (type == String.class) {
                try (JsonReader reader = Json.createReader(new StringReader(json))) {
                    JsonValue value = reader.readValue();
                    return type.cast(value instanceof JsonString text ? text.getString() : json);
                }
            }
            try (Jsonb jsonb = JsonbBuilder.create()) {
                return jsonb.fromJson(json, type);
            } catch (Exception e) {
                throw new IllegalArgumentException("output of step '" + step + "' of run " + runId + " cannot be read as "
                        + type.getName() + ": " + e.getMessage() + "; its JSON: " + json, e);
            }
        });
    }

    /** A member of a JSON object, as JSON text. */
    private static String member(String object, String name) {
        try (JsonReader reader = Json.createReader(new StringReader(object))) {
            return String.valueOf(reader.readObject().get(name));
        }
    }

    /**
     * The awaits of a run that still wait.
     *
     * @param runId the run
     * @return its waiting awaits
     */
    public List<AwaitInfo> awaits(String runId) {
        return flows().awaits(true, AWAITS_READ).stream().filter(a -> a.runId().equals(runId)).toList();
    }

    /**
     * Every await registered so far, with its webhook URL for a webhook await: what an application's
     * {@code @Observes AwaitRegistered} hook gets, e.g. to mail the approval link.
     *
     * @return the registrations, oldest first
     */
    public List<AwaitRegistered> awaitsRegistered() {
        return List.copyOf(registered);
    }

    /**
     * Resolves an await as an operator does ({@link FlowService#resolveAwait}), and waits for what it
     * sets going.
     *
     * @param awaitId the await
     * @param data what the step sees as {@code ctx.triggerData()}
     */
    public void resolveAwait(String awaitId, Object data) {
        flows().resolveAwait(awaitId, data);
        awaitIdle();
    }

    /**
     * Answers a run's waiting webhook await as a call to its URL does ({@link FlowService#resolveWebhook}),
     * and waits for what it sets going. It first waits until no step runs, so that a run just started
     * has reached its await.
     *
     * @param runId the run
     * @param jsonBody the request's body, what the step sees as {@code ctx.triggerData()}
     * @throws IllegalArgumentException if there is no such run
     * @throws IllegalStateException if the run has no webhook await waiting, or more than one (the
     *                               message names their steps: answer one with
     *                               {@link #resolveWebhook(String, String, String)})
     */
    public void resolveWebhook(String runId, String jsonBody) {
        requireRun(runId);
        awaitIdle();
        List<WaitingWebhook> waiting = waitingWebhooks(runId);
        if (waiting.size() != 1) {
            throw new IllegalStateException("run " + runId + " has " + waiting.size()
                    + " webhook awaits waiting, not one" + (waiting.isEmpty() ? "" : ", of steps " + stepsOf(waiting)
                    + ": name the step whose await to answer with resolveWebhook(runId, step, jsonBody)")
                    + "; its awaits: " + awaits(runId));
        }
        answer(waiting.get(0), jsonBody);
    }

    /**
     * Answers the waiting webhook await of one step of a run as a call to its URL does
     * ({@link FlowService#resolveWebhook}), and waits for what it sets going: for a run with several
     * webhook awaits waiting at once (two approvals in parallel). It first waits until no step runs, so
     * that a run just started has reached its await.
     *
     * @param runId the run
     * @param step the step whose webhook await (before or after it) waits
     * @param jsonBody the request's body, what the step sees as {@code ctx.triggerData()}
     * @throws IllegalArgumentException if there is no such run
     * @throws IllegalStateException if that step has no webhook await waiting in the run, naming the
     *                               steps that have one
     * @since 0.2
     */
    public void resolveWebhook(String runId, String step, String jsonBody) {
        Objects.requireNonNull(step, "step");
        requireRun(runId);
        awaitIdle();
        List<WaitingWebhook> waiting = waitingWebhooks(runId);
        List<WaitingWebhook> ofStep = waiting.stream().filter(w -> w.step().equals(step)).toList();
        if (ofStep.size() != 1) {
            throw new IllegalStateException("run " + runId + " has " + ofStep.size() + " webhook awaits of step '"
                    + step + "' waiting, not one; webhook awaits wait for steps " + stepsOf(waiting) + "; its awaits: "
                    + awaits(runId));
        }
        answer(ofStep.get(0), jsonBody);
    }

    /** A webhook await that waits: its step and the token of its URL. */
    private record WaitingWebhook(String step, String token) {
    }

    private List<WaitingWebhook> waitingWebhooks(String runId) {
        return registered.stream().filter(r -> r.await().runId().equals(runId))
                .flatMap(r -> r.webhookUrl().map(url -> new WaitingWebhook(r.await().step(),
                        url.substring(url.lastIndexOf('/') + 1))).stream())
                .filter(w -> flows().webhookAwait(w.token()).filter(a -> a.status() == AwaitStatus.WAITING).isPresent())
                .toList();
    }

    private static List<String> stepsOf(List<WaitingWebhook> waiting) {
        return waiting.stream().map(w -> "'" + w.step() + "'").sorted().toList();
    }

    private void answer(WaitingWebhook webhook, String jsonBody) {
        flows().resolveWebhook(webhook.token(), jsonBody);
        awaitIdle();
    }

    /**
     * Moves the virtual time forward, as {@link #advanceTimeTo}.
     *
     * @param duration how far
     * @throws IllegalArgumentException for a negative duration
     * @throws AssertionError if steps still run after the environment's timeout
     */
    public void advanceTime(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("time moves forward only, not by " + duration);
        }
        advanceTimeTo(now().plus(duration));
    }

    /**
     * Moves the virtual time forward to {@code target}. It first waits until no step runs (their leases
     * and timeouts are not skipped over) and a failed attempt's retry is planned, then goes from one due
     * time to the next until {@code target}:
     * delayed jobs, retry backoffs, steps a queue's rate limit held back, time and schedule awaits, await timeouts and schedule triggers' ticks
     * come due in the order of their times, each with the clock at its time, and the steps they set going
     * run (and end) before the clock moves on. When it returns, everything due by {@code target} has run.
     *
     * @param target the virtual time afterwards
     * @throws IllegalArgumentException if {@code target} is before {@link #now()}
     * @throws AssertionError if steps still run after the environment's timeout
     */
    public void advanceTimeTo(Instant target) {
        if (target.isBefore(now())) {
            throw new IllegalArgumentException("time moves forward only: it is " + now() + ", not yet " + target);
        }
        awaitIdle();
        while (true) {
            Optional<Instant> next = nextDue();
            if (next.isEmpty() || next.get().isAfter(target)) {
                break;
            }
            moveTo(next.get());
        }
        moveTo(target);
    }

    /**
     * Moves the virtual time to the next tick of a schedule trigger, as {@link #advanceTimeTo} does (what comes due
     * before it runs first, each at its time), and returns the runs that the trigger's fires started on the way: those
     * of its tick (of a trigger of several flows, those the flows that did not refuse the fire started), none when its
     * {@code overlap} skipped the tick or every flow refused the fire.
     *
     * <p>A debounced or batched trigger (an event, webhook or manual one: a schedule cannot be either) has a tick of
     * its own once fired: when its pending run starts, its debounce or batch window over. Its next tick is the
     * earliest start of its pending runs, and it returns the pending runs that start then, each once however many
     * fires went into it.
     *
     * <pre>{@code
     * List<String> runs = env.advanceToNextTick("nightly-billing");   // 02:00
     * assertThat(env.awaitRun(runs.get(0)).status()).isEqualTo(RunStatus.COMPLETED);
     *
     * env.flows().publishEvent("customer.updated", update);             // crm-sync, debounce = "PT30S"
     * env.flows().publishEvent("customer.updated", laterUpdate);
     * List<String> synced = env.advanceToNextTick("crm-sync");          // 30 s after the last: one run
     * }</pre>
     *
     * @param trigger the trigger's name
     * @return the ids of the runs its fires started, oldest first; of a debounced or batched trigger, its pending runs
     *     that started
     * @throws IllegalArgumentException if there is no such trigger (the message names the triggers)
     * @throws IllegalStateException if it has no next tick: not a schedule, disabled, or every tick excluded; of a
     *     debounced or batched trigger, no pending run ({@code NVENT-0050})
     * @throws AssertionError as {@link #advanceTimeTo}
     * @since 0.2
     */
    public List<String> advanceToNextTick(String trigger) {
        Objects.requireNonNull(trigger, "trigger");
        TriggerInfo info = triggers().trigger(trigger).orElseThrow(() -> new IllegalArgumentException(
                "there is no trigger '" + trigger + "'; the triggers: " + triggers().triggers().stream()
                        .map(t -> t.spec().name()).sorted().toList()));
        TriggerSpec spec = info.spec();
        if (spec.debounce().isPresent() || spec.batch().isPresent()) {
            return advanceToPendingRuns(spec);
        }
        Instant tick = info.nextFireAt().orElseThrow(() -> new IllegalStateException("trigger '" + trigger
                + "' has no next tick: " + (spec.type() != TriggerType.SCHEDULE
                ? "it is " + (spec.type() == TriggerType.EVENT ? "an " : "a ") + spec.type().wireName()
                  + " trigger, which the time does not fire; fire it with triggers().fire(name, jsonPayload)"
                  + (spec.type() == TriggerType.EVENT ? " or flows().publishEvent(event, payload)" : "")
                : !spec.enabled() ? "it is disabled" : "its exclusions leave none")));
        long seen = triggers().history(trigger, 1).stream().mapToLong(TriggerEvent::seq).max().orElse(0);
        advanceTimeTo(tick.isBefore(now()) ? now() : tick);
        return runsOfFires(trigger, seen).toList();
    }

    /**
     * The runs a trigger's fires after entry {@code seen} started, oldest first, and the pending runs they went into
     * (a debounced or batched trigger's), each once.
     */
    private Stream<String> runsOfFires(String trigger, long seen) {
        // a fire that some of its flows refused is recorded as failed, with the runs the others started
        List<TriggerEvent> fired = new ArrayList<>(triggers().history(trigger, TRIGGER_ENTRIES_READ).stream()
                .filter(e -> e.seq() > seen && (e.type().equals(TriggerEvent.FIRED)
                        || e.type().equals(TriggerEvent.FAILED))).toList());
        Collections.reverse(fired);
        return fired.stream().flatMap(e -> {
            try (JsonReader reader = Json.createReader(new StringReader(e.data()))) {
                jakarta.json.JsonObject data = reader.readObject();
                return Stream.of(data.get("runs"), folded(data, "debounced", "foldedInto"),
                        folded(data, "batched", "appendedTo")).flatMap(runs -> runs instanceof JsonArray ids
                        ? ids.getValuesAs(JsonString::getString).stream() : Stream.<String>empty());
            }
        }).distinct();
    }

    private static JsonValue folded(jakarta.json.JsonObject data, String how, String into) {
        return data.get(how) instanceof jakarta.json.JsonObject fold ? fold.get(into) : null;
    }

    /**
     * Whether a run of a debounced or batched trigger still waits to start: no step of it began. The time await of a
     * later step of a run that started (a step that waits a day) is no tick of the trigger.
     */
    private boolean isPending(String runId) {
        return flows().run(runId).filter(run -> run.status() == RunStatus.AWAITING && run.steps().values().stream()
                .allMatch(StepStatus.AWAITING::equals)).isPresent();
    }

    /** A debounced or batched trigger's next tick: when its earliest pending run starts. */
    private List<String> advanceToPendingRuns(TriggerSpec spec) {
        Set<String> ofTrigger = runsOfFires(spec.name(), 0).collect(java.util.stream.Collectors.toSet());
        List<AwaitInfo> pending = flows().awaits(true, AWAITS_READ).stream()
                .filter(a -> a.type() == AwaitType.TIME && a.status() == AwaitStatus.WAITING
                        && a.resolveAt().isPresent() && ofTrigger.contains(a.runId()) && isPending(a.runId()))
                .toList();
        Instant start = pending.stream().map(a -> a.resolveAt().get()).min(Instant::compareTo)
                .orElseThrow(() -> new IllegalStateException("NVENT-0050 trigger '" + spec.name() + "' is "
                        + (spec.debounce().isPresent() ? "debounced" : "batched") + " and has no pending run, so no"
                        + " next tick: fire it first, with triggers().fire(name, jsonPayload)"
                        + (spec.type() == TriggerType.EVENT ? " or flows().publishEvent(event, payload)" : "")));
        advanceTimeTo(start.isBefore(now()) ? now() : start);
        return pending.stream().filter(a -> !a.resolveAt().get().isAfter(start))
                .sorted(java.util.Comparator.comparing((AwaitInfo a) -> a.resolveAt().get()).thenComparing(
                        AwaitInfo::registeredAt)).map(AwaitInfo::runId).distinct().toList();
    }

    /**
     * When the next thing that waits for time comes due: a delayed job or retry, a time or schedule
     * await, an await's timeout, a schedule trigger's tick, the deadline of a run under way
     * ({@link io.nvent.StartOptions#timeout()}).
     *
     * @return its virtual time, after {@link #now()}; empty if nothing waits for a later time
     */
    public Optional<Instant> nextDue() {
        Stream<Instant> awaitTimes = flows().awaits(true, AWAITS_READ).stream()
                .flatMap(a -> Stream.concat(a.resolveAt().stream(), a.timeoutAt().stream()));
        // What is due now already is the sweep's (an await's timeout) or runs (a timer).
        Instant now = now();
        Stream<Instant> deadlines = unfinishedRuns().flatMap(run -> run.deadline().stream());
        return Stream.of(clock.nextTimer().stream(), awaitTimes, deadlines).flatMap(times -> times)
                .filter(due -> due.isAfter(now)).min(Instant::compareTo);
    }

    /**
     * Waits until no step runs or waits in a queue and nothing due now has yet to run.
     *
     * @throws AssertionError if that is not so within the environment's timeout, naming the steps that
     *                        run, those that wait to run with what they wait for, and the busy queues
     */
    public void awaitIdle() {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!isIdle()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("steps still run or wait to run after " + timeout + " of real time: "
                        + whatIsBusy());
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /** Stops the engine and its threads. */
    @Override
    public void close() {
        engine.close();
    }

    /** Moves the clock, times out due awaits and waits for what that set going. */
    private void moveTo(Instant instant) {
        clock.advanceTo(instant);
        engine.sweep(); // await timeouts are the sweep's: they have no timer of their own
        awaitIdle();
    }

    /** Idle at two looks a little apart, so that a job between two hands (queue, timer) is not missed. */
    private boolean isIdle() {
        if (!looksIdle()) {
            return false;
        }
        LockSupport.parkNanos(POLL_NANOS);
        return looksIdle();
    }

    private boolean looksIdle() {
        if (clock.isRunningTimers()) {
            return false;
        }
        JobQueue queue = engine.queue();
        for (String name : queue.queues()) {
            JobCounts counts = queue.counts(name);
            if (counts.active() > 0 || counts.waiting() > 0 && !queue.isPaused(name)) {
                return false;
            }
        }
        return !anyStepOnItsWay();
    }

    /**
     * Whether a step is stored queued or running for a reason other than time or a pause: the queue's
     * counts miss a step that a worker goes on with after the step before it (its job is made once that
     * one's has completed), and the store says it is queued before its job exists.
     */
    private boolean anyStepOnItsWay() {
        return unfinishedRuns().anyMatch(run -> run.steps().values().stream().anyMatch(FlowTestEnvironment::busy)
                && flows().waits(run.runId()).stream().anyMatch(w -> !WAITS_FOR_THE_TEST.contains(w.reason())));
    }

    /**
     * Whether a job of the run executes here: a step its run canceled as it went compensating runs on when it ignores
     * the stop, and its completion, recorded as it returns, goes in the run's history (not undone, or undone).
     */
    private boolean anyJobOfRunExecuting(String runId) {
        JobQueue queue = engine.queue();
        String ofRun = runId + ":";   // the engine's job ids: the run, then the step
        for (String name : queue.queues()) {
            long active = queue.counts(name).active();
            if (active > 0 && queue.jobs(name, JobState.ACTIVE, 0, (int) Math.min(active, RUNS_READ)).stream()
                    .anyMatch(job -> job.jobId().startsWith(ofRun))) {
                return true;
            }
        }
        return false;
    }

    private static boolean busy(StepStatus status) {
        return status == StepStatus.QUEUED || status == StepStatus.RUNNING;
    }

    /** The runs that are running, awaiting or compensating, read page by page as the stream goes on. */
    private Stream<RunInfo> unfinishedRuns() {
        return UNFINISHED.stream().flatMap(status -> Stream.iterate(runs(status, 0), Objects::nonNull,
                        page -> page.runs().size() < RUNS_READ ? null : runs(status, page.offset() + RUNS_READ))
                .flatMap(page -> page.runs().stream()));
    }

    private RunPage runs(RunStatus status, int offset) {
        return new RunPage(offset,
                flows().runs(new RunQuery(Optional.empty(), Optional.of(status), offset, RUNS_READ)));
    }

    private record RunPage(int offset, List<RunInfo> runs) {
    }

    /** How many of what {@link #whatIsBusy()} lists it names. */
    private static final int NAMED = 5;

    /**
     * What keeps the environment from being idle: the steps that run (only one of them can hold up the
     * virtual time), the steps that wait to run and what for, and the queues' counts.
     */
    private String whatIsBusy() {
        List<String> running = new ArrayList<>();
        List<String> waiting = new ArrayList<>();
        unfinishedRuns().filter(run -> run.steps().values().stream().anyMatch(FlowTestEnvironment::busy))
                .forEach(run -> {
                    run.steps().forEach((step, status) -> {
                        if (status == StepStatus.RUNNING) {
                            running.add("'" + step + "' of run " + run.runId());
                        }
                    });
                    flows().waits(run.runId()).stream()
                            .filter(w -> w.status() == StepStatus.QUEUED && !WAITS_FOR_THE_TEST.contains(w.reason()))
                            .forEach(w -> waiting.add("'" + w.step() + "' of run " + run.runId() + " ("
                                    + w.reason().wireName() + ": " + w.detail() + ")"));
                });
        JobQueue queue = engine.queue();
        List<String> queues = queue.queues().stream().map(name -> busyness(queue, name))
                .filter(s -> !s.isEmpty()).toList();
        String steps = "steps: " + running.size() + " running" + named(running) + ", " + waiting.size()
                + " waiting to run" + named(waiting) + "; " + (queues.isEmpty() ? "no queue holds a running or "
                + "waiting job" : String.join("; ", queues)) + ". ";
        if (!running.isEmpty()) {
            return steps + "A step that blocks holds up the virtual time: let it return";
        }
        return steps + "No step runs, so none holds up the virtual time: " + (!waiting.isEmpty()
                ? "the waiting steps wait for what is said of each"
                : queues.isEmpty() ? "a timer due now has yet to hand over its job"
                : "no worker has taken the waiting jobs from their queue");
    }

    private static String named(List<String> items) {
        return items.isEmpty() ? "" : " (" + String.join(", ", items.subList(0, Math.min(NAMED, items.size())))
                + (items.size() > NAMED ? " and " + (items.size() - NAMED) + " more" : "") + ")";
    }

    /** A queue's running and waiting jobs, and the names of the first of those waiting; empty for one with none. */
    private static String busyness(JobQueue queue, String name) {
        JobCounts counts = queue.counts(name);
        if (counts.active() == 0 && counts.waiting() == 0) {
            return "";
        }
        List<String> jobs = queue.jobs(name, JobState.WAITING, 0, NAMED).stream().map(job -> "'" + job.name() + "'")
                .toList();
        return "queue " + name + ": " + counts.active() + " running, " + counts.waiting() + " waiting"
                + (jobs.isEmpty() ? "" : " (jobs " + String.join(", ", jobs)
                + (counts.waiting() > jobs.size() ? " …" : "") + ")");
    }

    /** The run, for a method whose argument names it: a mistyped or foreign id is the caller's mistake. */
    private RunInfo requireRun(String runId) {
        return flows().run(runId).orElseThrow(() -> new IllegalArgumentException("there is no run " + runId));
    }

    private RunInfo runInfo(String runId) {
        return flows().run(runId).orElseThrow(() -> new AssertionError("there is no run " + runId));
    }

    /** The run, its status, its steps' states with the failed ones' errors, and its waits. */
    private String describe(RunInfo run, String what) {
        List<HistoryEvent> history = history(run.runId());
        List<String> steps = new ArrayList<>();
        run.steps().forEach((step, status) -> steps.add(step + " " + status.name().toLowerCase()
                + lastFailure(history, step).map(error -> " (" + error + ")").orElse("")));
        steps.sort(null);
        List<String> waits = flows().waits(run.runId()).stream().map(FlowTestEnvironment::describe).toList();
        return "run " + run.runId() + " of flow '" + run.flow() + "' " + what + "; status " + run.status()
                + "; steps: " + (steps.isEmpty() ? "none" : String.join(", ", steps))
                + "; waits: " + (waits.isEmpty() ? "none" : String.join(", ", waits))
                + "; virtual time " + now();
    }

    private static String describe(StepWait wait) {
        return wait.step() + " " + wait.reason().wireName() + wait.until().map(until -> " until " + until).orElse("")
                + " (" + wait.detail() + ")";
    }

    /** What the latest failed or retried attempt of a step recorded. */
    private static Optional<String> lastFailure(List<HistoryEvent> history, String step) {
        HistoryEvent last = null;
        for (HistoryEvent event : history) {
            if ((event.type() == EventType.STEP_FAILED || event.type() == EventType.STEP_RETRY)
                    && event.step().filter(step::equals).isPresent()) {
                last = event;
            }
        }
        return Optional.ofNullable(last).map(e -> (e.type() == EventType.STEP_FAILED ? "failed" : "retrying")
                + (e.attempt() > 0 ? " at attempt " + e.attempt() : "") + ": " + errorOf(e.data()));
    }

    /** The error a failure entry records, without its stack trace; the whole entry if it has none. */
    private static String errorOf(String data) {
        try (JsonReader reader = Json.createReader(new StringReader(data))) {
            JsonValue error = reader.readObject().get("error");
            return error instanceof JsonString text ? text.getString() : data;
        } catch (RuntimeException notAnObject) {
            return data;
        }
    }

    /**
     * Builder of {@link FlowTestEnvironment}; {@link #build()} validates the flows and starts the engine.
     *
     * @since 0.2
     */
    public static final class Builder {
        private final List<Step<?, ?>> steps = new ArrayList<>();
        private Instant start = DEFAULT_START;
        private boolean autoSkip;
        private boolean requireDeployable;
        private Duration timeout = DEFAULT_TIMEOUT;
        private Consumer<Object> hooks = event -> { };
        private Consumer<EmbeddedEngine.Builder> engineSettings = engine -> { };
        private final List<AttemptInterceptor> interceptors = new ArrayList<>();
        private final List<io.nvent.ExclusionCalendar> exclusionCalendars = new ArrayList<>();

        private Builder() {
        }

        /**
         * Adds a step, an instance the test constructs; its class must carry {@code @FlowStep}.
         *
         * @param step the step
         * @return this builder
         */
        public Builder step(Step<?, ?> step) {
            steps.add(Objects.requireNonNull(step, "step"));
            return this;
        }

        /**
         * Adds an interceptor of the steps' attempts, as a CDI bean of that type is in a container: to test what a
         * tracing interceptor records, or one of your own.
         *
         * @param interceptor the interceptor
         * @return this builder
         * @since 0.2
         */
        public Builder interceptor(AttemptInterceptor interceptor) {
            interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
            return this;
        }

        /**
         * Adds a named calendar whose ticks schedules may exclude ({@code calendar:<name>}), as a CDI bean of that
         * type is in a container: to test that a payroll schedule skips the holidays your calendar names.
         *
         * @param calendar the calendar
         * @return this builder
         * @since 0.2
         */
        public Builder exclusionCalendar(io.nvent.ExclusionCalendar calendar) {
            exclusionCalendars.add(Objects.requireNonNull(calendar, "calendar"));
            return this;
        }

        /**
         * Where the virtual clock stands when the environment starts.
         *
         * @param value the start time (default {@link FlowTestEnvironment#DEFAULT_START})
         * @return this builder
         */
        public Builder startingAt(Instant value) {
            this.start = Objects.requireNonNull(value, "value");
            return this;
        }

        /**
         * Whether {@link FlowTestEnvironment#awaitRun} moves the virtual time on by itself whenever
         * nothing runs and something waits for time, to the moment it comes due (as Temporal's
         * time-skipping test server does). Off by default: the test moves time with
         * {@link FlowTestEnvironment#advanceTime}.
         *
         * @param value {@code true} to skip time while waiting for a run
         * @return this builder
         */
        public Builder autoSkipTime(boolean value) {
            this.autoSkip = value;
            return this;
        }

        /**
         * Whether {@link #build()} fails, as a deployment would, when a step class passes the flows' checks but not the
         * container's ({@link FlowValidation}): an {@code @ApplicationScoped} step (the default scope) without a
         * non-private constructor without parameters, which the container's proxy needs beside the {@code @Inject}
         * constructor a test gives its fakes to ({@code NVENT-0197}); a {@code final} class; a scope with no context on
         * the worker threads. Off by default: such steps run here, and {@code build()} logs the problems as a warning
         * ({@code NVENT-0049}), but for a step's retry decider that is not a bean by its annotations
         * ({@code NVENT-0599}), which a producer may serve in the container: this checks it too.
         *
         * @param value {@code true} to fail {@code build()} on them
         * @return this builder
         * @since 0.2
         */
        public Builder requireDeployable(boolean value) {
            this.requireDeployable = value;
            return this;
        }

        /**
         * How long, in real time, the environment waits for a run to end or for running steps to return.
         *
         * @param value the timeout (default {@link FlowTestEnvironment#DEFAULT_TIMEOUT})
         * @return this builder
         * @throws IllegalArgumentException if not above zero
         */
        public Builder timeout(Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("timeout must be above zero, was " + value);
            }
            this.timeout = value;
            return this;
        }

        /**
         * Receives the hooks that CDI observers get in a container: the await hooks ({@code AwaitRegistered},
         * {@code AwaitResolved}, {@code AwaitTimedOut}) and, since 0.2, {@code RunStarted}, {@code RunEnded} and
         * {@code StepFailed}.
         *
         * @param value the receiver
         * @return this builder
         */
        public Builder hooks(Consumer<Object> value) {
            this.hooks = Objects.requireNonNull(value, "value");
            return this;
        }

        /**
         * Further settings of the engine (concurrency, rate limits, state cleanup, …), applied before
         * the environment's own: its clock and hooks cannot be replaced.
         *
         * @param value sets what it needs on the engine's builder
         * @return this builder
         */
        public Builder engine(Consumer<EmbeddedEngine.Builder> value) {
            this.engineSettings = Objects.requireNonNull(value, "value");
            return this;
        }

        /**
         * Validates the flows and starts the engine.
         *
         * @return the started environment; close it after the test
         * @throws io.nvent.NventException listing every problem of the flow graph, and with
         *                                 {@link #requireDeployable(boolean)} every problem a deployment would have with
         *                                 the step classes
         */
        public FlowTestEnvironment build() {
            return new FlowTestEnvironment(this);
        }
    }
}
