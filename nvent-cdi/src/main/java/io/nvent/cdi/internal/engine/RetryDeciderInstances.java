package io.nvent.cdi.internal.engine;

import io.nvent.RetryDecider;
import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the engine gets the instance of a step's {@link RetryDecider} for one decision: the CDI bean in a
 * container, an instance given (or made once) outside one. What it hands out is released after that
 * decision, so that a {@code @Dependent} bean lives for one decision only.
 */
@FunctionalInterface
public interface RetryDeciderInstances {

    /**
     * An instance of the decider class for one decision.
     *
     * @throws RuntimeException if none can be had; the engine retries with the declared backoff
     */
    Held obtain(Class<? extends RetryDecider> type);

    /** A decider for one decision, and what releases it after that decision. */
    record Held(RetryDecider decider, Runnable release) {
    }

    /**
     * The deciders given, by class, and for any other class one instance made with its public no-argument
     * constructor when first needed, then shared: outside a container, where nothing manages their lives.
     */
    static RetryDeciderInstances givenOrMade(Map<Class<?>, RetryDecider> given) {
        Map<Class<?>, RetryDecider> made = new ConcurrentHashMap<>(given);
        return type -> new Held(made.computeIfAbsent(type, RetryDeciderInstances::make), () -> { });
    }

    /**
     * The given deciders that are instances of {@code type} and of a class nearest it: the one whose class every
     * other's extends (the declared class's own instance before its subclass's); all of them when no one is
     * nearest (two of sibling classes, or of one class); none when no instance is of {@code type}. An instance of
     * another declared class that extends {@code type} is that class's, not {@code type}'s: given for one step's
     * decider, it does not decide for another step's whose class it extends as well.
     */
    static List<RetryDecider> nearest(Class<?> type, Collection<RetryDecider> given, Collection<Class<?>> declared) {
        List<Class<?>> declaredBelow = declared.stream()
                .filter(other -> other != type && type.isAssignableFrom(other)).toList();
        List<RetryDecider> matching = given.stream().filter(type::isInstance)
                .filter(decider -> declaredBelow.stream().noneMatch(other -> other.isInstance(decider))).toList();
        List<RetryDecider> nearest = matching.stream().filter(decider -> matching.stream()
                .allMatch(other -> decider.getClass().isAssignableFrom(other.getClass()))).toList();
        return nearest.size() == 1 ? nearest : matching;
    }

    /** Whether {@link #givenOrMade} can have an instance of {@code type} without one given. */
    static boolean canMake(Class<?> type) {
        return noArgConstructor(type).isPresent();
    }

    private static RetryDecider make(Class<?> type) {
        try {
            return (RetryDecider) noArgConstructor(type).orElseThrow(() -> new IllegalStateException(type.getName()
                    + " has no public no-argument constructor, and no instance of it was given")).newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("could not make a " + type.getName() + ": " + e, e);
        }
    }

    private static Optional<Constructor<?>> noArgConstructor(Class<?> type) {
        if (Modifier.isAbstract(type.getModifiers()) || !Modifier.isPublic(type.getModifiers())) {
            return Optional.empty();
        }
        try {
            return Optional.of(type.getConstructor());
        } catch (NoSuchMethodException none) {
            return Optional.empty();
        }
    }
}
