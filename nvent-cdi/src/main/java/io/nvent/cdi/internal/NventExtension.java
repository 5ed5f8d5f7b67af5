package io.nvent.cdi.internal;

import io.nvent.AwaitAfter;
import io.nvent.AwaitBefore;
import io.nvent.FlowStep;
import io.nvent.FlowSteps;
import io.nvent.Trigger;
import io.nvent.Triggers;
import io.nvent.cdi.internal.registry.FlowGraphValidator;
import io.nvent.cdi.internal.registry.StepClassChecks;
import io.nvent.cdi.internal.registry.StepDeclaration;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.AmbiguousResolutionException;
import jakarta.enterprise.inject.spi.AfterBeanDiscovery;
import jakarta.enterprise.inject.spi.AfterDeploymentValidation;
import jakarta.enterprise.inject.spi.Annotated;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.spi.DefinitionException;
import jakarta.enterprise.inject.spi.DeploymentException;
import jakarta.enterprise.inject.spi.Extension;
import jakarta.enterprise.inject.spi.ProcessAnnotatedType;
import jakarta.enterprise.inject.spi.ProcessManagedBean;
import jakarta.enterprise.inject.spi.ProcessSessionBean;
import jakarta.enterprise.inject.spi.WithAnnotations;
import java.lang.annotation.Annotation;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Collects every {@link FlowStep} bean while the container discovers beans and fails the
 * deployment when the declared flows are inconsistent, or when a class carries a step's annotation
 * ({@link Trigger}, {@link AwaitBefore}, {@link AwaitAfter}) without being a step. It holds no engine
 * state: the engine ({@link io.nvent.cdi.internal.engine.FlowEngine}) reads the declarations when it
 * starts.
 */
public class NventExtension implements Extension {

    private static final System.Logger LOG = System.getLogger(NventExtension.class.getName());

    private final List<StepDeclaration> declarations = new ArrayList<>();
    /** Steps declared where the container makes no step of them. */
    private final List<String> misplaced = new ArrayList<>();

    // A class annotated @FlowStep more than once carries only the container, @FlowSteps.
    void checkPlacement(@Observes @WithAnnotations({FlowStep.class, FlowSteps.class}) ProcessAnnotatedType<?> type) {
        if (flowSteps(type.getAnnotatedType()).isEmpty()) {
            return;
        }
        Set<Annotation> annotations = type.getAnnotatedType().getAnnotations();
        StepClassChecks.placement(type.getAnnotatedType().getJavaClass(), annotations).ifPresent(problem -> {
            misplaced.add(problem);
            if (StepClassChecks.isSessionBean(annotations)) {
                // Vetoed, or the container rejects the stereotype's scope on a stateless bean first, with
                // a message that does not say what to do instead.
                type.veto();
            }
        });
    }

    // The step-only annotations are stereotypes, so that such a class is discovered in annotated mode as well.
    void checkStepOnlyAnnotations(@Observes @WithAnnotations({Trigger.class, Triggers.class, AwaitBefore.class,
            AwaitAfter.class}) ProcessAnnotatedType<?> type) {
        if (flowSteps(type.getAnnotatedType()).isEmpty()) {
            // Nothing when they are on a member or parameter only, where they are not read at all.
            StepClassChecks.stepOnlyAnnotations(type.getAnnotatedType().getJavaClass(),
                    type.getAnnotatedType().getAnnotations()).ifPresent(misplaced::add);
        }
    }

    /**
     * The {@link FlowStep} annotations of a type, one or repeated (in their {@link FlowSteps}
     * container), in their order; read from the annotated type, so that an extension's changes count.
     */
    static List<FlowStep> flowSteps(Annotated type) {
        List<FlowStep> steps = new ArrayList<>();
        FlowStep single = type.getAnnotation(FlowStep.class);
        if (single != null) {
            steps.add(single);
        }
        FlowSteps repeated = type.getAnnotation(FlowSteps.class);
        if (repeated != null) {
            steps.addAll(List.of(repeated.value()));
        }
        return steps;
    }

    void collect(@Observes ProcessManagedBean<?> bean, BeanManager beanManager) {
        List<FlowStep> steps = flowSteps(bean.getAnnotatedBeanClass());
        if (steps.isEmpty()) {
            return;
        }
        if (bean instanceof ProcessSessionBean<?>) {
            // A session bean that the annotation check above did not see (e.g. declared in ejb-jar.xml).
            misplaced.add(StepClassChecks.sessionBeanProblem(bean.getAnnotatedBeanClass().getJavaClass()));
            return;
        }
        Class<? extends Annotation> scope = bean.getBean().getScope();
        StepClassChecks.scope(bean.getAnnotatedBeanClass().getJavaClass(), scope, beanManager.isNormalScope(scope))
                .ifPresent(misplaced::add);
        declarations.addAll(StepDeclaration.of(bean.getAnnotatedBeanClass().getJavaClass(), steps));
    }

    void validate(@Observes AfterBeanDiscovery event) {
        List<String> problems = new ArrayList<>(misplaced);
        problems.addAll(FlowGraphValidator.validate(declarations));
        if (problems.size() == 1) {
            event.addDefinitionError(new DefinitionException(problems.get(0)));
        } else if (problems.size() > 1) {
            // One error listing all: servers print each definition error with its stack trace, several times.
            event.addDefinitionError(new DefinitionException(problems.size() + " problems in the declared flows:\n- "
                    + String.join("\n- ", problems)));
        }
        if (problems.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "NVENT-0100 found {0} flow steps", declarations.size());
        }
    }

    /**
     * Fails the deployment for a step whose retry decider the engine could not look up: checked once every
     * bean is known (producers and beans added by extensions too), as the engine resolves it for each decision.
     */
    void checkRetryDeciders(@Observes AfterDeploymentValidation event, BeanManager beanManager) {
        List<String> problems = FlowGraphValidator.checkRetryDeciders(declarations,
                type -> resolvesOne(beanManager, type), "is not a CDI bean (one, with the default qualifier); give"
                        + " it a scope (@ApplicationScoped, or @Dependent for an instance per decision) or a producer");
        if (!problems.isEmpty()) {
            event.addDeploymentProblem(new DeploymentException(String.join("\n", problems)));
        }
    }

    private static boolean resolvesOne(BeanManager beanManager, Class<?> type) {
        try {
            return beanManager.resolve(beanManager.getBeans(type)) != null;
        } catch (AmbiguousResolutionException ambiguous) {
            return false;
        }
    }

    /** The declarations collected during discovery. */
    public List<StepDeclaration> declarations() {
        return List.copyOf(declarations);
    }
}
