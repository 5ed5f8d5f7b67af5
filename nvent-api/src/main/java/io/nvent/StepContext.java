package io.nvent;

import java.util.List;

/**
 * What a step knows about, and can do to, the run it executes in. Valid only during
 * {@link Step#execute}.
 *
 * @since 0.1
 */
public interface StepContext {

    /** Id of the current run. */
    String runId();

    /** Name of the current flow. */
    String flow();

    /** Name of the executing step. */
    String step();

    /** Id of the queue job executing this step. */
    String jobId();

    /** Queue the job was taken from. */
    String queue();

    /** 1-based number of this attempt. */
    int attempt();

    /**
     * The data that resolved this step's {@link AwaitBefore} (a webhook's body, an event's payload,
     * {@code {"scheduledAt": ...}} for schedules, {@code {}} for a time await) as JSON; empty without
     * await or after a timeout that continued.
     */
    java.util.Optional<String> triggerData();

    /**
     * The data that resolved the {@link AwaitAfter} of a step of this run, as JSON: e.g. the body of
     * the approval webhook that let the run go on past {@code step}, for the steps that follow it.
     * Empty if that step's await has not resolved (yet), or timed out and the run continued without
     * it; a step that ran more than once gives the data of its latest await.
     *
     * @param step the name of a step of this run's flow that has an {@link AwaitAfter}
     * @throws IllegalArgumentException if the flow has no such step, or the step no after-await
     */
    default java.util.Optional<String> afterAwaitData(String step) {
        return java.util.Optional.empty();
    }

    /**
     * The name of the trigger whose firing started this run (a schedule, webhook, event or manual
     * trigger); empty for a run started through {@link FlowService} or the REST API, or as a child run.
     * A restarted or rerun run was started by an operator, not by the trigger of its original.
     */
    default java.util.Optional<String> startedByTrigger() {
        return java.util.Optional.empty();
    }

    /** Logger whose entries become {@code log} events in the run's history. */
    StepLogger logger();

    /** Key/value state shared by all steps of this run. */
    RunState state();

    /**
     * Emits an event in this run. Steps subscribed to it are scheduled once this step completes.
     *
     * @param event event name
     * @param payload payload, converted to JSON with JSON-B; may be {@code null}
     */
    void emit(String event, Object payload);

    /**
     * Starts another, independent run whose parent is the current run.
     *
     * @return the new run's id
     */
    String startFlow(String flow, Object input);

    /** Cancels the current run: no further steps are scheduled. */
    void cancel();

    /** Whether the given run of the given flow is running or awaiting. */
    boolean isRunning(String flow, String runId);

    /**
     * Whether any run of the given flow other than the current one is running or awaiting, e.g. to
     * skip an import while another is still under way.
     */
    default boolean isRunning(String flow) {
        return !runningFlows(flow).isEmpty();
    }

    /** Runs of the given flow that are running or awaiting, the current run excluded. */
    List<RunInfo> runningFlows(String flow);
}
