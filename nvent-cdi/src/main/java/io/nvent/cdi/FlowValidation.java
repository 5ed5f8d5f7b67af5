package io.nvent.cdi;

import io.nvent.FlowStep;
import io.nvent.NventException;
import io.nvent.cdi.internal.engine.RetryDeciderInstances;
import io.nvent.cdi.internal.registry.FlowGraphValidator;
import io.nvent.cdi.internal.registry.StepClassChecks;
import io.nvent.cdi.internal.registry.StepDeclaration;
import java.lang.annotation.Annotation;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The checks a deployment makes of the {@link FlowStep} classes and of the flows they declare,
 * without a container and without instances of the steps: for a unit test that fails, with the
 * deployment's messages, when a change would fail the deployment (a subscription nobody emits, a
 * second entry step, an invalid trigger or await, a step the container cannot proxy, …).
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
 * the extension checks them at deployment and {@link EmbeddedEngine} when it is built, and each class
 * as the extension checks it: an interface or abstract class annotated {@code @FlowStep}
 * ({@code NVENT-0108}), an EJB session bean ({@code NVENT-0109}), a step annotation without
 * {@code @FlowStep} ({@code NVENT-0186}), a scope with no context on the worker threads
 * ({@code NVENT-0189}) and a normal-scoped class the container cannot proxy ({@code NVENT-0197}); and each
 * step's {@link FlowStep#retryDecider()} ({@code NVENT-0599}): a class with neither the public no-argument
 * constructor (in a public class) an {@link EmbeddedEngine} makes one with nor a scope or stereotype that makes it a
 * bean (an instance given to {@link EmbeddedEngine.Builder#retryDecider} is not seen). An abstract class or interface
 * is no problem but a {@linkplain #warnings warning}: only a container can tell whether a producer serves it, and it
 * checks that at deployment; an {@link EmbeddedEngine}, which has no producers, refuses it unless
 * {@link EmbeddedEngine.Builder#retryDecider} gives one.
 * The scope is the one the class's annotations give it (its scope annotation, else its stereotypes',
 * {@code @ApplicationScoped} for {@code @FlowStep}): what only the container knows is not seen, such
 * as a scope or a session bean that an extension or a deployment descriptor ({@code beans.xml},
 * {@code ejb-jar.xml}) declares, or a class vetoed or replaced by an alternative.
 *
 * @since 0.2
 */
public final class FlowValidation {

    private static final System.Logger LOG = System.getLogger(FlowValidation.class.getName());

    private FlowValidation() {
    }

    /**
     * Every problem of the classes and of the flows they declare, each message as a deployment
     * reports it (naming the class and the fix).
     *
     * @param stepClasses all the step classes of the flows to check: a subscription is checked
     *     against the emissions of these classes only
     * @return the problems; empty when the classes and their flows would deploy
     */
    public static List<String> problems(Collection<? extends Class<?>> stepClasses) {
        List<String> problems = new ArrayList<>();
        List<StepDeclaration> declarations = declarations(stepClasses, true, problems);
        problems.addAll(FlowGraphValidator.validate(declarations));
        problems.addAll(retryDeciderProblems(declarations));
        return problems;
    }

    /**
     * What the classes leave to the container to check, each message naming the step and the class: a step's
     * retry decider that is an abstract class or an interface ({@code NVENT-0421}), which a producer of the
     * application may serve in a container (checked at deployment, {@code NVENT-0599} if nothing does) and which an
     * {@link EmbeddedEngine} refuses unless {@link EmbeddedEngine.Builder#retryDecider} gives one.
     * {@link #validate} logs them; {@link #problems} does not count them.
     *
     * @param stepClasses all the step classes of the flows to check
     * @return the warnings; empty when the classes leave nothing to the container
     * @since 0.2
     */
    public static List<String> warnings(Collection<? extends Class<?>> stepClasses) {
        List<StepDeclaration> declarations = declarations(stepClasses, true, new ArrayList<>());
        return FlowGraphValidator.checkRetryDeciders(declarations, type -> !Modifier.isAbstract(type.getModifiers()),
                "NVENT-0421", "is abstract or an interface: checked in the container only, where a producer may serve"
                        + " it; an EmbeddedEngine takes one only from EmbeddedEngine.Builder.retryDecider(...)");
    }

    /**
     * The steps' retry deciders that neither an {@link EmbeddedEngine} nor a container can have by themselves: a
     * class with neither the public no-argument constructor (in a public class) the engine makes one with nor an
     * annotation that makes it a bean. An abstract one is a {@linkplain #warnings warning}.
     */
    private static List<String> retryDeciderProblems(List<StepDeclaration> declarations) {
        return FlowGraphValidator.checkRetryDeciders(declarations, type -> Modifier.isAbstract(
                type.getModifiers()) || RetryDeciderInstances.canMake(type) || StepClassChecks.mayBeABean(type),
                "is not a public class with a public no-argument constructor, with which an EmbeddedEngine makes one,"
                        + " and has no scope (@ApplicationScoped, or @Dependent for an instance per decision) that"
                        + " makes it a bean");
    }

    /**
     * Fails, listing every problem, when the classes or the flows they declare would not deploy.
     *
     * @param stepClasses all the step classes of the flows to check
     * @throws NventException {@code NVENT-0151} listing the {@linkplain #problems problems}, one a line; without
     *     problems, the {@linkplain #warnings warnings} are logged ({@code WARNING})
     */
    public static void validate(Collection<? extends Class<?>> stepClasses) {
        failOn(problems(stepClasses));
        warnings(stepClasses).forEach(warning -> LOG.log(System.Logger.Level.WARNING, warning));
    }

    /**
     * The declarations of valid flows' classes, for an engine to be built on: the classes of step
     * instances, which need no container, so only the flows are checked.
     */
    static List<StepDeclaration> validated(Collection<? extends Class<?>> stepClasses) {
        List<String> problems = new ArrayList<>();
        List<StepDeclaration> declarations = declarations(stepClasses, false, problems);
        problems.addAll(FlowGraphValidator.validate(declarations));
        failOn(problems);
        return declarations;
    }

    static void failOn(List<String> problems) {
        if (!problems.isEmpty()) {
            throw new NventException("NVENT-0151 the flows are invalid:\n  " + String.join("\n  ", problems));
        }
    }

    /**
     * The declarations of the classes that make steps, adding the problems of those that make none
     * ({@code NVENT-0186} or {@code NVENT-0150}); with {@code asBeans}, also those of the classes the
     * container would not run as steps' beans.
     */
    private static List<StepDeclaration> declarations(Collection<? extends Class<?>> stepClasses, boolean asBeans,
            List<String> problems) {
        List<StepDeclaration> declarations = new ArrayList<>();
        for (Class<?> stepClass : stepClasses) {
            List<Annotation> annotations = List.of(stepClass.getAnnotations());
            List<StepDeclaration> ofClass = StepDeclaration.allOf(stepClass);
            if (ofClass.isEmpty()) {
                problems.add(StepClassChecks.stepOnlyAnnotations(stepClass, annotations)
                        .orElse("NVENT-0150 " + stepClass.getName() + " is not annotated @FlowStep"));
                continue;
            }
            if (asBeans) {
                Optional<String> noStep = StepClassChecks.placement(stepClass, annotations);
                if (noStep.isPresent()) {
                    problems.add(noStep.get());   // the container makes no bean of it: no declaration
                    continue;
                }
                Class<? extends Annotation> scope = StepClassChecks.declaredScope(annotations);
                StepClassChecks.scope(stepClass, scope, StepClassChecks.isNormalScope(scope)).ifPresent(problems::add);
            }
            declarations.addAll(ofClass);
        }
        return declarations;
    }
}
