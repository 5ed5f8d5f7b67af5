package io.nvent.demo;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import java.util.Map;

/**
 * Records what a partner sent, as a step of two flows: the answer to the flaky call in
 * {@code retry-demo}, and an order the partner pushed in {@code partner-order}. The flow it runs
 * in ({@link StepContext#flow()}) says which event it reads.
 */
@FlowStep(flow = "retry-demo", name = "record", subscribes = "partner.answered")
@FlowStep(flow = "partner-order", name = "record", subscribes = "partner-order.received")
public class RecordAnswer implements Step<Map<String, Object>, String> {

    @Override
    public String execute(Map<String, Object> input, StepContext ctx) {
        String event = ctx.flow().equals("partner-order") ? "partner-order.received" : "partner.answered";
        return "recorded " + input.get(event) + " in flow " + ctx.flow();
    }
}
