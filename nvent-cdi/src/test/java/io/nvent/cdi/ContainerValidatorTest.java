package io.nvent.cdi;

import io.nvent.FlowService;
import io.nvent.FlowStep;
import io.nvent.InvalidPayloadException;
import io.nvent.PayloadViolation;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.validation.MessageInterpolator;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.constraints.Positive;
import java.util.Locale;
import java.util.Map;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Deployed, the engine checks inputs with the container's {@code jakarta.validation.Validator} bean (Payara's and
 * WildFly's Hibernate Validator), not one of its own built from the class path.
 */
class ContainerValidatorTest {

    public record Order(@Positive long amountCents) {
    }

    @FlowStep(flow = "order", name = "take", role = StepRole.ENTRY)
    public static class TakeOrder implements Step<Order, Long> {
        @Override
        public Long execute(Order order, StepContext ctx) {
            return order.amountCents();
        }
    }

    /** The container's validator: Hibernate Validator, its messages told apart from the class path's. */
    @ApplicationScoped
    public static class ContainerValidation {
        @Produces
        @ApplicationScoped
        Validator validator() {
            return Validation.byDefaultProvider().configure().messageInterpolator(new MessageInterpolator() {
                @Override
                public String interpolate(String template, Context context) {
                    return "refused by the container's validator";
                }

                @Override
                public String interpolate(String template, Context context, Locale locale) {
                    return interpolate(template, context);
                }
            }).buildValidatorFactory().getValidator();
        }
    }

    @Test
    void aDeployedEngineChecksInputsWithTheContainersValidator() {
        try (WeldContainer container = new Weld().disableDiscovery().addExtension(NventBeans.extension())
                .addBeanClasses(NventBeans.inMemoryEngine()).addBeanClasses(TakeOrder.class, ContainerValidation.class)
                .initialize()) {
            FlowService flows = container.select(FlowService.class).get();

            assertThatThrownBy(() -> flows.start("order", Map.of("amountCents", -5)))
                    .isInstanceOf(InvalidPayloadException.class)
                    .hasMessage("NVENT-0204 input of flow 'order' for step 'take' is not valid: amountCents refused by "
                            + "the container's validator")
                    .satisfies(e -> org.assertj.core.api.Assertions.assertThat(
                            ((InvalidPayloadException) e).violations()).containsExactly(
                            new PayloadViolation("amountCents", "refused by the container's validator", "-5")));
        }
    }
}
