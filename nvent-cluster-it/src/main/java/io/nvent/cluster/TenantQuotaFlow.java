package io.nvent.cluster;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;

/**
 * {@code tenant-quota}: one step on queue {@code tenant-quota}, which the configuration limits to 5
 * starts a second for each value of the input's {@code tenant}, across the cluster. The ledger row's
 * detail is the tenant.
 */
@FlowStep(flow = "tenant-quota", name = "call-partner", role = StepRole.ENTRY, queue = TenantQuotaFlow.QUEUE)
public class TenantQuotaFlow implements Step<JsonObject, Void> {

    static final String QUEUE = "tenant-quota";

    @Inject
    Ledger ledger;

    @Override
    public Void execute(JsonObject input, StepContext ctx) {
        ledger.executed(ctx, input.getString("tenant", ""));
        return null;
    }
}
