package io.nvent.jpa;

import io.nvent.RunEnded;
import io.nvent.RunStarted;
import io.nvent.RunStatus;
import io.nvent.StepFailed;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.testkit.RunEndFlows.Confirm;
import io.nvent.testkit.RunEndFlows.Send;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

import static io.nvent.testkit.RunEndFlows.SEND_ERROR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * Over the JPA store, a run that completed and a run that failed each tell the hooks once of their start and once of
 * their end, after each is stored.
 */
class H2RunLifecycleHooksTest {

    @Test
    void aCompletedAndAFailedRunEachStartAndEndOnceAsStored() {
        List<Object> hooks = new CopyOnWriteArrayList<>();
        try (JpaFlowStore store = JpaFlowStore.create(TestDatabases.newH2Url(), "sa", "", JpaStoreOptions.defaults());
             EmbeddedEngine engine = EmbeddedEngine.newBuilder().store(store).schedulingStore(store.schedulingStore())
                     .step(new Confirm()).step(new Send()).hooks(hooks::add).build()) {
            String order = engine.flows().start("order", Map.of());
            String invoice = engine.flows().start("invoice", Map.of());

            await().atMost(Duration.ofSeconds(30)).until(() -> ends(hooks).size() == 2);

            assertThat(ends(hooks)).extracting(RunEnded::runId).containsExactlyInAnyOrder(order, invoice);
            for (RunEnded end : ends(hooks)) {
                var stored = engine.flows().run(end.runId()).orElseThrow();
                assertThat(end.status()).as("as stored").isEqualTo(stored.status());
                assertThat(end.error()).isEqualTo(stored.error());
                assertThat(end.endedAt()).as("to the microsecond the store keeps")
                        .isCloseTo(stored.endedAt().orElseThrow(), within(1, ChronoUnit.MICROS));
            }
            assertThat(hooks).filteredOn(RunStarted.class::isInstance).map(RunStarted.class::cast)
                    .extracting(RunStarted::runId).containsExactlyInAnyOrder(order, invoice);
            for (Object hook : hooks) {
                if (hook instanceof RunStarted start) {
                    assertThat(start.startedAt()).as("to the microsecond the store keeps").isCloseTo(
                            engine.flows().run(start.runId()).orElseThrow().startedAt(), within(1, ChronoUnit.MICROS));
                }
            }
            assertThat(hooks).filteredOn(StepFailed.class::isInstance).singleElement()
                    .isEqualTo(new StepFailed(invoice, "invoice", "send", 1, 1, SEND_ERROR, false,
                            Optional.empty()));
        }
    }

    @Test
    void aStoreOnAResourceLocalUnitWritesOutsideTheCallersTransaction() {
        try (JpaFlowStore store = JpaFlowStore.create(TestDatabases.newH2Url(), "sa", "", JpaStoreOptions.defaults())) {
            assertThat(store.joinsCallerTransaction()).as("its starts and ends are told whatever the caller's outcome")
                    .isFalse();
        }
    }

    private static List<RunEnded> ends(List<Object> hooks) {
        return hooks.stream().filter(RunEnded.class::isInstance).map(RunEnded.class::cast).toList();
    }
}
