package io.nvent.demo;

import io.nvent.BackoffType;
import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import java.util.Map;

/**
 * The retry demo: fails on its first two attempts and succeeds on the third, so the run's history
 * shows two {@code step.retry} events before {@code step.completed}.
 */
@FlowStep(flow = "retry-demo", name = "call-partner", role = StepRole.ENTRY, maxAttempts = 3,
        backoff = BackoffType.EXPONENTIAL, backoffDelayMs = 200, emits = "partner.answered")
public class FlakyCall implements Step<Object, Map<String, Object>> {

    @Override
    public Map<String, Object> execute(Object input, StepContext ctx) {
        if (ctx.attempt() < 3) {
            ctx.logger().warn("partner did not answer on attempt " + ctx.attempt());
            throw new IllegalStateException("partner service unavailable (attempt " + ctx.attempt() + ")");
        }
        ctx.emit("partner.answered", Map.of("attempts", ctx.attempt()));
        return Map.of("answeredOnAttempt", ctx.attempt());
    }
}
