package io.nvent.cdi;

import io.nvent.FailedAttempt;
import io.nvent.FlowStep;
import io.nvent.RetryDecider;
import io.nvent.RetryDecision;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** FlowValidation checks a step's retry decider as far as it can without a container: whether anything can make one. */
class FlowValidationOfRetryDecidersTest {

    /** Decides nothing of its own: the declared delay. */
    public abstract static class KeepsTheDelay implements RetryDecider {
        @Override
        public RetryDecision decide(FailedAttempt failed) {
            return RetryDecision.retryAfter(failed.declaredDelay());
        }
    }

    /** A decider type of its own, scoped but no class: nothing to make. */
    @ApplicationScoped
    public interface InvoiceRetries extends RetryDecider {
    }

    /** Made with its public no-argument constructor outside a container; a bean with beans.xml's all discovery. */
    public static class MadeWithoutAnnotation extends KeepsTheDelay {
    }

    /** Only a constructor with an argument, and no scope: neither an embedded engine nor the container makes it. */
    public static class NeedsADelay extends KeepsTheDelay {
        public NeedsADelay(Duration delay) {
        }
    }

    /** A public no-argument constructor, but of a class only its package sees: an embedded engine makes none. */
    static class SeenInItsPackage extends KeepsTheDelay {
        public SeenInItsPackage() {
        }
    }

    /** Only an {@code @Inject} constructor, but a bean by its scope. */
    @ApplicationScoped
    public static class InjectedBean extends KeepsTheDelay {
        @Inject
        public InjectedBean(Duration delay) {
        }
    }

    /** A step; each subclass names a decider. */
    abstract static class Charges implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "charged";
        }
    }

    @FlowStep(flow = "abstract", name = "charge", role = StepRole.ENTRY, retryDecider = KeepsTheDelay.class)
    public static class ChargesWithAbstract extends Charges {
    }

    @FlowStep(flow = "interface", name = "charge", role = StepRole.ENTRY, retryDecider = InvoiceRetries.class)
    public static class ChargesWithInterface extends Charges {
    }

    @FlowStep(flow = "unmade", name = "charge", role = StepRole.ENTRY, retryDecider = NeedsADelay.class)
    public static class ChargesWithUnmade extends Charges {
    }

    @FlowStep(flow = "made", name = "charge", role = StepRole.ENTRY, retryDecider = MadeWithoutAnnotation.class)
    public static class ChargesWithMade extends Charges {
    }

    @FlowStep(flow = "package", name = "charge", role = StepRole.ENTRY, retryDecider = SeenInItsPackage.class)
    public static class ChargesWithPackagePrivate extends Charges {
    }

    @FlowStep(flow = "bean", name = "charge", role = StepRole.ENTRY, retryDecider = InjectedBean.class)
    public static class ChargesWithBean extends Charges {
    }

    @Test
    void anAbstractDeciderIsNoProblemButAWarningThatOnlyTheContainerChecksIt() {
        List<Class<?>> steps = List.of(ChargesWithAbstract.class);

        assertThat(FlowValidation.problems(steps)).as("a producer may serve it in a container").isEmpty();
        assertThat(FlowValidation.warnings(steps)).singleElement().isEqualTo(
                "NVENT-0421 step 'charge' of flow 'abstract' (" + ChargesWithAbstract.class.getName() + "): its"
                        + " retryDecider " + KeepsTheDelay.class.getName() + " is abstract or an interface: checked in"
                        + " the container only, where a producer may serve it; an EmbeddedEngine takes one only from"
                        + " EmbeddedEngine.Builder.retryDecider(...)");
        FlowValidation.validate(steps);
    }

    @Test
    void anInterfaceAsDeciderIsAWarningToo() {
        assertThat(FlowValidation.problems(List.of(ChargesWithInterface.class))).isEmpty();
        assertThat(FlowValidation.warnings(List.of(ChargesWithInterface.class))).singleElement().asString()
                .startsWith("NVENT-0421 step 'charge' of flow 'interface'")
                .contains(InvoiceRetries.class.getName() + " is abstract or an interface: checked in the container");
    }

    @Test
    void anEmbeddedEngineRefusesAnInterfaceAsDeciderUnlessItsBuilderGivesOne() {
        assertThatThrownBy(() -> EmbeddedEngine.newBuilder().step(new ChargesWithInterface()).build())
                .hasMessageContaining("NVENT-0599 step 'charge' of flow 'interface'");
        InvoiceRetries given = failed -> RetryDecision.retryAfter(failed.declaredDelay());
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new ChargesWithInterface())
                .retryDecider(given).build()) {
            assertThat(engine.flows().flows()).isNotEmpty();
        }
    }

    @Test
    void aDeciderAnyoneCanMakeIsNoWarning() {
        assertThat(FlowValidation.warnings(List.of(ChargesWithMade.class, ChargesWithBean.class,
                ChargesWithUnmade.class))).isEmpty();
    }

    @Test
    void aDeciderWithoutANoArgumentConstructorNorAScopeIsAProblemNamingTheStepAndTheClass() {
        assertThat(FlowValidation.problems(List.of(ChargesWithUnmade.class))).singleElement().isEqualTo(
                "NVENT-0599 step 'charge' of flow 'unmade' (" + ChargesWithUnmade.class.getName() + "): its"
                        + " retryDecider " + NeedsADelay.class.getName() + " is not a public class with a public"
                        + " no-argument constructor, with which an EmbeddedEngine makes one, and has no scope"
                        + " (@ApplicationScoped, or @Dependent for an instance per decision) that makes it a bean");
    }

    @Test
    void aDeciderClassThatIsNotPublicIsAProblemSayingSoRatherThanThatItLacksItsPublicConstructor() {
        assertThat(FlowValidation.problems(List.of(ChargesWithPackagePrivate.class))).singleElement().asString()
                .contains(SeenInItsPackage.class.getName() + " is not a public class with a public no-argument"
                        + " constructor, with which an EmbeddedEngine makes one, and has no scope");
        assertThatThrownBy(() -> EmbeddedEngine.newBuilder().step(new ChargesWithPackagePrivate()).build())
                .hasMessageContaining(SeenInItsPackage.class.getName() + " was not given to EmbeddedEngine.Builder"
                        + ".retryDecider(...) and is not a public class with a public no-argument constructor");
    }

    @Test
    void aDeciderAnEmbeddedEngineCanMakeOrThatIsABeanByItsScopeIsNoProblem() {
        assertThat(FlowValidation.problems(List.of(ChargesWithMade.class, ChargesWithBean.class))).isEmpty();
    }

    @Test
    void whatFlowValidationAcceptsWithoutAScopeAnEmbeddedEngineBuildsAndWhatItRefusesTheEngineRefusesToo() {
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new ChargesWithMade()).build()) {
            assertThat(engine.flows().flows()).isNotEmpty();
        }
        assertThatThrownBy(() -> EmbeddedEngine.newBuilder().step(new ChargesWithUnmade()).build())
                .hasMessageContaining("NVENT-0599");
    }
}
