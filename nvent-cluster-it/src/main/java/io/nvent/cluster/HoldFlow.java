package io.nvent.cluster;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;

/**
 * {@code hold}: one step on queue {@code hold} that, for an input with {@code "hold": true}, blocks
 * as a call to a downstream that never answers does, until its thread is interrupted; it records
 * in the ledger that it began ({@code held}) and that the interrupt reached it ({@code interrupted}).
 * Any other input returns at once ({@code quick}), which shows that the queue's workers go on.
 */
@FlowStep(flow = "hold", name = "hold", role = StepRole.ENTRY, queue = HoldFlow.QUEUE, timeoutMs = 600_000)
public class HoldFlow implements Step<JsonObject, Void> {

    static final String QUEUE = "hold";

    @Inject
    Ledger ledger;

    @Override
    public Void execute(JsonObject input, StepContext ctx) throws InterruptedException {
        if (!input.getBoolean("hold", false)) {
            ledger.executed(ctx, "quick");
            return null;
        }
        ledger.executed(ctx, "held");
        try {
            Thread.sleep(600_000); // the downstream that never answers; its timeout is as long
        } catch (InterruptedException interrupted) {
            // Only a cancel interrupts it here: the ledger row is how the test sees that the step's code saw it.
            ledger.executed(ctx, "interrupted");
            throw interrupted;
        }
        return null;
    }
}
