package io.nvent.testkit;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;

/**
 * Two flows of one step, for the tests of {@code RunEnded} and {@code StepFailed} on any store and in a container:
 * an order that completes ({@link Confirm}) and an invoice that fails at its only attempt ({@link Send}).
 */
public final class RunEndFlows {

    /** The error every send fails with. */
    public static final String SEND_ERROR = "mail server away";

    private RunEndFlows() {
    }

    /** Confirms an order: the run completes. */
    @FlowStep(flow = "order", name = "confirm", role = StepRole.ENTRY)
    public static class Confirm implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    /** Sends an invoice while the mail server is away: the step and its run fail, with no retry. */
    @FlowStep(flow = "invoice", name = "send", role = StepRole.ENTRY, maxAttempts = 1)
    public static class Send implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            throw new IllegalStateException(SEND_ERROR);
        }
    }
}
