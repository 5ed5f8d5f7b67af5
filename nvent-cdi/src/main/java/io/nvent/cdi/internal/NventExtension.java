package io.nvent.cdi.internal;

import io.nvent.AwaitAfter;
import io.nvent.AwaitBefore;
import io.nvent.FlowStep;
import io.nvent.FlowSteps;
import io.nvent.Trigger;
import io.nvent.Triggers;
import io.nvent.cdi.internal.registry.FlowGraphValidator;
import io.nvent.cdi.internal.registry.StepDeclaration;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.context.RequestScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.AfterBeanDiscovery;
import jakarta.enterprise.inject.spi.Annotated;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.spi.DefinitionException;
import jakarta.enterprise.inject.spi.Extension;
import jakarta.enterprise.inject.spi.ProcessAnnotatedType;
import jakarta.enterprise.inject.spi.ProcessManagedBean;
import jakarta.enterprise.inject.spi.ProcessSessionBean;
import jakarta.enterprise.inject.spi.WithAnnotations;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
        Class<?> javaClass = type.getAnnotatedType().getJavaClass();
        if (flowSteps(type.getAnnotatedType()).isEmpty()) {
            return;
        }
        if (javaClass.isInterface() || Modifier.isAbstract(javaClass.getModifiers())) {
            misplaced.add("NVENT-0108 " + javaClass.getName() + " is " + (javaClass.isInterface() ? "an interface"
                    : "an abstract class") + " annotated @FlowStep, which makes no step (the annotation is not "
                    + "inherited); annotate the concrete class that implements io.nvent.Step");
        } else if (isSessionBean(type.getAnnotatedType())) {
            misplaced.add(sessionBeanProblem(javaClass));
            // Vetoed, or the container rejects the stereotype's scope on a stateless bean first, with
            // a message that does not say what to do instead.
            type.veto();
        }
    }

    /**
     * The annotations that mean something only beside {@link FlowStep}: a class carrying one without
     * it is a step someone forgot to declare, which would otherwise deploy without a word. They are
     * stereotypes, so that such a class is discovered in {@code annotated} mode as well.
     */
    private static final List<Class<? extends Annotation>> STEP_ONLY = List.of(Trigger.class, Triggers.class,
            AwaitBefore.class, AwaitAfter.class);

    void checkStepOnlyAnnotations(@Observes @WithAnnotations({Trigger.class, Triggers.class, AwaitBefore.class,
            AwaitAfter.class}) ProcessAnnotatedType<?> type) {
        if (!flowSteps(type.getAnnotatedType()).isEmpty()) {
            return;
        }
        List<String> found = STEP_ONLY.stream().filter(type.getAnnotatedType()::isAnnotationPresent)
                .map(a -> "@" + (a == Triggers.class ? Trigger.class : a).getSimpleName()).distinct().toList();
        if (found.isEmpty()) {
            return;   // on a member or parameter only, where they are not read at all
        }
        Class<?> javaClass = type.getAnnotatedType().getJavaClass();
        String annotations = String.join(" and ", found);
        misplaced.add("NVENT-0186 " + javaClass.getName() + " is annotated " + annotations + " but not @FlowStep, so "
                + (found.size() == 1 ? "it does" : "they do") + " nothing: add @FlowStep(flow = ..., name = ...) or "
                + "remove " + annotations + (javaClass.isInterface() || Modifier.isAbstract(javaClass.getModifiers())
                ? " (annotations are not inherited: a step's belong on its concrete class)" : ""));
    }

    private static boolean isSessionBean(jakarta.enterprise.inject.spi.AnnotatedType<?> type) {
        return type.getAnnotations().stream().map(a -> a.annotationType().getName())
                .anyMatch(name -> name.equals("jakarta.ejb.Stateless") || name.equals("jakarta.ejb.Stateful")
                        || name.equals("jakarta.ejb.Singleton"));
    }

    private static String sessionBeanProblem(Class<?> javaClass) {
        return "NVENT-0109 " + javaClass.getName() + " is an EJB session bean annotated @FlowStep; the engine runs "
                + "steps as CDI beans: remove @Stateless/@Singleton/@Stateful, and put @Transactional on the step "
                + "for a transaction";
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
            misplaced.add(sessionBeanProblem(bean.getAnnotatedBeanClass().getJavaClass()));
            return;
        }
        checkScope(bean.getAnnotatedBeanClass().getJavaClass(), bean.getBean().getScope(), beanManager);
        declarations.addAll(StepDeclaration.of(bean.getAnnotatedBeanClass().getJavaClass(), steps));
    }

    /**
     * The scopes a step's bean can be obtained in on a worker thread: the engine activates a request
     * context for each execution, and the application context is always active. A session or
     * conversation scope (or a custom one) has no active context there, so such a step would deploy
     * and then fail every execution (WELD-001303).
     */
    private static final Set<Class<? extends Annotation>> STEP_SCOPES = Set.of(ApplicationScoped.class,
            RequestScoped.class, Dependent.class, jakarta.inject.Singleton.class);

    private void checkScope(Class<?> javaClass, Class<? extends Annotation> scope, BeanManager beanManager) {
        if (!STEP_SCOPES.contains(scope)) {
            misplaced.add("NVENT-0189 " + javaClass.getName() + " is a @FlowStep of scope @" + scope.getSimpleName()
                    + ", which has no active context on the worker threads that run steps, so every execution "
                    + "would fail; make it @ApplicationScoped (the default: one instance for all executions), "
                    + "@RequestScoped (one per execution) or @Dependent (one made and destroyed per execution)");
        } else if (beanManager.isNormalScope(scope)) {
            unproxyable(javaClass).ifPresent(why -> misplaced.add("NVENT-0197 " + javaClass.getName()
                    + " is a @FlowStep of scope @" + scope.getSimpleName() + ", which the container reaches "
                    + "through a proxy, but " + why.reason() + ", so it cannot be proxied and every execution would "
                    + "fail (WELD-001437): " + why.fix() + ", or make the step @Dependent, which needs no proxy"));
        }
    }

    /** Why the container cannot subclass a normal-scoped bean class for its proxy, and the fix, if it cannot. */
    private record Unproxyable(String reason, String fix) {
    }

    private static Optional<Unproxyable> unproxyable(Class<?> javaClass) {
        if (Modifier.isFinal(javaClass.getModifiers())) {
            return Optional.of(new Unproxyable("the class is final", "remove final from it"));
        }
        try {
            if (Modifier.isPrivate(javaClass.getDeclaredConstructor().getModifiers())) {
                return Optional.of(new Unproxyable("its constructor without parameters is private",
                        "make that constructor package-private, protected or public"));
            }
        } catch (NoSuchMethodException e) {
            return Optional.of(new Unproxyable("it has no constructor without parameters",
                    "add one that is not private (beside an @Inject constructor, if it has one)"));
        }
        for (Class<?> type = javaClass; type != null && type != Object.class; type = type.getSuperclass()) {
            for (Method method : type.getDeclaredMethods()) {
                int modifiers = method.getModifiers();
                if (Modifier.isFinal(modifiers) && !Modifier.isStatic(modifiers) && !Modifier.isPrivate(modifiers)
                        && !method.isSynthetic()) {
                    return Optional.of(new Unproxyable("its method " + method.getName() + " (declared in "
                            + type.getName() + ") is final", "remove final from that method"));
                }
            }
        }
        return Optional.empty();
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

    /** The declarations collected during discovery. */
    public List<StepDeclaration> declarations() {
        return List.copyOf(declarations);
    }
}
