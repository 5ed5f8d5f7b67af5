package io.nvent.cdi;

import io.nvent.FlowService;
import io.nvent.FlowStep;
import io.nvent.NventException;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerType;
import jakarta.ejb.Stateless;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.context.SessionScoped;
import jakarta.enterprise.inject.spi.DefinitionException;
import jakarta.inject.Inject;
import java.io.Serializable;
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

    /** {@code @ApplicationScoped} by its stereotype, but only its {@code @Inject} constructor: no proxy. */
    @FlowStep(flow = "refund", name = "refund", role = StepRole.ENTRY)
    public static class InjectedOnly implements Step<Object, String> {
        private final FlowService flows;

        @Inject
        public InjectedOnly(FlowService flows) {
            this.flows = flows;
        }

        @Override
        public String execute(Object input, StepContext ctx) {
            return flows.toString();
        }
    }

    /** The same, {@code @Dependent}: needs no proxy. */
    @FlowStep(flow = "refund-dependent", name = "refund", role = StepRole.ENTRY)
    @Dependent
    public static class DependentInjectedOnly extends InjectedOnly {
        @Inject
        public DependentInjectedOnly(FlowService flows) {
            super(flows);
        }
    }

    @FlowStep(flow = "sealed", name = "seal", role = StepRole.ENTRY)
    public static final class FinalStep implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "sealed";
        }
    }

    @FlowStep(flow = "cart", name = "price", role = StepRole.ENTRY)
    @SessionScoped
    public static class SessionScopedStep implements Step<Object, String>, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public String execute(Object input, StepContext ctx) {
            return "priced";
        }
    }

    @FlowStep(flow = "abstract", name = "base", role = StepRole.ENTRY)
    public abstract static class AbstractStep implements Step<Object, String> {
    }

    @FlowStep(flow = "ejb", name = "charge", role = StepRole.ENTRY)
    @Stateless
    public static class StatelessStep implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "charged";
        }
    }

    /** A step whose {@code @FlowStep} was forgotten. */
    @Trigger(name = "nightly", type = TriggerType.SCHEDULE, cron = "0 2 * * *")
    public static class ForgottenStep implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "nightly";
        }
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
    void aClassTheContainerWouldNotRunAsAStepIsAProblemWithTheMessageTheDeploymentGives() {
        List<Class<?>> classes = List.of(Take.class, Ship.class, InjectedOnly.class, DependentInjectedOnly.class,
                FinalStep.class, SessionScopedStep.class, AbstractStep.class, StatelessStep.class, ForgottenStep.class);

        List<String> problems = FlowValidation.problems(classes);

        assertThat(problems).map(problem -> problem.substring(0, problem.indexOf(" is ")))
                .as("one problem for each class the container would not run, none for the dependent one")
                .containsExactlyInAnyOrder("NVENT-0197 " + InjectedOnly.class.getName(),
                        "NVENT-0197 " + FinalStep.class.getName(), "NVENT-0189 " + SessionScopedStep.class.getName(),
                        "NVENT-0108 " + AbstractStep.class.getName(), "NVENT-0109 " + StatelessStep.class.getName(),
                        "NVENT-0186 " + ForgottenStep.class.getName());
        assertThat(problems).filteredOn(problem -> problem.contains(InjectedOnly.class.getName())).singleElement()
                .asString().contains("@ApplicationScoped").contains("it has no constructor without parameters");
        assertThatThrownBy(() -> engineWith(classes.toArray(Class<?>[]::new)).initialize().close())
                .as("the deployment's").isInstanceOf(DefinitionException.class)
                .hasMessageContaining("6 problems in the declared flows")
                .satisfies(deployment -> assertThat(problems)
                        .allSatisfy(problem -> assertThat(deployment.getMessage()).contains("- " + problem)));
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
                .addBeanClasses(NventBeans.inMemoryEngine()).addBeanClasses(steps);
    }
}
