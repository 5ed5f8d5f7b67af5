package io.nvent.cdi;

import io.nvent.FlowService;
import io.nvent.FlowStep;
import io.nvent.NventException;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import jakarta.enterprise.inject.spi.DefinitionException;
import java.time.Duration;
import java.util.List;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** A test of one's flows, as the public API offers it: checked as a deployment checks them, and run in Weld SE. */
class FlowValidationTest {

    @FlowStep(flow = "order", name = "take", role = StepRole.ENTRY, emits = "order.taken")
    public static class Take implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            ctx.emit("order.taken", "order");
            return "taken";
        }
    }

    @FlowStep(flow = "order", name = "ship", subscribes = "order.taken")
    public static class Ship implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "shipped";
        }
    }

    /** Waits for an event nobody emits: a typo of {@code order.taken}. */
    @FlowStep(flow = "order", name = "bill", subscribes = "order.taknn")
    public static class Bill implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "billed";
        }
    }

    /** Not a step. */
    public static class Payments {
    }

    @Test
    void flowsThatWouldDeployHaveNoProblemAndAreValid() {
        assertThat(FlowValidation.problems(List.of(Take.class, Ship.class))).isEmpty();
        FlowValidation.validate(List.of(Take.class, Ship.class));
    }

    @Test
    void aFlowThatWouldNotDeployFailsWithTheMessageTheDeploymentGives() {
        List<String> problems = FlowValidation.problems(List.of(Take.class, Ship.class, Bill.class));

        assertThat(problems).singleElement().asString().startsWith("NVENT-0105 ").contains(Bill.class.getName())
                .contains("order.taknn").contains("order.taken");
        assertThatThrownBy(() -> FlowValidation.validate(List.of(Take.class, Ship.class, Bill.class)))
                .isInstanceOf(NventException.class).hasMessageStartingWith("NVENT-0151 the flows are invalid:")
                .hasMessageContaining(problems.get(0));
        assertThatThrownBy(() -> engineWith(Take.class, Ship.class, Bill.class).initialize().close())
                .as("the deployment's").isInstanceOf(DefinitionException.class)
                .hasMessageContaining("DefinitionException: " + problems.get(0) + "\n");
    }

    @Test
    void aClassThatIsNoStepIsAProblemBesideTheFlowsOwn() {
        assertThat(FlowValidation.problems(List.of(Take.class, Payments.class, Bill.class)))
                .containsExactly("NVENT-0150 " + Payments.class.getName() + " is not annotated @FlowStep",
                        FlowValidation.problems(List.of(Take.class, Bill.class)).get(0));
    }

    @Test
    void theEngineRunsInAContainerThatDiscoversNoBeansWithTheClassesNventNames() {
        try (WeldContainer container = engineWith(Take.class, Ship.class).initialize()) {
            FlowService flows = container.select(FlowService.class).get();
            String runId = flows.start("order", null);

            await().atMost(Duration.ofSeconds(10))
                    .until(() -> flows.run(runId).orElseThrow().status() == RunStatus.COMPLETED);
        }
    }

    private static Weld engineWith(Class<?>... steps) {
        return new Weld().disableDiscovery().addExtension(NventBeans.extension())
                .addBeanClasses(NventBeans.inMemoryEngine().toArray(Class<?>[]::new)).addBeanClasses(steps);
    }
}
