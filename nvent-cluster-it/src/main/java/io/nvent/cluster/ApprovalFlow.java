package io.nvent.cluster;

import io.nvent.AwaitBefore;
import io.nvent.AwaitType;
import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.TimeoutAction;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;

/**
 * {@code approval}: its only step, {@code decide}, waits for a webhook before it runs and records
 * the approval's body. The await sits on the entry step, so it is registered by the instance that
 * started the run; the URL reaches the test through the {@link Ledger}'s registration hook.
 */
@FlowStep(flow = "approval", name = "decide", role = StepRole.ENTRY)
@AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 600_000, timeoutAction = TimeoutAction.FAIL)
public class ApprovalFlow implements Step<JsonObject, Void> {

    @Inject
    Ledger ledger;

    @Override
    public Void execute(JsonObject input, StepContext ctx) {
        ledger.executed(ctx, ctx.triggerData().orElse("none"));
        return null;
    }
}
