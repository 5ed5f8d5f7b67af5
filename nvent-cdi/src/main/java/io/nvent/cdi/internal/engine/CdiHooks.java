package io.nvent.cdi.internal.engine;

import io.nvent.RunEnded;
import io.nvent.RunStarted;
import io.nvent.RunStatus;
import io.nvent.StepFailed;
import io.nvent.spi.internal.ExitSafeLogger;
import io.nvent.spi.internal.TransactionHooks;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.spi.ObserverMethod;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import javax.naming.InitialContext;
import javax.naming.NamingException;

/**
 * The engine's hooks in a container: CDI events. Every hook reaches the {@code @Observes} observers of its type;
 * {@link RunStarted}, {@link RunEnded} and {@link StepFailed} reach their {@code @ObservesAsync} observers as well,
 * on the container's executor, and only once what they tell is committed: a store that joined the caller's JTA
 * transaction (an operator's cancel inside the application's transaction) wrote it in that transaction, which may
 * yet roll back. A store that takes no part in transactions (the memory store) wrote it for good: its events are
 * fired once the caller's transaction completed, whatever its outcome, as the change they tell of stays.
 * Which observers there are is asked once, when the engine is built: a lifecycle event no one observes is not even
 * made ({@link #observes}).
 */
final class CdiHooks implements Consumer<Object> {

    private static final System.Logger LOG = ExitSafeLogger.of(FlowEngine.class);
    private static final Set<Class<?>> LIFECYCLE = Set.of(RunStarted.class, RunEnded.class, StepFailed.class);

    private final BeanManager beanManager;
    private final TransactionHooks transactions;
    private final boolean storeJoinsTransaction;
    private final Set<Class<?>> observed = new HashSet<>();
    private final Set<Class<?>> observedAsync = new HashSet<>();

    /**
     * @param storeJoinsTransaction whether the engine's store writes inside the caller's transaction
     *     ({@link io.nvent.spi.FlowStore#joinsCallerTransaction()})
     */
    CdiHooks(BeanManager beanManager, boolean storeJoinsTransaction) {
        this(beanManager, TransactionHooks.of(containerRegistry()), storeJoinsTransaction);
    }

    CdiHooks(BeanManager beanManager, TransactionHooks transactions, boolean storeJoinsTransaction) {
        this.beanManager = beanManager;
        this.transactions = transactions;
        this.storeJoinsTransaction = storeJoinsTransaction;
        Instant epoch = Instant.EPOCH;
        for (Object sample : List.of(
                new RunStarted("run", "flow", epoch, Optional.empty(), Optional.empty(), Set.of(), Optional.empty(),
                        Optional.empty(), Optional.empty()),
                new RunEnded("run", "flow", RunStatus.COMPLETED, Optional.empty(), epoch, epoch, Optional.empty(),
                        Set.of()),
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
        if (!LIFECYCLE.contains(event.getClass())) {
            beanManager.getEvent().fire(event);
            return;
        }
        transactions.afterCompletion(committed -> {
            if (committed || !storeJoinsTransaction) {
                fireCommitted(event);
            }
        });
    }

    /**
     * Fires a lifecycle event whose change stays (committed, or stored outside the transaction); run after the
     * transaction completed, it must throw nothing.
     */
    private void fireCommitted(Object event) {
        try {
            beanManager.getEvent().fire(event);
        } catch (RuntimeException | Error e) {
            RunLifecycleHooks.observerFailed(event, e);
        }
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

    /** The container's transaction registry, if there is one. */
    private static Optional<TransactionSynchronizationRegistry> containerRegistry() {
        try {
            return Optional.of((TransactionSynchronizationRegistry) new InitialContext()
                    .lookup("java:comp/TransactionSynchronizationRegistry"));
        } catch (NamingException | RuntimeException | LinkageError noContainer) {
            return Optional.empty();
        }
    }
}
