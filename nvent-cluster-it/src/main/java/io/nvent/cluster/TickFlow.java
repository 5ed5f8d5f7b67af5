package io.nvent.cluster;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerType;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;

/**
 * {@code tick}: started by a schedule trigger every second. Both instances arm the trigger's timer;
 * the store's tick claim lets each tick start one run. The ledger row's detail is the tick
 * ({@code scheduledAt}), so the test counts runs per tick from what the step saw.
 */
@FlowStep(flow = "tick", name = "record", role = StepRole.ENTRY)
@Trigger(name = "every-second", type = TriggerType.SCHEDULE, cron = "* * * * * *")
public class TickFlow implements Step<JsonObject, Void> {

    @Inject
    Ledger ledger;

    @Override
    public Void execute(JsonObject input, StepContext ctx) {
        ledger.executed(ctx, input.getString("scheduledAt"));
        return null;
    }
}
