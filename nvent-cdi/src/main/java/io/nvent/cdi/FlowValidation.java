package io.nvent.cdi;

import io.nvent.FlowStep;
import io.nvent.NventException;
import io.nvent.cdi.internal.registry.FlowGraphValidator;
import io.nvent.cdi.internal.registry.StepDeclaration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The checks a deployment makes of the flows that {@link FlowStep} classes declare, without a
 * container and without instances of the steps: for a unit test that fails, with the deployment's
 * messages, when a change would fail the deployment (a subscription nobody emits, a second entry
 * step, an invalid trigger or await, …).
 *
 * <pre>{@code
 * @Test
 * void theFlowsDeploy() {
 *     FlowValidation.validate(List.of(ValidateOrder.class, ChargeCard.class, ShipOrder.class));
 * }
 * }</pre>
 *
 * Checked are the step classes' annotations ({@link FlowStep}, {@link io.nvent.Trigger},
 * {@link io.nvent.AwaitBefore}, {@link io.nvent.AwaitAfter}) and the flows they make together, as
 * the extension checks them at deployment and {@link EmbeddedEngine} when it is built; not what only
 * the container knows, such as a step's CDI scope.
 *
 * @since 0.2
 */
public final class FlowValidation {

    private FlowValidation() {
    }

    /**
     * Every problem of the flows the classes declare, each message as a deployment reports it
     * (naming the class and the fix).
     *
     * @param stepClasses all the step classes of the flows to check: a subscription is checked
     *     against the emissions of these classes only
     * @return the problems; empty when the flows would deploy
     */
    public static List<String> problems(Collection<? extends Class<?>> stepClasses) {
        List<String> problems = new ArrayList<>();
        problems.addAll(FlowGraphValidator.validate(declarations(stepClasses, problems)));
        return problems;
    }

    /**
     * Fails, listing every problem, when the flows the classes declare would not deploy.
     *
     * @param stepClasses all the step classes of the flows to check
     * @throws NventException {@code NVENT-0151} listing the {@linkplain #problems problems}, one a line
     */
    public static void validate(Collection<? extends Class<?>> stepClasses) {
        validated(stepClasses);
    }

    /** The declarations of valid flows' classes, for an engine to be built on. */
    static List<StepDeclaration> validated(Collection<? extends Class<?>> stepClasses) {
        List<String> problems = new ArrayList<>();
        List<StepDeclaration> declarations = declarations(stepClasses, problems);
        problems.addAll(FlowGraphValidator.validate(declarations));
        if (!problems.isEmpty()) {
            throw new NventException("NVENT-0151 the flows are invalid:\n  " + String.join("\n  ", problems));
        }
        return declarations;
    }

    private static List<StepDeclaration> declarations(Collection<? extends Class<?>> stepClasses, List<String> problems) {
        List<StepDeclaration> declarations = new ArrayList<>();
        for (Class<?> stepClass : stepClasses) {
            List<StepDeclaration> ofClass = StepDeclaration.allOf(stepClass);
            if (ofClass.isEmpty()) {
                problems.add("NVENT-0150 " + stepClass.getName() + " is not annotated @FlowStep");
            }
            declarations.addAll(ofClass);
        }
        return declarations;
    }
}
