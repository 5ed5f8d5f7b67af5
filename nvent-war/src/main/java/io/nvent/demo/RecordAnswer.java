package io.nvent.demo;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import java.util.Map;

/** Records the partner's answer once the flaky call succeeded. */
@FlowStep(flow = "retry-demo", name = "record", subscribes = "partner.answered")
public class RecordAnswer implements Step<Map<String, Object>, String> {

    @Override
    public String execute(Map<String, Object> input, StepContext ctx) {
        return "recorded " + input.get("partner.answered");
    }
}
