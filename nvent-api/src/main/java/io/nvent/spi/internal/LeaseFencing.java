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
 * {@code deleteStateHolding}, since 0.2) and of the release of a lease only while it is an attempt's
 * ({@code releaseLease(StepLease)}, since 0.2) a store class leaves to the interface's defaults. A default
 * checks the lease and writes (or gives it up) after, not in one transaction: a step execution whose lease
 * another instance takes over in between still writes, and an ended attempt gives up the lease its retry took
 * on the same instance in between. The engine says so at start for a store of one's own, and the built-in
 * stores' tests check that they leave none.
 *
 * @since 0.2
 */
public final class LeaseFencing {

    /** The lease-conditioned writes, by name. */
    private static final List<Method> HOLDING_WRITES = Arrays.stream(SchedulingStore.class.getMethods())
            .filter(Method::isDefault).filter(method -> !Modifier.isStatic(method.getModifiers()))
            .filter(method -> method.getName().endsWith("Holding") || isAttemptRelease(method))
            .sorted(Comparator.comparing(LeaseFencing::nameOf)).toList();

    private LeaseFencing() {
    }

    /**
     * The lease-conditioned writes that {@code store} does not implement itself (nor a superclass of it).
     *
     * @param store the class of a scheduling store, not a proxy of one (a proxy class implements
     *     every method of its interfaces itself)
     * @return the names of the writes left to the defaults, by name ({@code releaseLease(StepLease)} with its
     *     parameter); empty if the store fences them all
     */
    public static List<String> unfencedWrites(Class<? extends SchedulingStore> store) {
        return HOLDING_WRITES.stream().filter(write -> declaringClass(store, write) == SchedulingStore.class)
                .map(LeaseFencing::nameOf).toList();
    }

    /** {@code releaseLease(StepLease)}, apart from the release by owner that every store implements. */
    private static boolean isAttemptRelease(Method method) {
        return method.getName().equals("releaseLease") && method.getParameterCount() == 1;
    }

    /** A write's name as the warning gives it: the release by attempt with its parameter, to tell it apart. */
    private static String nameOf(Method write) {
        return isAttemptRelease(write) ? "releaseLease(StepLease)" : write.getName();
    }

    private static Class<?> declaringClass(Class<?> store, Method write) {
        try {
            return store.getMethod(write.getName(), write.getParameterTypes()).getDeclaringClass();
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(store.getName() + " lacks a method of SchedulingStore: " + write, e);
        }
    }
}
