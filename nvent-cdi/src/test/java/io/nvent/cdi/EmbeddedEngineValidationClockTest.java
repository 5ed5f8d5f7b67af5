package io.nvent.cdi;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nvent.FlowStep;
import io.nvent.InvalidPayloadException;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import jakarta.validation.constraints.Future;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An embedded engine's {@code @Future} and {@code @Past} are judged by its clock, as everything else it times. */
class EmbeddedEngineValidationClockTest {

    public record Reminder(@Future Instant at) {
    }

    @FlowStep(flow = "remind", name = "remind", role = StepRole.ENTRY)
    public static final class Remind implements Step<Reminder, Void> {
        @Override
        public Void execute(Reminder reminder, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aReminderForAMomentBeforeTheEnginesNowIsRefusedThoughTheWallClockHasNotReachedIt() {
        Clock in2100 = Clock.fixed(Instant.parse("2100-01-01T00:00:00Z"), ZoneOffset.UTC);
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().clock(in2100).step(new Remind()).build()) {
            assertThatThrownBy(() -> engine.flows().start("remind", Map.of("at", "2099-06-01T00:00:00Z")))
                    .isInstanceOf(InvalidPayloadException.class)
                    .hasMessageEndingWith("is not valid: at must be a future date");
        }
    }
}
