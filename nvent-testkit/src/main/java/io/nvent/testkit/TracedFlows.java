package io.nvent.testkit;

import io.nvent.BackoffType;
import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The flows the tests of attempt interceptors and tracing run: an order of three steps ({@link Take},
 * {@link Pack}, which fails its first attempt, and {@link Ship}, which starts a shipment) and the shipment of one
 * ({@link Label}). Call {@link #reset()} before each test.
 */
public final class TracedFlows {

    /** The error of the first attempt of {@link Pack}. */
    public static final String PACK_ERROR = "carrier away";
    /** How often {@link Pack} ran. */
    public static final AtomicInteger PACK_CALLS = new AtomicInteger();
    /** What {@link Ship}'s own code calls before it starts the shipment, as a step calls a service. */
    public static volatile Runnable shipCall = () -> { };

    private TracedFlows() {
    }

    /** Every attempt of {@link Pack} fails first again, and {@link Ship} calls nothing. */
    public static void reset() {
        PACK_CALLS.set(0);
        shipCall = () -> { };
    }

    /** Takes an order: emits it on. */
    @FlowStep(flow = "order", name = "take", role = StepRole.ENTRY, emits = "taken")
    public static class Take implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.emit("taken", input);
            return null;
        }
    }

    /** Fails its first attempt ({@link #PACK_ERROR}), as a carrier that is away for a moment. */
    @FlowStep(flow = "order", name = "pack", subscribes = "taken", emits = "packed", maxAttempts = 2,
            backoff = BackoffType.FIXED, backoffDelayMs = 10)
    public static class Pack implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            if (PACK_CALLS.incrementAndGet() == 1) {
                throw new IllegalStateException(PACK_ERROR);
            }
            ctx.emit("packed", input);
            return null;
        }
    }

    /** Calls {@link #shipCall}, then starts a shipment. */
    @FlowStep(flow = "order", name = "ship", subscribes = "packed")
    public static class Ship implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            shipCall.run();
            return ctx.startFlow("shipment", Map.of());
        }
    }

    /** Labels a shipment: the child run's only step. */
    @FlowStep(flow = "shipment", name = "label", role = StepRole.ENTRY)
    public static class Label implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            return "labelled";
        }
    }
}
