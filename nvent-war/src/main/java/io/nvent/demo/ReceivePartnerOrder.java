package io.nvent.demo;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerType;
import java.util.Map;

/**
 * Started by a partner's signed webhook ({@code POST /api/nvent/triggers/partner-order/webhook}
 * with an HMAC-SHA256 signature made with {@code nvent.triggers.partner-order.secret}); the body
 * is the run's input, which {@link RecordAnswer} then records.
 */
@FlowStep(flow = "partner-order", name = "receive", role = StepRole.ENTRY, emits = "partner-order.received")
@Trigger(name = "partner-order", type = TriggerType.WEBHOOK, description = "Orders pushed by a partner (signed)")
public class ReceivePartnerOrder implements Step<Map<String, Object>, Map<String, Object>> {

    @Override
    public Map<String, Object> execute(Map<String, Object> order, StepContext ctx) {
        ctx.logger().info("partner order received: " + order);
        ctx.emit("partner-order.received", order);
        return Map.of("accepted", true);
    }
}
