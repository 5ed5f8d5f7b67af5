package io.nvent.demo;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import java.util.Map;

/** Entry of the approval flow: records an expense that a manager must approve. */
@FlowStep(flow = "expense", name = "submit", role = StepRole.ENTRY, emits = "expense.submitted")
public class SubmitExpense implements Step<Map<String, Object>, Map<String, Object>> {

    @Override
    public Map<String, Object> execute(Map<String, Object> expense, StepContext ctx) {
        if (expense == null || !expense.containsKey("amount")) {
            throw new IllegalArgumentException("an expense needs an amount, got " + expense);
        }
        ctx.logger().info("expense of " + expense.get("amount") + " submitted, waiting for approval");
        ctx.emit("expense.submitted", expense);
        return expense;
    }
}
