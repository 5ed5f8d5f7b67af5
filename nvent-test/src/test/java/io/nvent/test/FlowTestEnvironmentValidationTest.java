package io.nvent.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nvent.FlowStep;
import io.nvent.InvalidPayloadException;
import io.nvent.PayloadViolation;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Positive;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A test of a flow whose input class carries Bean Validation constraints sees them checked as the server
 * checks them, with Hibernate Validator on the test class path.
 */
class FlowTestEnvironmentValidationTest {

    public record Order(@NotBlank String id, @Positive long amountCents, @Email String email) {
    }

    @FlowStep(flow = "order", name = "take", role = StepRole.ENTRY)
    static class TakeOrder implements Step<Order, String> {
        @Override
        public String execute(Order order, StepContext ctx) {
            return order.id();
        }
    }

    @Test
    void aStartBreakingTheInputsConstraintsIsRefusedAndAGoodOneRuns() {
        try (FlowTestEnvironment env = FlowTestEnvironment.of(new TakeOrder())) {
            assertThatThrownBy(() -> env.flows().start("order", Map.of("id", "", "amountCents", 250)))
                    .isInstanceOf(InvalidPayloadException.class)
                    .hasMessage("NVENT-0204 input of flow 'order' for step 'take' is not valid: id must not be blank")
                    .satisfies(e -> assertThat(((InvalidPayloadException) e).violations())
                            .containsExactly(new PayloadViolation("id", "must not be blank", "\"\"")));
            assertThat(env.flows().runs(RunQuery.all())).isEmpty();

            assertThat(env.startAndAwait("order", Map.of("id", "A-1", "amountCents", 250)).status())
                    .isEqualTo(RunStatus.COMPLETED);
        }
    }
}
