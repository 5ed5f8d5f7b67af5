package io.nvent.testkit;

import io.nvent.AwaitAfter;
import io.nvent.AwaitBefore;
import io.nvent.AwaitType;
import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;

/**
 * The flows that the tests of idempotent emits and publishes deliver events to, on any store: a parcel whose scans
 * are emitted into its run ({@link Send}, {@link Track}) and a refund waiting for its approval to be published
 * ({@link PayBack}). Their steps do nothing: what the tests look at is what the events deliver.
 */
public final class IdempotentEventFlows {

    private IdempotentEventFlows() {
    }

    /** A parcel whose scans are emitted into its run while it waits a day to be delivered. */
    @FlowStep(flow = "parcel", name = "send", role = StepRole.ENTRY, emits = "parcel.scanned")
    @AwaitAfter(type = AwaitType.WEBHOOK, timeoutMs = 86_400_000)
    public static class Send implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    /** What a parcel's scan, emitted into its run, runs. */
    @FlowStep(flow = "parcel", name = "track", subscribes = "parcel.scanned")
    public static class Track implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    /** A refund that waits for its approval, published to every run waiting. */
    @FlowStep(flow = "refund", name = "pay-back", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.EVENT, event = "refund.approved", timeoutMs = 86_400_000)
    public static class PayBack implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }
}
