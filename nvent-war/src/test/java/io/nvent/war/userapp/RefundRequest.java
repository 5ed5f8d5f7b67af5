package io.nvent.war.userapp;

import io.nvent.AwaitAfter;
import io.nvent.AwaitType;
import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import java.util.Map;

/** A refund waits for a person's approval, given through its webhook URL. */
@FlowStep(flow = "refund", name = "request", role = StepRole.ENTRY)
@AwaitAfter(type = AwaitType.WEBHOOK)
public class RefundRequest implements Step<Map<String, String>, String> {

    @Override
    public String execute(Map<String, String> input, StepContext ctx) {
        return "refund of " + input.get("amount") + " requested";
    }
}
