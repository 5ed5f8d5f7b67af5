package io.nvent.cdi.internal.engine;

import io.nvent.RunEnded;
import io.nvent.RunStatus;
import io.nvent.StepFailed;
import io.nvent.spi.internal.ExitSafeLogger;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.spi.ObserverMethod;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The engine's hooks in a container: CDI events. Every hook reaches the {@code @Observes} observers of its type, on
 * the engine's thread; {@link RunEnded} and {@link StepFailed} reach their {@code @ObservesAsync} observers as well,
 * on the container's executor. Which observers there are is asked once, when the engine is built: a lifecycle event
 * no one observes is not even made ({@link #observes}).
 */
final class CdiHooks implements Consumer<Object> {

    private static final System.Logger LOG = ExitSafeLogger.of(FlowEngine.class);

    private final BeanManager beanManager;
    private final Set<Class<?>> observed = new HashSet<>();
    private final Set<Class<?>> observedAsync = new HashSet<>();

    CdiHooks(BeanManager beanManager) {
        this.beanManager = beanManager;
        Instant epoch = Instant.EPOCH;
        for (Object sample : List.of(
                new RunEnded("run", "flow", RunStatus.COMPLETED, Optional.empty(), epoch, epoch, Optional.empty(), Set.of()),
                new StepFailed("run", "flow", "step", 1, 1, "error", false, Optional.empty()))) {
            for (ObserverMethod<?> observer : beanManager.resolveObserverMethods(sample)) {
                observed.add(sample.getClass());
                if (observer.isAsync()) {
                    observedAsync.add(sample.getClass());
                }
            }
        }
    }

    /** Whether anyone observes {@code type}, one of the lifecycle events. */
    boolean observes(Class<?> type) {
        return observed.contains(type);
    }

    @Override
    public void accept(Object event) {
        beanManager.getEvent().fire(event);
        if (observedAsync.contains(event.getClass())) {
            beanManager.getEvent().fireAsync(event).exceptionally(failure -> {
                // Runs on after the event: its observers' failures are theirs to handle, and logged here.
                LOG.log(System.Logger.Level.WARNING, "NVENT-0432 an @ObservesAsync observer of "
                        + event.getClass().getSimpleName() + " failed for " + event + "; the run goes on as stored",
                        failure);
                return null;
            });
        }
    }
}
