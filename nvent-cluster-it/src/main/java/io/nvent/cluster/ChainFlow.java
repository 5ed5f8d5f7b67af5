package io.nvent.cluster;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;

/**
 * {@code chain}: three steps one after another ({@code one -> two -> three}). Each writes a ledger
 * row and then works for the input's {@code workMs} milliseconds, long enough for a crash to catch
 * steps in flight. The run's input travels along the emitted events.
 */
public final class ChainFlow {

    static final String FLOW = "chain";

    private ChainFlow() {
    }

    @FlowStep(flow = FLOW, name = "one", role = StepRole.ENTRY, emits = "chain.one-done")
    public static class One implements Step<JsonObject, Void> {
        @Inject
        Ledger ledger;

        @Override
        public Void execute(JsonObject input, StepContext ctx) throws InterruptedException {
            work(ledger, ctx, input);
            ctx.emit("chain.one-done", input);
            return null;
        }
    }

    @FlowStep(flow = FLOW, name = "two", subscribes = "chain.one-done", emits = "chain.two-done")
    public static class Two implements Step<JsonObject, Void> {
        @Inject
        Ledger ledger;

        @Override
        public Void execute(JsonObject input, StepContext ctx) throws InterruptedException {
            JsonObject work = input.getJsonObject("chain.one-done");
            work(ledger, ctx, work);
            ctx.emit("chain.two-done", work);
            return null;
        }
    }

    @FlowStep(flow = FLOW, name = "three", subscribes = "chain.two-done")
    public static class Three implements Step<JsonObject, Void> {
        @Inject
        Ledger ledger;

        @Override
        public Void execute(JsonObject input, StepContext ctx) throws InterruptedException {
            work(ledger, ctx, input.getJsonObject("chain.two-done"));
            return null;
        }
    }

    private static void work(Ledger ledger, StepContext ctx, JsonObject input) throws InterruptedException {
        ledger.executed(ctx, input.toString());
        long workMs = input.getJsonNumber("workMs").longValue();
        if (workMs > 0) {
            Thread.sleep(workMs); // stands for the step's real work
        }
    }
}
