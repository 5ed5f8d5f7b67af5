package io.nvent.cdi.internal.engine;

import io.nvent.Backfill;
import io.nvent.BulkCancel;
import io.nvent.BulkResult;
import io.nvent.BulkRetry;
import io.nvent.CancelOptions;
import io.nvent.CanceledRuns;
import io.nvent.DeletedRun;
import io.nvent.Emitted;
import io.nvent.EventDelivery;
import io.nvent.FlowService;
import io.nvent.Operator;
import io.nvent.StartedRun;
import io.nvent.TriggerService;
import io.nvent.TriggerSpec;
import io.nvent.spi.internal.LogText;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * {@link FlowService#actingAs} and {@link TriggerService#actingAs}: a view of the service that, around each
 * operator action, holds the operator in {@link OperatorScope} (so the history entries the action writes name them)
 * and logs the action on the {@code io.nvent.audit} logger. Reads pass straight through. A proxy rather than a
 * decorator, so no method of either service needs writing twice (nor a new overload). A start, emit or publish
 * that an idempotency key answers as an earlier call was is logged as "replayed", not as done again. A view
 * equals only itself (two views of one service may act as different operators); its {@code toString} is the
 * service's.
 */
public final class OperatorView implements InvocationHandler {

    /** The audit trail's logger: a server routes it to a file of its own. */
    static final System.Logger AUDIT = System.getLogger("io.nvent.audit");
    /** The most characters of a reason an audit line shows: all that {@link Operator} accepts. */
    private static final int REASON_IN_LOG = Operator.MAX_REASON_LENGTH;

    /**
     * Every method of {@link FlowService}, {@link TriggerService} and {@link io.nvent.cdi.QueueControls} that acts, by
     * signature ("Service.name(ParamType,...)", simple names), so that a read overloading an action's name is told
     * apart, and a method of one service is never taken as classified by a method of another with the same name and
     * parameters. {@code OperatorViewMethodsTest} fails naming any method of the three found in neither this set nor
     * {@link #READS}, and one of {@code QueueControls} that its view ({@link QueueControlsView}) does not audit as
     * classified here: a method added to them must be classified, or the build fails. One of the services that still
     * is not (a test skipped) is audited as an action, with a warning (NVENT-0038): never passed on unrecorded.
     */
    static final Set<String> ACTIONS = Set.of(
            "FlowService.start(String,Object)", "FlowService.start(String,Object,StartOptions)",
            "FlowService.startWithJson(String,String)", "FlowService.startWithJson(String,String,StartOptions)",
            "FlowService.emit(String,String,Object)", "FlowService.emit(String,String,Object,EventOptions)",
            "FlowService.cancel(String)", "FlowService.cancel(String,CancelOptions)", "FlowService.restart(String)",
            "FlowService.restart(String,RestartOptions)", "FlowService.rerunFrom(String,String)",
            "FlowService.rerunFrom(String,String,RestartOptions)", "FlowService.retryStep(String,String)",
            "FlowService.retryFailed(BulkRetry)", "FlowService.cancelRuns(BulkCancel)",
            "FlowService.publishEvent(String,Object)", "FlowService.publishEvent(String,Object,EventOptions)",
            "FlowService.resolveAwait(String,Object)", "FlowService.resolveWebhook(String,String)",
            "FlowService.moveAwaitTimeout(String,Instant)",
            "FlowService.clearHistory(String)", "FlowService.clearHistory(String,int)", "FlowService.deleteRun(String)",
            "FlowService.deleteRun(String,String)",
            // TriggerService
            "TriggerService.create(TriggerSpec)", "TriggerService.update(TriggerSpec)",
            "TriggerService.createOrUpdate(TriggerSpec)", "TriggerService.setEnabled(String,boolean)",
            "TriggerService.delete(String)", "TriggerService.fire(String,String)",
            "TriggerService.fire(String,String,StartOptions)", "TriggerService.backfill(Backfill)",
            // QueueControls, audited by QueueControlsView (a class: no proxy of an interface)
            "QueueControls.pause(String)", "QueueControls.resume(String)", "QueueControls.setWorkers(String,int)",
            "QueueControls.removeWorkers(String)");

    /** Every method of either service that only reads or computes, passed on as it is; see {@link #ACTIONS}. */
    static final Set<String> READS = Set.of(
            "FlowService.awaits(boolean,int)", "FlowService.webhookAwait(String)", "FlowService.run(String)",
            "FlowService.runByIdempotencyKey(String,String)", "FlowService.waits(String)",
            "FlowService.progress(String)", "FlowService.runs(RunQuery)", "FlowService.events(String,EventQuery)",
            "FlowService.flows()", "FlowService.flow(String)", "FlowService.deployedFlow(String)",
            "FlowService.stats(String)", "FlowService.health()",
            "FlowService.instances()", "FlowService.descendants(String)",
            "FlowService.actingAs(Operator)",
            // TriggerService
            "TriggerService.triggers()", "TriggerService.trigger(String)", "TriggerService.history(String,int)",
            "TriggerService.history(String,Set,OptionalLong,int)",
            "TriggerService.nextTicks(String,ZoneId,Instant,int)", "TriggerService.nextTicksOf(String,Instant,int)",
            "TriggerService.nextTicksOf(TriggerSpec,Instant,int)",
            "TriggerService.describe(String)", "TriggerService.appliedMisfire(TriggerSpec)",
            "TriggerService.actingAs(Operator)",
            // QueueControls
            "QueueControls.workersHere(String)", "QueueControls.configuredWorkers(String)",
            "QueueControls.workersOverride(String)", "QueueControls.workersOverrides()",
            "QueueControls.workersSettable()", "QueueControls.pauseChanges()", "QueueControls.workersChanges()",
            "QueueControls.rateLimit(String)",
            "QueueControls.rateLimitUsage(String,int)", "QueueControls.actingAs(Operator)",
            "QueueControls.knownQueuesOnly()");

    /** Whether each method called so far acts: its signature looked up once. */
    private static final Map<Method, Boolean> ACTS = new ConcurrentHashMap<>();

    private final Object target;
    private final Operator operator;

    private OperatorView(Object target, Operator operator) {
        this.target = target;
        this.operator = operator;
    }

    /** {@code flows} acting as {@code operator}. */
    public static FlowService of(FlowService flows, Operator operator) {
        return view(FlowService.class, flows, operator);
    }

    /** {@code triggers} acting as {@code operator}. */
    public static TriggerService of(TriggerService triggers, Operator operator) {
        return view(TriggerService.class, triggers, operator);
    }

    private static <T> T view(Class<T> type, T target, Operator operator) {
        Objects.requireNonNull(operator, "operator");
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                new OperatorView(target, operator)));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            // A view is equal to itself only: two views of one service may act as different operators.
            return switch (method.getName()) {
                case "equals" -> proxy == args[0];
                case "hashCode" -> System.identityHashCode(proxy);
                default -> call(method, args);
            };
        }
        if (!ACTS.computeIfAbsent(method, OperatorView::acts)) {
            return call(method, args);
        }
        return audited(operator, method.getName(), args, () -> call(method, args));
    }

    /** An action's call, which may throw what the action throws. */
    @FunctionalInterface
    interface Action {
        Object call() throws Throwable;
    }

    /**
     * Does {@code action} acting as {@code operator} ({@link OperatorScope}) and logs it on the audit trail: done
     * (NVENT-0016) or refused (NVENT-0017, what refused it rethrown), in the words of {@link #describe} for
     * {@code method} and {@code args}. The views of the services and of {@link io.nvent.cdi.QueueControls} act
     * through it, so an action reads alike whichever was called.
     */
    static Object audited(Operator operator, String method, Object[] args, Action action) throws Throwable {
        Object result;
        try {
            result = OperatorScope.actingAs(operator, () -> {
                try {
                    return action.call();
                } catch (Throwable failure) {
                    throw new Refused(failure);
                }
            });
        } catch (Refused refused) {
            audit(operator, "NVENT-0017 operator {0} was refused when asking to {1} ({2}): {3}",
                    describe(method, args, false, null), LogText.of(String.valueOf(refused.getCause()
                            .getMessage()), 200));
            throw refused.getCause();
        }
        audit(operator, "NVENT-0016 operator {0} {1} ({2})", describe(method, args, true, result), null);
        return result;
    }

    /** Whether {@code method} acts; one in neither list acts (it is audited) and is reported. */
    static boolean acts(Method method) {
        String signature = signature(method);
        if (READS.contains(signature)) {
            return false;
        }
        if (!ACTIONS.contains(signature)) {
            System.getLogger(OperatorView.class.getName()).log(System.Logger.Level.WARNING, "NVENT-0038 {0} is"
                    + " neither an action nor a read to the audit trail: it is audited as an action; list it in"
                    + " OperatorView.ACTIONS or READS (OperatorViewMethodsTest names every such method)",
                    signature);
        }
        return true;
    }

    /**
     * "FlowService.cancel(String,CancelOptions)": the simple name of the method's interface, its name and the simple
     * names of its parameters' types.
     */
    static String signature(Method method) {
        return Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName).collect(Collectors.joining(",",
                method.getDeclaringClass().getSimpleName() + "." + method.getName() + "(", ")"));
    }

    private Object call(Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException thrown) {
            throw thrown.getCause();
        }
    }

    private static void audit(Operator operator, String pattern, String action, String failure) {
        String reason = operator.reason().map(r -> "reason: " + LogText.of(r, REASON_IN_LOG)).orElse("no reason given");
        AUDIT.log(System.Logger.Level.INFO, pattern, LogText.operator(operator), action, reason, failure);
    }

    /** What the action did, in words: "canceled run 3f2c…", "disabled trigger 'nightly'". */
    static String describe(String method, Object[] args, boolean done, Object result) {
        Object[] a = args == null ? new Object[0] : args;
        return switch (method) {
            case "start", "startWithJson" -> (!done ? "start" : result instanceof StartedRun started
                    && started.replayed() ? "replayed a start of" : "started") + " a run of flow " + quoted(a[0])
                    + (result instanceof StartedRun started ? ": run " + started.runId()
                    : result instanceof String runId ? ": run " + runId : "");
            case "emit" -> (!done ? "emit" : result instanceof Emitted emitted && emitted.replayed() ? "replayed"
                    : "emitted") + " event " + quoted(a[1]) + " to run " + text(a[0]);
            case "publishEvent" -> (!done ? "publish" : result instanceof EventDelivery delivery
                    && delivery.replayed() ? "replayed" : "published") + " event " + quoted(a[0]);
            case "cancel" -> (!done ? "cancel run " : canceled(result) ? "canceled run " : "asked to cancel"
                    + " run ") + text(a[0]) + options(a.length > 1 ? a[1] : null)
                    + (!done || canceled(result) ? "" : ", which had ended or was compensating already");
            case "restart" -> (!done ? "restart run " : "restarted run ") + text(a[0])
                    + (!done ? "" : " as run " + newRun(result));
            case "rerunFrom" -> (!done ? "rerun run " : "reran run ") + text(a[0]) + " from step "
                    + quoted(a[1]) + (!done ? "" : " as run " + newRun(result));
            case "retryStep" -> (!done ? "retry" : "retried") + " step " + quoted(a[1]) + " of run "
                    + text(a[0]);
            case "retryFailed" -> bulk(done ? "retried the failed runs" : "retry the failed runs", a[0], result);
            case "cancelRuns" -> bulk(done ? "canceled the runs" : "cancel the runs", a[0], result);
            case "resolveAwait" -> (!done ? "resolve" : "resolved") + " await " + text(a[0]);
            // once moved, the timeout as stored (cut to the microsecond), as the answer and the history say it
            case "moveAwaitTimeout" -> (!done ? "move" : "moved") + " the timeout of await " + text(a[0]) + " to "
                    + text(result instanceof io.nvent.AwaitInfo moved ? moved.timeoutAt() : a[1]);
            case "clearHistory" -> (done ? "cleared" : "clear") + " the history of flow " + quoted(a[0]);
            case "deleteRun" -> result instanceof DeletedRun deleted ? "deleted run " + deleted.runId() + " of flow "
                    + quoted(deleted.flow()) + " (" + deleted.status().wireName() + ")" : "delete run " + text(a[0]);
            case "create" -> (done ? "created" : "create") + " trigger " + triggerOf(a[0]);
            case "update", "createOrUpdate" -> (done ? "updated" : "update") + " trigger " + triggerOf(a[0]);
            case "setEnabled" -> (Boolean.TRUE.equals(a[1]) ? "enable" : "disable") + (done ? "d" : "") + " trigger " + quoted(a[0]);
            case "resolveWebhook" -> (done ? "resolved" : "resolve") + " a webhook await by its token";
            case "delete" -> (done ? "deleted" : "delete") + " trigger " + quoted(a[0]);
            case "fire" -> (done ? "fired" : "fire") + " trigger " + quoted(a[0]) + (!(result instanceof List<?> runs) ? ""
                    : runs.isEmpty() ? ", which started no run" : ": " + runs.size() + " run(s)");
            case "backfill" -> (done ? "backfilled" : "backfill") + (a[0] instanceof Backfill backfill ? " trigger "
                    + quoted(backfill.trigger()) + " from " + backfill.from() + " to " + backfill.to()
                    : " a trigger, no backfill given");
            // QueueControls
            case "pause" -> (done ? "paused" : "pause") + " queue " + quoted(a[0]);
            case "resume" -> (done ? "resumed" : "resume") + " queue " + quoted(a[0]);
            case "setWorkers" -> "set the workers of queue " + quoted(a[0]) + " to " + text(a[1]) + " per instance";
            case "removeWorkers" -> (done ? "removed" : "remove") + " the workers set for queue " + quoted(a[0]);
            default -> method;
        };
    }

    /** The spec's trigger, quoted; what a refused call without one asked for says so. */
    private static String triggerOf(Object spec) {
        return spec instanceof TriggerSpec trigger ? quoted(trigger.name()) : "(no spec given)";
    }

    private static boolean canceled(Object result) {
        return result instanceof Boolean done ? done : result instanceof CanceledRuns runs && runs.canceled();
    }

    private static String options(Object options) {
        if (!(options instanceof CancelOptions cancel)) {
            return "";
        }
        return (cancel.children() ? " with its children" : "") + (cancel.compensate() ? ", compensating" : "");
    }

    private static String newRun(Object result) {
        return result instanceof StartedRun started ? started.runId() : text(result);
    }

    private static String bulk(String what, Object selection, Object result) {
        String flow = selection instanceof BulkCancel cancel ? cancel.flow()
                : selection instanceof BulkRetry retry ? retry.flow() : "?";
        return what + " of flow " + quoted(flow) + (selection instanceof BulkRetry retry ? narrowedTo(retry) : "")
                + (result instanceof BulkResult done ? ": " + done.acted() + " of " + done.matched() + " matched" : "");
    }

    /**
     * The runs a bulk retry was narrowed to, so that the audit line of a retry of the runs that failed at one step
     * (after a partner's outage) does not read as a retry of all the flow's failed runs.
     */
    private static String narrowedTo(BulkRetry retry) {
        return retry.step().map(step -> " failed at step " + quoted(step)).orElse("")
                + retry.from().map(from -> " started from " + from).orElse("")
                + retry.to().map(to -> " started before " + to).orElse("");
    }

    private static String text(Object value) {
        return LogText.of(String.valueOf(value instanceof Optional<?> o ? o.orElse(null) : value));
    }

    private static String quoted(Object value) {
        return "'" + text(value) + "'";
    }

    /** A failure of the delegated call, carried out of the {@link java.util.function.Supplier}. */
    private static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Refused(Throwable cause) {
            super(cause);
        }
    }
}
