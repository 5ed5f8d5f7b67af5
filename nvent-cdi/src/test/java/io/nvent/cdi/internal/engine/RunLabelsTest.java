package io.nvent.cdi.internal.engine;

import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.HistoryEvent;
import io.nvent.IdempotencyKeyConflictException;
import io.nvent.FlowStep;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.StartedRun;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.UnsupportedByAdapterException;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.EventDraft;
import io.nvent.spi.RunRecord;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Labels a run is started with: shown on the run, recorded in its start, kept by its copies, and found by. */
class RunLabelsTest {

    private static final StartOptions VIP_OF_ACME = StartOptions.newBuilder().labels("vip", "customer:acme").build();

    @FlowStep(flow = "invoice", name = "bill", role = StepRole.ENTRY)
    public static class Bill implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            return "billed";
        }
    }

    @Test
    void aRunShowsTheLabelsItWasStartedWithAndItsStartRecordsThem() {
        try (EngineHarness h = new EngineHarness(new Bill())) {
            String runId = h.engine.start("invoice", Map.of("amount", 5), VIP_OF_ACME).runId();

            RunInfo run = h.awaitStatus(runId, RunStatus.COMPLETED);

            assertThat(run.labels()).containsExactly("customer:acme", "vip");
            assertThat(startEntryOf(h, runId).getJsonArray("labels").getValuesAs(jakarta.json.JsonString::getString))
                    .containsExactly("customer:acme", "vip");
            String plain = h.engine.start("invoice", Map.of("amount", 1));
            assertThat(h.awaitStatus(plain, RunStatus.COMPLETED).labels()).isEmpty();
            assertThat(startEntryOf(h, plain).containsKey("labels")).isFalse();
        }
    }

    @Test
    void aRestartAndARerunKeepTheLabelsOfTheRunTheyCopy() {
        try (EngineHarness h = new EngineHarness(new Bill())) {
            String original = h.engine.start("invoice", Map.of("amount", 5), VIP_OF_ACME).runId();
            h.awaitStatus(original, RunStatus.COMPLETED);

            String restarted = h.engine.restart(original);
            String rerun = h.engine.rerunFrom(original, "bill");

            assertThat(h.awaitStatus(restarted, RunStatus.COMPLETED).labels()).containsExactly("customer:acme", "vip");
            assertThat(h.awaitStatus(rerun, RunStatus.COMPLETED).labels()).containsExactly("customer:acme", "vip");
            assertThat(startEntryOf(h, restarted).getJsonArray("labels")).hasSize(2);
        }
    }

    @Test
    void runsAreListedByLabelWithTheOtherFilters() {
        try (EngineHarness h = new EngineHarness(new Bill())) {
            String first = h.engine.start("invoice", Map.of("amount", 1), VIP_OF_ACME).runId();
            String second = h.engine.start("invoice", Map.of("amount", 2), StartOptions.newBuilder().label("vip")
                    .build()).runId();
            String other = h.engine.start("invoice", Map.of("amount", 3), StartOptions.newBuilder()
                    .label("customer:acme").build()).runId();
            for (String runId : List.of(first, second, other)) {
                h.awaitStatus(runId, RunStatus.COMPLETED);
            }

            assertThat(h.engine.runs(RunQuery.all().withLabel("vip"))).extracting(RunInfo::runId)
                    .containsExactlyInAnyOrder(first, second);
            assertThat(h.engine.runs(RunQuery.ofFlow("invoice").withLabel("customer:acme")
                    .withStatus(RunStatus.COMPLETED))).extracting(RunInfo::runId).containsExactlyInAnyOrder(first, other);
            assertThat(h.engine.runs(RunQuery.all().withLabel("vip").withStatus(RunStatus.FAILED))).isEmpty();
        }
    }

    @Test
    void aTriggersFireGivesTheLabelsOfItsOptionsToTheRunsItStartsWithTheTriggersConcurrencyKeyToo() {
        try (EngineHarness h = new EngineHarness(new Bill())) {
            h.triggers.create(TriggerSpec.newBuilder("by-hand", TriggerType.MANUAL).flow("invoice").build());
            h.triggers.create(TriggerSpec.newBuilder("one-at-a-time", TriggerType.MANUAL).flow("invoice")
                    .concurrencyKey("billing").build());

            String plain = h.triggers.fire("by-hand", "{\"amount\":1}", VIP_OF_ACME).get(0).runId();
            String keyed = h.triggers.fire("one-at-a-time", "{\"amount\":2}", VIP_OF_ACME).get(0).runId();

            assertThat(h.awaitStatus(plain, RunStatus.COMPLETED).labels()).containsExactly("customer:acme", "vip");
            RunInfo keyedRun = h.awaitStatus(keyed, RunStatus.COMPLETED);
            assertThat(keyedRun.labels()).containsExactly("customer:acme", "vip");
            assertThat(keyedRun.concurrencyKey()).hasValue("billing");
        }
    }

    @Test
    void aKeyedStartReplayedWithOtherLabelsIsAConflictNamingBothAndTheSameLabelsOtherwiseGivenAreTheFirstRun() {
        try (EngineHarness h = new EngineHarness(new Bill())) {
            StartOptions keyedVip = StartOptions.newBuilder().idempotencyKey("inv-7").labels("vip", "customer:acme")
                    .build();
            String first = h.engine.start("invoice", Map.of("amount", 5), keyedVip).runId();

            assertThatThrownBy(() -> h.engine.start("invoice", Map.of("amount", 5), StartOptions.newBuilder()
                    .idempotencyKey("inv-7").label("vip").build()))
                    .isInstanceOf(IdempotencyKeyConflictException.class)
                    .hasMessage("NVENT-0284 idempotency key 'inv-7' of flow 'invoice' already started run " + first
                            + " with the same input and labels [customer:acme, vip]; this start gives labels [vip], so it"
                            + " is another request; nothing was started; a new request needs a new key");
            assertThatThrownBy(() -> h.engine.start("invoice", Map.of("amount", 5), StartOptions.idempotent("inv-7")))
                    .hasMessageContaining("this start gives no labels");
            StartedRun again = h.engine.start("invoice", Map.of("amount", 5), StartOptions.newBuilder()
                    .idempotencyKey("inv-7").labels("customer:acme", "vip", "vip").build());
            assertThat(again).isEqualTo(new StartedRun(first, false));
            assertThat(h.engine.runs(RunQuery.all())).hasSize(1);
        }
    }

    @Test
    void aWebhooksDeliveryRetriedAfterItsTriggersLabelsChangedGetsItsRunNotAConflict() {
        try (EngineHarness h = new EngineHarness(new Bill())) {
            TriggerSpec hook = TriggerSpec.newBuilder("erp-hook", TriggerType.WEBHOOK).flow("invoice").labels("erp")
                    .build();
            h.triggers.create(hook);
            StartOptions delivery = StartOptions.newBuilder().idempotencyKey("delivery-1").build();
            String first = h.triggers.fire("erp-hook", "{\"amount\":1}", delivery).get(0).runId();

            h.triggers.update(hook.toBuilder().labels("erp", "billing").build());

            assertThat(h.triggers.fire("erp-hook", "{\"amount\":1}", delivery))
                    .containsExactly(new StartedRun(first, false));
        }
    }

    /**
     * A store written for nvent 0.1 keeps no labels (it stores the components it knows) and knows no label filter:
     * it lists runs of any label.
     */
    static final class StoreWithoutLabels extends MemoryFlowStore {
        /** As the default of FlowStore, which a store written for 0.1 does not override. */
        @Override
        public boolean keepsLabels() {
            return false;
        }

        @Override
        public List<HistoryEvent> createRun(RunRecord run, List<EventDraft> events) {
            return super.createRun(run.withLabels(Set.of()), events);
        }

        @Override
        public List<HistoryEvent> createRun(RunRecord run, List<EventDraft> events, String idempotencyKey) {
            return super.createRun(run.withLabels(Set.of()), events, idempotencyKey);
        }

        @Override
        public List<RunRecord> findRuns(RunQuery query) {
            return super.findRuns(new RunQuery(query.flow(), query.status(), query.offset(), query.limit(),
                    query.after(), query.parentRunId())).stream().map(run -> run.withLabels(Set.of())).toList();
        }
    }

    @Test
    void aStoreWrittenForNventOhPointOneIsNamedInTheRefusalInsteadOfListingRunsOfAnyLabel() {
        try (EngineHarness h = new EngineHarness(new StoreWithoutLabels(), new MemorySchedulingStore(), "instance-a",
                new Bill())) {
            h.awaitStatus(h.engine.start("invoice", Map.of("amount", 1)), RunStatus.COMPLETED);

            assertThatThrownBy(() -> h.engine.runs(RunQuery.all().withLabel("vip")))
                    .isInstanceOf(UnsupportedByAdapterException.class)
                    .hasMessageStartingWith("NVENT-0347 the store " + StoreWithoutLabels.class.getName()
                            + " cannot list the runs of one label");
            assertThat(h.engine.runs(RunQuery.all())).hasSize(1);
        }
    }

    @Test
    void aStoreWrittenForNventOhPointOneRefusesAStartWithLabelsRatherThanDropThem() {
        try (EngineHarness h = new EngineHarness(new StoreWithoutLabels(), new MemorySchedulingStore(), "instance-a",
                new Bill())) {
            assertThatThrownBy(() -> h.engine.start("invoice", Map.of("amount", 1), VIP_OF_ACME))
                    .isInstanceOf(UnsupportedByAdapterException.class)
                    .hasMessageStartingWith("NVENT-0288 the store " + StoreWithoutLabels.class.getName()
                            + " keeps no labels")
                    .hasMessageContaining("flow 'invoice'").hasMessageContaining("[customer:acme, vip]");
            assertThat(h.engine.runs(RunQuery.all())).isEmpty();
            assertThat(h.awaitStatus(h.engine.start("invoice", Map.of("amount", 1)), RunStatus.COMPLETED).labels())
                    .isEmpty();
        }
    }

    private static JsonObject startEntryOf(EngineHarness h, String runId) {
        return h.engine.events(runId, EventQuery.all()).stream().filter(e -> e.type() == EventType.FLOW_START)
                .findFirst().map(e -> Json.PROVIDER.createReader(new StringReader(e.data())).readObject())
                .orElseThrow();
    }
}
