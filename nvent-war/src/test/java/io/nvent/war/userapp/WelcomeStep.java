package io.nvent.war.userapp;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import java.util.Map;

/** The one flow step of the minimal user application. */
@FlowStep(flow = "welcome", name = "greet", role = StepRole.ENTRY)
public class WelcomeStep implements Step<Map<String, String>, String> {

    @Override
    public String execute(Map<String, String> input, StepContext ctx) {
        ctx.logger().info("welcoming " + input.get("customer"));
        return "welcome, " + input.get("customer");
    }
}
