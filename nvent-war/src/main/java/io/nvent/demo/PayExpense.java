package io.nvent.demo;

import io.nvent.AwaitBefore;
import io.nvent.AwaitType;
import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.TimeoutAction;
import java.util.Map;

/**
 * Pays an expense once a manager approved it: the run waits (status {@code awaiting}) until
 * someone POSTs to the approval URL that {@link ApprovalRequests} received; the POST body is the
 * approval, available here as {@link StepContext#triggerData()}. Without approval within an hour
 * the run fails.
 */
@FlowStep(flow = "expense", name = "pay", subscribes = "expense.submitted")
@AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 3_600_000, timeoutAction = TimeoutAction.FAIL)
public class PayExpense implements Step<Map<String, Map<String, Object>>, Map<String, Object>> {

    @Override
    public Map<String, Object> execute(Map<String, Map<String, Object>> input, StepContext ctx) {
        String approval = ctx.triggerData().orElse("{}");
        ctx.logger().info("paying " + input.get("expense.submitted").get("amount") + ", approval: " + approval);
        return Map.of("paid", input.get("expense.submitted").get("amount"), "approval", approval);
    }
}
