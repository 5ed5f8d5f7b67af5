package io.nvent.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What a step returned, read in a test without parsing the run's history. */
class FlowTestEnvironmentOutputTest {

    public record Quote(String sku, int cents) {
    }

    @FlowStep(flow = "quote", name = "price", role = StepRole.ENTRY, emits = "priced", maxAttempts = 2,
            backoffDelayMs = 60_000)
    static class Price implements Step<Map<String, Object>, Quote> {
        final AtomicInteger attempts = new AtomicInteger();

        @Override
        public Quote execute(Map<String, Object> input, StepContext ctx) {
            if (attempts.incrementAndGet() == 1) {
                throw new IllegalStateException("price list away");
            }
            ctx.emit("priced", input);
            return new Quote((String) input.get("sku"), 250);
        }
    }

    @FlowStep(flow = "quote", name = "label", subscribes = "priced")
    static class Label implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            return "label of " + ((Map<?, ?>) input.get("priced")).get("sku");
        }
    }

    @FlowStep(flow = "quote", name = "archive", subscribes = "priced")
    static class Archive implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    final FlowTestEnvironment env = FlowTestEnvironment.of(new Price(), new Label(), new Archive());

    @AfterEach
    void close() {
        env.close();
    }

    /** Quotes A-1 and waits until the run ended, past the minute price waits for its retry. */
    private String quoteEnded() {
        String runId = env.flows().start("quote", Map.of("sku", "A-1"));
        env.advanceTime(Duration.ofMinutes(1));
        env.awaitRun(runId);
        return runId;
    }

    @Test
    void aStepsOutputIsReadAsItsJsonAndAsItsClass() {
        String runId = quoteEnded();

        assertThat(env.output(runId, "price")).hasValue("{\"cents\":250,\"sku\":\"A-1\"}");
        assertThat(env.output(runId, "price", Quote.class)).hasValue(new Quote("A-1", 250));
        assertThat(env.output(runId, "label", String.class)).hasValue("label of A-1");
    }

    @Test
    void aStepThatReturnedNothingHasTheOutputNullAndNoValueOfItsClass() {
        String runId = quoteEnded();

        assertThat(env.output(runId, "archive")).hasValue("null");
        assertThat(env.output(runId, "archive", Object.class)).isEmpty();
    }

    @Test
    void aStepThatHasNotCompletedHasNoOutputYet() {
        String runId = env.flows().start("quote", Map.of("sku", "A-1"));
        env.awaitIdle();   // price failed once and waits a minute for its retry

        assertThat(env.flows().run(runId).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
        assertThat(env.output(runId, "price")).isEmpty();
        assertThat(env.output(runId, "label", String.class)).isEmpty();
    }

    @Test
    void aRunRerunFromAStepHasTheOutputsOfTheStepsItKeptFromTheOriginal() {
        String original = quoteEnded();

        String rerun = env.flows().rerunFrom(original, "label");
        env.awaitRun(rerun);

        assertThat(env.flows().run(rerun).orElseThrow().steps()).containsEntry("price", StepStatus.COMPLETED);
        assertThat(env.output(rerun, "price", Quote.class)).hasValue(new Quote("A-1", 250));
        assertThat(env.output(rerun, "label", String.class)).hasValue("label of A-1");
    }

    @Test
    void aStepTheFlowDoesNotHaveIsRefusedNamingTheFlowsSteps() {
        String runId = env.flows().start("quote", Map.of("sku", "A-1"));

        assertThatThrownBy(() -> env.output(runId, "prcie"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("flow 'quote' of run " + runId + " has no step 'prcie'; its steps: [archive, label, price]");
        assertThatThrownBy(() -> env.output("no-such-run", "price"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("there is no run no-such-run");
    }
}
