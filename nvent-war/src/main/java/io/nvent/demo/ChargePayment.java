package io.nvent.demo;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import java.util.Map;

/** One branch of the fan-out: charges the customer. */
@FlowStep(flow = "order", name = "charge", subscribes = "order.validated", emits = "payment.charged")
public class ChargePayment implements Step<Map<String, Order>, Map<String, Object>> {

    @Override
    public Map<String, Object> execute(Map<String, Order> input, StepContext ctx) {
        Order order = input.get("order.validated");
        Map<String, Object> payment = Map.of("orderId", order.id(), "amount", order.quantity() * 10);
        ctx.logger().info("charged " + payment.get("amount") + " for order " + order.id());
        ctx.emit("payment.charged", payment);
        return payment;
    }
}
