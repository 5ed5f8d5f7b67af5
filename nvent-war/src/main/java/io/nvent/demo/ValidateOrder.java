package io.nvent.demo;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import java.util.Map;

/** Entry of the order flow: checks the order and fans out to payment and stock. */
@FlowStep(flow = "order", name = "validate", role = StepRole.ENTRY, emits = "order.validated")
public class ValidateOrder implements Step<Order, Map<String, Object>> {

    @Override
    public Map<String, Object> execute(Order order, StepContext ctx) {
        if (order == null || order.id() == null || order.quantity() <= 0) {
            throw new IllegalArgumentException("an order needs an id and a positive quantity, got " + order);
        }
        ctx.logger().info("order " + order.id() + " is valid");
        ctx.emit("order.validated", order);
        return Map.of("valid", true);
    }
}
