package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.AwaitAfter;
import io.nvent.AwaitType;
import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerType;
import io.nvent.spi.AttemptInfo;
import io.nvent.spi.AttemptInterceptor;
import io.nvent.spi.AttemptScope;
import io.nvent.spi.StepHandOn;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The trace an after-await keeps with the events it holds never makes a store refuse the await: held events that fit
 * the payload limit without it are held without it.
 */
class HeldTraceLimitTest {

    /** The payload limit of the engine ({@code nvent.payload.max-bytes}) and of the store, both by default 1 MiB. */
    static final int LIMIT = 1024 * 1024;

    /** Emits an event whose held form is a few bytes short of the limit, then waits for an approval. */
    @FlowStep(flow = "export", name = "pack", role = StepRole.ENTRY, emits = "packed")
    @AwaitAfter(type = AwaitType.WEBHOOK)
    static class Pack implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            // [{"event":"packed","payload":"…","at":"<at, at most 30 characters>"}]: 10 bytes short of the limit
            ctx.emit("packed", "x".repeat(LIMIT - 10 - 41 - 30));
            return null;
        }
    }

    /** Started by every "packed": what makes the attempt capture its trace. */
    @FlowStep(flow = "upload", name = "put", role = StepRole.ENTRY)
    @Trigger(name = "on-packed", type = TriggerType.EVENT, event = "packed")
    static class Put implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    /** Captures a W3C traceparent, as OpenTelemetry's tracer does. */
    static final class Tracing implements AttemptInterceptor {
        @Override
        public Map<String, String> capture(StepHandOn handOn) {
            return Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        }

        @Override
        public AttemptScope open(AttemptInfo attempt, Map<String, String> carried) {
            return AttemptScope.NONE;
        }
    }

    @Test
    void heldEventsThatFitTheLimitWithoutTheTraceAreHeldWithoutIt() {
        try (EngineHarness h = EngineHarness.withStartsStoredFirst(new HeldSizeLimitedScheduling(LIMIT), new Pack(), new Put())) {
            h.engine.useInterceptors(List.of(new Tracing()));
            String export = h.engine.start("export", Map.of());

            h.awaitStatus(export, RunStatus.AWAITING);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(h.scheduling.awaitsOfRun(export))
                    .as("the await is registered: its webhook can resume the run").singleElement()
                    .satisfies(held -> assertThat(held.held()).doesNotContain("\"trace\"")));
        }
    }
}
