package io.nvent.cdi.internal.registry;

import io.nvent.FlowStep;
import io.nvent.NventException;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.FlowValidation;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A heartbeat timeout that could never work fails the deployment naming its flow and step: a negative one, one too
 * short for a heartbeat to come between two looks, and one the attempt's own timeout, or the configured default the
 * step takes, would always come before.
 */
class HeartbeatTimeoutValidationTest {

    @FlowStep(flow = "negative", name = "import", role = StepRole.ENTRY, heartbeatTimeoutMs = -1)
    static class Negative extends Nothing {
    }

    @FlowStep(flow = "twitchy", name = "import", role = StepRole.ENTRY, heartbeatTimeoutMs = 500)
    static class TooShort extends Nothing {
    }

    @FlowStep(flow = "late", name = "import", role = StepRole.ENTRY, timeoutMs = 60_000, heartbeatTimeoutMs = 60_000)
    static class NotBelowItsTimeout extends Nothing {
    }

    @FlowStep(flow = "defaulted", name = "import", role = StepRole.ENTRY, heartbeatTimeoutMs = 600_000)
    static class NotBelowTheConfiguredTimeout extends Nothing {
    }

    @FlowStep(flow = "fine", name = "import", role = StepRole.ENTRY, timeoutMs = 10_800_000,
            heartbeatTimeoutMs = 300_000)
    static class Fine extends Nothing {
    }

    abstract static class Nothing implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aNegativeATooShortAndATimeoutNotBelowTheAttemptsFailTheDeploymentNamingFlowAndStep() {
        assertThat(FlowValidation.problems(List.of(Negative.class, TooShort.class, NotBelowItsTimeout.class,
                Fine.class))).containsExactlyInAnyOrder(
                "NVENT-0101 step 'import' of flow 'negative' (" + Negative.class.getName() + "): heartbeatTimeoutMs"
                        + " must be at least 1000 ms (or 0 for none), was -1",
                "NVENT-0101 step 'import' of flow 'twitchy' (" + TooShort.class.getName() + "): heartbeatTimeoutMs"
                        + " must be at least 1000 ms (or 0 for none), was 500",
                "NVENT-0101 step 'import' of flow 'late' (" + NotBelowItsTimeout.class.getName() + "):"
                        + " heartbeatTimeoutMs (60000) must be below the attempt's timeout of 60000 ms (timeoutMs),"
                        + " which would end the attempt first; shorten it, or lengthen the timeout");
    }

    @Test
    void aTimeoutNotBelowTheConfiguredAttemptTimeoutTheStepTakesFailsTheEngine() {
        StepDefaults fiveMinutes = StepDefaults.STANDARD;
        assertThat(fiveMinutes.timeout()).isEqualTo(Duration.ofMinutes(5));

        assertThatThrownBy(() -> FlowRegistry.build(StepDeclaration.allOf(NotBelowTheConfiguredTimeout.class),
                fiveMinutes)).isInstanceOf(NventException.class).hasMessage("NVENT-0433 the flows are invalid:\n"
                + "  step 'import' of flow 'defaulted' (" + NotBelowTheConfiguredTimeout.class.getName() + "):"
                + " heartbeatTimeoutMs (600000) must be below the attempt's timeout of 300000 ms"
                + " (nvent.step.timeout-ms), which would end the attempt first; shorten it, or lengthen the timeout");
        assertThat(FlowRegistry.build(StepDeclaration.allOf(Fine.class), fiveMinutes).flow("fine").orElseThrow()
                .step("import").orElseThrow().heartbeatTimeout()).contains(Duration.ofMinutes(5));
    }
}
