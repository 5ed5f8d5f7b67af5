package io.nvent.war.restart;

import io.nvent.AwaitBefore;
import io.nvent.AwaitType;
import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.TimeoutAction;
import java.util.Map;

/**
 * A flow that keeps run state across an approval: {@code open} writes state and emits, {@code close}
 * waits for a webhook and then reads the state back into its result — so a restart between the two
 * shows whether the state (and the await) survived.
 */
public final class LedgerFlow {

    private LedgerFlow() {
    }

    @FlowStep(flow = "ledger", name = "open", role = StepRole.ENTRY, emits = "ledger.opened")
    public static class Open implements Step<Map<String, Object>, Map<String, Object>> {
        @Override
        public Map<String, Object> execute(Map<String, Object> input, StepContext ctx) {
            ctx.state().set("balance", Map.of("amount", input.get("amount"), "currency", "EUR"));
            ctx.state().set("openedBy", "restart-it");
            ctx.emit("ledger.opened", input);
            return input;
        }
    }

    @FlowStep(flow = "ledger", name = "close", subscribes = "ledger.opened")
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 3_600_000, timeoutAction = TimeoutAction.FAIL)
    public static class Close implements Step<Map<String, Map<String, Object>>, Map<String, Object>> {
        @Override
        @SuppressWarnings("rawtypes")
        public Map<String, Object> execute(Map<String, Map<String, Object>> input, StepContext ctx) {
            Object balance = ctx.state().get("balance", Map.class).map(m -> (Object) m).orElse("missing");
            String openedBy = ctx.state().get("openedBy", String.class).orElse("missing");
            return Map.of("balance", balance, "openedBy", openedBy, "approval", ctx.triggerData().orElse("none"));
        }
    }
}
