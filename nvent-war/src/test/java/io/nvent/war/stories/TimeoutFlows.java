package io.nvent.war.stories;

import io.nvent.AwaitBefore;
import io.nvent.AwaitType;
import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.TimeoutAction;
import java.util.Map;

/** Flows whose approval wait times out quickly, one per timeout action. */
public final class TimeoutFlows {

    private TimeoutFlows() {
    }

    @FlowStep(flow = "approval-fails", name = "approve", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 1_500, timeoutAction = TimeoutAction.FAIL)
    public static class FailsOnTimeout implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            return "approved";
        }
    }

    @FlowStep(flow = "approval-continues", name = "approve", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 1_500, timeoutAction = TimeoutAction.CONTINUE)
    public static class ContinuesOnTimeout implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            return ctx.triggerData().isPresent() ? "approved" : "went on without approval";
        }
    }
}
