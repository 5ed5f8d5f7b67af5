package io.nvent.demo;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import jakarta.json.JsonObject;
import java.util.Map;

/** The join: runs once both payment and stock are done. */
@FlowStep(flow = "order", name = "ship", subscribes = {"payment.charged", "stock.reserved"}, emits = "order.shipped")
public class ShipOrder implements Step<JsonObject, Map<String, Object>> {

    @Override
    public Map<String, Object> execute(JsonObject input, StepContext ctx) {
        String orderId = input.getJsonObject("payment.charged").getString("orderId");
        ctx.logger().info("shipping order " + orderId + " after payment and reservation");
        ctx.emit("order.shipped", Map.of("orderId", orderId));
        return Map.of("shipped", true, "orderId", orderId);
    }
}
