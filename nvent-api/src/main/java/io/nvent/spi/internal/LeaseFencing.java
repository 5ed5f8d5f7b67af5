package io.nvent.spi.internal;

import io.nvent.spi.SchedulingStore;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Which of the writes a {@link SchedulingStore} makes only while a step's lease is held
 * ({@code finishStepHolding}, {@code appendEventsHolding}, {@code putStateHolding},
 * {@code deleteStateHolding}, since 0.2) a store class leaves to the interface's defaults. A default
 * checks the lease and writes after, not in one transaction: a step execution whose lease another
 * instance takes over in between still writes. The engine says so at start for a store of one's own,
 * and the built-in stores' tests check that they leave none.
 *
 * @since 0.2
 */
public final class LeaseFencing {

    /** The lease-conditioned writes, by name. */
    private static final List<Method> HOLDING_WRITES = Arrays.stream(SchedulingStore.class.getMethods())
            .filter(Method::isDefault).filter(method -> !Modifier.isStatic(method.getModifiers()))
            .filter(method -> method.getName().endsWith("Holding"))
            .sorted(Comparator.comparing(Method::getName)).toList();

    private LeaseFencing() {
    }

    /**
     * The lease-conditioned writes that {@code store} does not implement itself (nor a superclass of it).
     *
     * @param store the class of a scheduling store, not a proxy of one (a proxy class implements
     *     every method of its interfaces itself)
     * @return the names of the writes left to the defaults, by name; empty if the store fences them all
     */
    public static List<String> unfencedWrites(Class<? extends SchedulingStore> store) {
        return HOLDING_WRITES.stream().filter(write -> declaringClass(store, write) == SchedulingStore.class)
                .map(Method::getName).toList();
    }

    private static Class<?> declaringClass(Class<?> store, Method write) {
        try {
            return store.getMethod(write.getName(), write.getParameterTypes()).getDeclaringClass();
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(store.getName() + " lacks a method of SchedulingStore: " + write, e);
        }
    }
}
