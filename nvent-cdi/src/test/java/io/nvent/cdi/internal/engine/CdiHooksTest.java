package io.nvent.cdi.internal.engine;

import io.nvent.RunEnded;
import io.nvent.RunStatus;
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
 * An end stored in the caller's JTA transaction (a store that joined it) reaches the observers once the transaction
 * committed, and never if it rolled back.
 */
class CdiHooksTest {

    /** Notes the ends it observes. */
    @ApplicationScoped
    public static class Ends {
        private final List<RunEnded> observed = new CopyOnWriteArrayList<>();

        void ended(@Observes RunEnded end) {
            observed.add(end);
        }

        List<RunEnded> observed() {
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

    @Test
    void anEndStoredInATransactionIsObservedOnceItCommittedAndNeverIfItRolledBack() {
        try (WeldContainer container = WeldInitiator.createWeld().disableDiscovery().addBeanClasses(Ends.class)
                .initialize()) {
            OpenTransaction transaction = new OpenTransaction();
            CdiHooks hooks = new CdiHooks(container.getBeanManager(), transaction);
            Ends ends = container.select(Ends.class).get();

            hooks.accept(END);
            assertThat(ends.observed()).as("before the commit").isEmpty();
            transaction.complete(true);
            assertThat(ends.observed()).containsExactly(END);

            hooks.accept(END);
            transaction.complete(false);
            assertThat(ends.observed()).as("rolled back").hasSize(1);
            assertThat(hooks.observes(RunEnded.class)).isTrue();
            assertThat(hooks.observes(io.nvent.StepFailed.class)).as("no one observes it").isFalse();
        }
    }
}
