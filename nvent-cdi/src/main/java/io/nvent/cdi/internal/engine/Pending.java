package io.nvent.cdi.internal.engine;

import io.nvent.AwaitPosition;
import io.nvent.EmittedPayloadsTooLargeException;
import io.nvent.EventType;
import io.nvent.FlowDefinition;
import io.nvent.StepDefinition;
import io.nvent.StepStatus;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.EventDraft;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a run mutation decided beyond the stored change: steps to enqueue, awaits to save and
 * emissions to deliver. Stores may call a mutation several times; only the last call counts,
 * hence {@link #reset()} at its start.
 */
final class Pending {
    final List<StepDefinition> ready = new ArrayList<>();
    final List<AwaitRecord> awaits = new ArrayList<>();
    final List<Emission> released = new ArrayList<>();
    /**
     * What the attempt interceptors captured in the scope of the attempt whose emits are {@link #released}: the runs
     * they start or resume are linked to it, also when an after-await held them ({@link Emission.Held}). Empty for none
     * (no interceptors, or emits not a step attempt's).
     */
    Map<String, String> producer = Map.of();
    /** The step the change fails at its await, where the await was and why; {@code null} if it fails none. */
    String failedStep;
    AwaitPosition failedPosition;
    String failure;
    /**
     * Whether the stored change saved {@link #awaits} with it, in its own transaction
     * ({@link AwaitResolution#writeWithAwaits}); if not, they are saved after it.
     */
    boolean awaitsSaved;

    void reset() {
        ready.clear();
        awaits.clear();
        released.clear();
        failedStep = null;
        failedPosition = null;
        failure = null;
    }

    /**
     * Fails the step of an await that closed without letting it go on, and its run with it: an
     * await timed out with {@code FAIL} (or out of retries), or an after-await whose held emits no
     * longer fit the run when it resolved. The queue does not retry it: an after-await's step
     * completed its attempt, and running it again would repeat what it did; only an operator's
     * retry does that.
     */
    RunChange fail(RunRecord run, AwaitRecord await, String why, List<EventDraft> events, Instant now) {
        return fail(run, await.step(), await.position(), why, events, now);
    }

    /** {@link #fail(RunRecord, AwaitRecord, String, List, Instant)} for a step awaiting at {@code position}. */
    RunChange fail(RunRecord run, String step, AwaitPosition position, String why, List<EventDraft> events,
                   Instant now) {
        failedStep = step;
        failedPosition = position;
        failure = why;
        List<EventDraft> all = new ArrayList<>(events);
        all.add(EventDraft.ofStep(EventType.STEP_FAILED, step, 0, now,
                JsonText.object().str("error", why).build()));
        all.add(EventDraft.ofRun(EventType.FLOW_FAILED, now, JsonText.object()
                .str("step", step).str("error", why).build()));
        return new RunChange(run.withStep(step, StepStatus.FAILED).withFailure(now, why), all);
    }

    RunChange advance(AwaitResolution awaitResolution, FlowDefinition flow, RunRecord run, List<EventDraft> events,
                      Instant now) {
        Orchestration.Advance advance = Orchestration.advance(flow, run, events, now);
        ready.addAll(advance.ready());
        List<EventDraft> all = new ArrayList<>(advance.events());
        for (Orchestration.AwaitStart start : advance.awaits()) {
            AwaitRecord await = awaitResolution.newAwait(advance.run(), start.step(), start.position(), now,
                    "[]");
            awaits.add(await);
            all.add(awaitResolution.registeredEvent(await));
        }
        return new RunChange(advance.run(), all);
    }

    /** The step of a closed await goes on: queued (before) or completed with its held emissions (after). */
    RunChange release(AwaitResolution awaitResolution, RunEmittedLimit emittedLimit, FlowDefinition flow, RunRecord run,
                      AwaitRecord await, List<EventDraft> events, Instant now) {
        if (await.position() == AwaitPosition.BEFORE) {
            StepDefinition step = Orchestration.stepOf(flow, await.step());
            ready.add(step);
            RunRecord next = Orchestration.settleStatus(run.withStep(await.step(), StepStatus.QUEUED),
                    new ArrayList<>(), now);
            return new RunChange(next, events);
        }
        Emission.Held holding = Emission.fromJson(await.held());
        List<Emission> held = holding.emissions();
        try {
            // Checked at completion against the run then; another step or an operator's emit may
            // have filled the run while the step waited. Its held emits are then discarded.
            emittedLimit.keepWithinEmittedLimit(run, held);
        } catch (EmittedPayloadsTooLargeException tooLarge) {
            return fail(run, await, tooLarge.getMessage(), events, now);
        }
        RunRecord next = run.withStep(await.step(), StepStatus.COMPLETED);
        for (Emission emission : held) {
            next = next.withEmitted(emission.event(), emission.payloadJson());
        }
        released.addAll(held);
        producer = holding.producer();   // the runs they start or resume are linked to the attempt that emitted them
        return advance(awaitResolution, flow, next, events, now);
    }
}
