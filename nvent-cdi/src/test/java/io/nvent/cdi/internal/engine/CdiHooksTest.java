package io.nvent.cdi.internal.engine;

import io.nvent.RunEnded;
import io.nvent.RunStarted;
import io.nvent.RunStatus;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.spi.internal.TransactionHooks;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jboss.weld.environment.se.WeldContainer;
import org.jboss.weld.junit5.WeldInitiator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A start or an end stored in the caller's JTA transaction (a store that joined it) reaches the observers once the
 * transaction committed, and never if it rolled back; one the memory store kept outside the transaction reaches them
 * once it completed, whatever its outcome.
 */
class CdiHooksTest {

    /** Notes the starts and ends it observes. */
    @ApplicationScoped
    public static class Ends {
        private final List<Object> observed = new CopyOnWriteArrayList<>();

        void ended(@Observes RunEnded end) {
            observed.add(end);
        }

        void started(@Observes RunStarted start) {
            observed.add(start);
        }

        List<Object> observed() {
            return observed;
        }
    }

    /** A transaction the test completes: what waits for its outcome runs then. */
    static final class OpenTransaction implements TransactionHooks {
        private final List<Consumer<Boolean>> waiting = new ArrayList<>();

        @Override
        public boolean inTransaction() {
            return true;
        }

        @Override
        public void afterCompletion(Consumer<Boolean> committed) {
            waiting.add(committed);
        }

        void complete(boolean committed) {
            waiting.forEach(outcome -> outcome.accept(committed));
            waiting.clear();
        }
    }

    private static final RunEnded END = new RunEnded("run-1", "invoice", RunStatus.CANCELED, Optional.empty(),
            Instant.EPOCH, Instant.EPOCH, Optional.empty(), Set.of());
    private static final RunStarted START = new RunStarted("run-2", "invoice", Instant.EPOCH, Optional.empty(),
            Optional.empty(), Set.of(), Optional.empty(), Optional.empty(), Optional.empty());

    @Test
    void anEndStoredInATransactionIsObservedOnceItCommittedAndNeverIfItRolledBack() {
        try (WeldContainer container = WeldInitiator.createWeld().disableDiscovery().addBeanClasses(Ends.class)
                .initialize()) {
            OpenTransaction transaction = new OpenTransaction();
            CdiHooks hooks = new CdiHooks(container.getBeanManager(), transaction, true);
            Ends ends = container.select(Ends.class).get();

            hooks.accept(END);
            assertThat(ends.observed()).as("before the commit").isEmpty();
            transaction.complete(true);
            assertThat(ends.observed()).containsExactly(END);

            hooks.accept(END);
            hooks.accept(START);
            transaction.complete(false);
            assertThat(ends.observed()).as("rolled back").hasSize(1);
            hooks.accept(START);
            assertThat(ends.observed()).as("before the commit").hasSize(1);
            transaction.complete(true);
            assertThat(ends.observed()).containsExactly(END, START);
            assertThat(hooks.observes(RunEnded.class)).isTrue();
            assertThat(hooks.observes(io.nvent.StepFailed.class)).as("no one observes it").isFalse();
        }
    }

    @Test
    void aStartOrAnEndTheMemoryStoreKeptIsObservedOnceTheTransactionCompletedEvenIfItRolledBack() {
        try (WeldContainer container = WeldInitiator.createWeld().disableDiscovery().addBeanClasses(Ends.class)
                .initialize()) {
            OpenTransaction transaction = new OpenTransaction();
            CdiHooks hooks = new CdiHooks(container.getBeanManager(), transaction,
                    new MemoryFlowStore().joinsCallerTransaction());
            Ends ends = container.select(Ends.class).get();

            hooks.accept(START);
            hooks.accept(END);
            assertThat(ends.observed()).as("before the transaction completed").isEmpty();
            transaction.complete(false);

            assertThat(ends.observed()).as("the run stays started and ended in memory").containsExactly(START, END);
        }
    }
}
