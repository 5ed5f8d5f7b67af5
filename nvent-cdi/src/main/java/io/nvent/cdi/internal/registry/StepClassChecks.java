package io.nvent.cdi.internal.registry;

import io.nvent.AwaitAfter;
import io.nvent.AwaitBefore;
import io.nvent.Trigger;
import io.nvent.Triggers;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.context.NormalScope;
import jakarta.enterprise.context.RequestScoped;
import jakarta.enterprise.inject.Stereotype;
import jakarta.inject.Scope;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The checks of one class that carries a step's annotations, apart from the flows it makes with
 * others ({@link FlowGraphValidator}): whether the container makes a step of it that runs. The
 * extension makes them with what the container resolved, {@link io.nvent.cdi.FlowValidation} with
 * what the class's annotations say, so that both report the same messages. Each names the class and
 * the fix.
 */
public final class StepClassChecks {

    /**
     * The annotations that mean something only beside {@link io.nvent.FlowStep}: a class carrying
     * one without it is a step someone forgot to declare, which would otherwise deploy without a word.
     */
    private static final List<Class<? extends Annotation>> STEP_ONLY = List.of(Trigger.class, Triggers.class,
            AwaitBefore.class, AwaitAfter.class);

    /**
     * The scopes a step's bean can be obtained in on a worker thread: the engine activates a request
     * context for each execution, and the application context is always active. A session or
     * conversation scope (or a custom one) has no active context there, so such a step would deploy
     * and then fail every execution (WELD-001303).
     */
    private static final Set<Class<? extends Annotation>> STEP_SCOPES = Set.of(ApplicationScoped.class,
            RequestScoped.class, Dependent.class, jakarta.inject.Singleton.class);

    private StepClassChecks() {
    }

    /**
     * Why a class annotated {@code @FlowStep} makes no step: {@code NVENT-0108} for an interface or
     * an abstract class, {@code NVENT-0109} for an EJB session bean.
     *
     * @param annotations the class's annotations, as the container sees them
     */
    public static Optional<String> placement(Class<?> javaClass, Collection<? extends Annotation> annotations) {
        if (javaClass.isInterface() || Modifier.isAbstract(javaClass.getModifiers())) {
            return Optional.of("NVENT-0108 " + javaClass.getName() + " is " + (javaClass.isInterface() ? "an interface"
                    : "an abstract class") + " annotated @FlowStep, which makes no step (the annotation is not "
                    + "inherited); annotate the concrete class that implements io.nvent.Step");
        }
        return isSessionBean(annotations) ? Optional.of(sessionBeanProblem(javaClass)) : Optional.empty();
    }

    /** Whether the annotations make an EJB session bean (read by name: the EJB API may be missing). */
    public static boolean isSessionBean(Collection<? extends Annotation> annotations) {
        return annotations.stream().map(a -> a.annotationType().getName())
                .anyMatch(name -> name.equals("jakarta.ejb.Stateless") || name.equals("jakarta.ejb.Stateful")
                        || name.equals("jakarta.ejb.Singleton"));
    }

    /** {@code NVENT-0109}: the class is an EJB session bean annotated {@code @FlowStep}. */
    public static String sessionBeanProblem(Class<?> javaClass) {
        return "NVENT-0109 " + javaClass.getName() + " is an EJB session bean annotated @FlowStep; the engine runs "
                + "steps as CDI beans: remove @Stateless/@Singleton/@Stateful, and put @Transactional on the step "
                + "for a transaction";
    }

    /**
     * {@code NVENT-0186}: a class not annotated {@code @FlowStep} carries one of the {@link #STEP_ONLY}
     * annotations, which then do nothing.
     *
     * @param annotations the class's annotations, as the container sees them
     */
    public static Optional<String> stepOnlyAnnotations(Class<?> javaClass, Collection<? extends Annotation> annotations) {
        List<String> found = STEP_ONLY.stream()
                .filter(type -> annotations.stream().anyMatch(a -> a.annotationType() == type))
                .map(a -> "@" + (a == Triggers.class ? Trigger.class : a).getSimpleName()).distinct().toList();
        if (found.isEmpty()) {
            return Optional.empty();
        }
        String named = String.join(" and ", found);
        return Optional.of("NVENT-0186 " + javaClass.getName() + " is annotated " + named + " but not @FlowStep, so "
                + (found.size() == 1 ? "it does" : "they do") + " nothing: add @FlowStep(flow = ..., name = ...) or "
                + "remove " + named + (javaClass.isInterface() || Modifier.isAbstract(javaClass.getModifiers())
                ? " (annotations are not inherited: a step's belong on its concrete class)" : ""));
    }

    /**
     * Why a step's bean of the scope cannot run: {@code NVENT-0189} for a scope with no active
     * context on the worker threads, {@code NVENT-0197} for a normal scope the class cannot be
     * proxied for.
     */
    public static Optional<String> scope(Class<?> javaClass, Class<? extends Annotation> scope, boolean normalScope) {
        if (!STEP_SCOPES.contains(scope)) {
            return Optional.of("NVENT-0189 " + javaClass.getName() + " is a @FlowStep of scope @" + scope.getSimpleName()
                    + ", which has no active context on the worker threads that run steps, so every execution "
                    + "would fail; make it @ApplicationScoped (the default: one instance for all executions), "
                    + "@RequestScoped (one per execution) or @Dependent (one made and destroyed per execution)");
        }
        if (!normalScope) {
            return Optional.empty();
        }
        return unproxyable(javaClass).map(why -> "NVENT-0197 " + javaClass.getName()
                + " is a @FlowStep of scope @" + scope.getSimpleName() + ", which the container reaches "
                + "through a proxy, but " + why.reason() + ", so it cannot be proxied and every execution would "
                + "fail (WELD-001437): " + why.fix() + ", or make the step @Dependent, which needs no proxy");
    }

    /**
     * The scope a container gives a class from its annotations alone: the scope annotation on it, else
     * the one its stereotypes declare ({@code @FlowStep}'s is {@code @ApplicationScoped}), else
     * {@code @Dependent}. Not what a container knows besides: a scope an extension or {@code beans.xml}
     * gives it.
     */
    public static Class<? extends Annotation> declaredScope(Collection<? extends Annotation> annotations) {
        for (Annotation annotation : annotations) {
            if (isScope(annotation.annotationType())) {
                return annotation.annotationType();
            }
        }
        for (Annotation annotation : annotations) {
            if (annotation.annotationType().isAnnotationPresent(Stereotype.class)) {
                Class<? extends Annotation> ofStereotype = declaredScope(
                        List.of(annotation.annotationType().getAnnotations()));
                if (ofStereotype != Dependent.class) {
                    return ofStereotype;
                }
            }
        }
        return Dependent.class;
    }

    /**
     * Whether the class carries an annotation that may make it a bean in any discovery mode: a scope (a
     * pseudo-scope too, as {@code beans.xml} may discover every class) or a stereotype.
     */
    public static boolean mayBeABean(Class<?> javaClass) {
        return Arrays.stream(javaClass.getAnnotations()).map(Annotation::annotationType)
                .anyMatch(type -> isScope(type) || type.isAnnotationPresent(Stereotype.class));
    }

    /** Whether the scope is a normal scope, whose beans the container reaches through a proxy. */
    public static boolean isNormalScope(Class<? extends Annotation> scope) {
        return scope.isAnnotationPresent(NormalScope.class);
    }

    private static boolean isScope(Class<? extends Annotation> type) {
        return type.isAnnotationPresent(NormalScope.class) || type.isAnnotationPresent(Scope.class);
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
}
