package io.nvent.cluster;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;

/**
 * {@code quota}: one step on queue {@code quota}, which the configuration limits to 10 starts a
 * second for the whole cluster, like a partner API's quota. The ledger row's time is when the body
 * started, on the database's clock.
 */
@FlowStep(flow = "quota", name = "call-partner", role = StepRole.ENTRY, queue = QuotaFlow.QUEUE)
public class QuotaFlow implements Step<JsonObject, Void> {

    static final String QUEUE = "quota";

    @Inject
    Ledger ledger;

    @Override
    public Void execute(JsonObject input, StepContext ctx) {
        ledger.executed(ctx, "");
        return null;
    }
}
