package io.nvent.demo;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import java.util.Map;

/** The other branch of the fan-out: reserves the items. */
@FlowStep(flow = "order", name = "reserve", subscribes = "order.validated", emits = "stock.reserved")
public class ReserveStock implements Step<Map<String, Order>, Map<String, Object>> {

    @Override
    public Map<String, Object> execute(Map<String, Order> input, StepContext ctx) {
        Order order = input.get("order.validated");
        Map<String, Object> reservation = Map.of("orderId", order.id(), "item", String.valueOf(order.item()),
                "quantity", order.quantity());
        ctx.emit("stock.reserved", reservation);
        return reservation;
    }
}
