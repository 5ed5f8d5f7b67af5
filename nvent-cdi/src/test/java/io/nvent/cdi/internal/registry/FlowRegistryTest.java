package io.nvent.cdi.internal.registry;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.testkit.LogRecorder;
import java.util.Arrays;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FlowRegistryTest {

    @FlowStep(flow = "invoice", name = "validate", role = StepRole.ENTRY, maxAttempts = 1,
            noRetryFor = IllegalArgumentException.class)
    static class OneAttemptOfItsOwn implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "billing", name = "charge", role = StepRole.ENTRY, noRetryFor = IllegalStateException.class)
    static class AttemptsOfTheDefault implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "shipping", name = "book", role = StepRole.ENTRY, maxAttempts = 3,
            noRetryFor = IllegalArgumentException.class)
    static class ThreeAttempts implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    private static void build(StepDefaults defaults, Class<?>... steps) {
        FlowRegistry.build(Arrays.stream(steps).flatMap(c -> StepDeclaration.allOf(c).stream()).toList(), defaults);
    }

    private static StepDefaults withMaxAttempts(int maxAttempts) {
        StepDefaults d = StepDefaults.STANDARD;
        return new StepDefaults(maxAttempts, d.backoffDelay(), d.backoffMaxDelay(), d.timeout(), d.awaitTimeout(),
                d.awaitTimeoutRetries());
    }

    @Test
    void aStepListingNoRetryForWithOneAttemptOfItsOwnIsWarnedOfOnceNamingItsMaxAttempts() {
        try (LogRecorder log = LogRecorder.recordingInfoOf(FlowRegistry.class)) {
            build(withMaxAttempts(5), OneAttemptOfItsOwn.class, ThreeAttempts.class);

            assertThat(log.records()).singleElement().satisfies(warning -> {
                assertThat(warning.getLevel()).isEqualTo(Level.WARNING);
                assertThat(warning.getMessage()).startsWith("NVENT-0557 step 'validate' of flow 'invoice' ("
                                + OneAttemptOfItsOwn.class.getName() + ") lists noRetryFor, which prevents no retry:"
                                + " its @FlowStep(maxAttempts = 1) gives it one attempt, so it is never retried anyway;"
                                + " the list only marks the failures it names \"retryable\":false in their step.failed"
                                + " entry (the console shows them failed, not retried)")
                        .doesNotContain("changes nothing")
                        .endsWith("or drop noRetryFor");
            });
        }
    }

    @Test
    void aStepListingNoRetryForThatTakesTheDefaultOfOneAttemptIsWarnedOfNamingTheSetting() {
        try (LogRecorder log = LogRecorder.recordingInfoOf(FlowRegistry.class)) {
            build(StepDefaults.STANDARD, AttemptsOfTheDefault.class, ThreeAttempts.class);

            assertThat(log.records()).extracting(LogRecord::getMessage).singleElement().asString()
                    .startsWith("NVENT-0557 step 'charge' of flow 'billing'")
                    .contains("nvent.step.max-attempts = 1 (the default, which the step does not override");
        }
    }

    @Test
    void aStepListingNoRetryForWithMoreThanOneAttemptIsNoWarning() {
        try (LogRecorder log = LogRecorder.recordingInfoOf(FlowRegistry.class)) {
            build(withMaxAttempts(3), AttemptsOfTheDefault.class, ThreeAttempts.class);

            assertThat(log.records()).isEmpty();
        }
    }
}
