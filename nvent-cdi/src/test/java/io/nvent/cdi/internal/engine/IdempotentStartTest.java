package io.nvent.cdi.internal.engine;

import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.IdempotencyKeyConflictException;
import io.nvent.NventException;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.StartedRun;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.spi.RunRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.tuple;

/** A start with an idempotency key creates its run once, however often it is repeated. */
class IdempotentStartTest {

    /** Charges per run: an engine of an earlier test may still be finishing a run of its own. */
    static final Map<String, AtomicInteger> CHARGES = new ConcurrentHashMap<>();

    @FlowStep(flow = "payment", name = "charge", role = StepRole.ENTRY)
    public static class Charge implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            CHARGES.computeIfAbsent(ctx.runId(), run -> new AtomicInteger()).incrementAndGet();
            return "charged " + input.get("amount");
        }
    }

    @FlowStep(flow = "refund", name = "refund", role = StepRole.ENTRY)
    public static class Refund implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            return "refunded";
        }
    }

    @Test
    void aRepeatedStartWithTheSameKeyAndInputReturnsTheFirstRunAndRunsItOnce() {
        try (EngineHarness h = new EngineHarness(new Charge(), new Refund())) {
            StartedRun first = h.engine.start("payment", Map.of("amount", 12), StartOptions.idempotent("order-7"));
            h.awaitStatus(first.runId(), RunStatus.COMPLETED);

            StartedRun again = h.engine.startWithJson("payment", " { \"amount\" : 12 } ",
                    StartOptions.idempotent("order-7"));

            assertThat(first.created()).isTrue();
            assertThat(again).isEqualTo(new StartedRun(first.runId(), false));
            assertThat(h.engine.runs(RunQuery.all())).hasSize(1);
            assertThat(chargesOf(first.runId())).isEqualTo(1);
            assertThat(h.engine.events(first.runId(), EventQuery.all()))
                    .filteredOn(e -> e.type() == EventType.FLOW_START).singleElement()
                    .satisfies(e -> assertThat(e.data()).contains("\"idempotencyKey\":\"order-7\""));
        }
    }

    @Test
    void aRunShowsTheKeyItWasStartedWithAsTheCallerGaveItAndARunWithoutOneShowsNone() {
        try (EngineHarness h = new EngineHarness(new Charge(), new Refund())) {
            StartedRun keyed = h.engine.start("payment", Map.of("amount", 12), StartOptions.idempotent("order-7"));
            StartedRun plain = h.engine.start("payment", Map.of("amount", 3), StartOptions.DEFAULTS);

            assertThat(h.engine.run(keyed.runId()).orElseThrow().idempotencyKey()).hasValue("order-7");
            assertThat(h.engine.runByIdempotencyKey("payment", "order-7").orElseThrow().idempotencyKey())
                    .hasValue("order-7");
            assertThat(h.engine.runs(RunQuery.all())).extracting(RunInfo::runId, RunInfo::idempotencyKey)
                    .containsExactlyInAnyOrder(tuple(keyed.runId(), Optional.of("order-7")),
                            tuple(plain.runId(), Optional.empty()));
        }
    }

    @Test
    void theSameKeyWithAnotherInputIsRefusedNamingTheRunItStartedAndStartsNothing() {
        try (EngineHarness h = new EngineHarness(new Charge(), new Refund())) {
            StartedRun first = h.engine.start("payment", Map.of("amount", 12), StartOptions.idempotent("order-7"));

            assertThatThrownBy(() -> h.engine.start("payment", Map.of("amount", 13), StartOptions.idempotent("order-7")))
                    .isInstanceOf(IdempotencyKeyConflictException.class)
                    .hasMessage("NVENT-0211 idempotency key 'order-7' of flow 'payment' already started run "
                            + first.runId() + " with another input; a new request needs a new key")
                    .satisfies(e -> assertThat(((IdempotencyKeyConflictException) e).runId()).isEqualTo(first.runId()));
            assertThat(h.engine.runs(RunQuery.all())).hasSize(1);
        }
    }

    @Test
    void aRepeatedKeyedStartWhoseInputHoldsANumberNoBigDecimalHoldsReturnsTheFirstRunInsteadOfThrowingNumberFormatException() {
        try (EngineHarness h = new EngineHarness(new Charge(), new Refund())) {
            StartedRun first = h.engine.startWithJson("refund", "{\"amount\":1e999999999999}",
                    StartOptions.idempotent("huge-1"));

            Throwable again = catchThrowable(() -> h.engine.startWithJson("refund", "{ \"amount\" : 1e999999999999 }",
                    StartOptions.idempotent("huge-1")));

            assertThat(first.created()).isTrue();
            assertThat(again).as("the same input again, spaced otherwise: the first run, or an NVENT error")
                    .satisfiesAnyOf(thrown -> assertThat(thrown).isNull(),
                            thrown -> assertThat(thrown).isInstanceOf(NventException.class));
        }
    }

    @Test
    void anotherInputWithAKeyWhoseRunsInputHoldsANumberNoBigDecimalHoldsIsAConflictNotANumberFormatException() {
        try (EngineHarness h = new EngineHarness(new Charge(), new Refund())) {
            StartedRun first = h.engine.startWithJson("refund", "{\"amount\":1e999999999999}",
                    StartOptions.idempotent("huge-2"));

            assertThatThrownBy(() -> h.engine.startWithJson("refund", "{\"amount\":12}",
                    StartOptions.idempotent("huge-2")))
                    .isInstanceOf(IdempotencyKeyConflictException.class)
                    .satisfies(e -> assertThat(((IdempotencyKeyConflictException) e).runId()).isEqualTo(first.runId()));
        }
    }

    @Test
    void keysArePerFlowAndStartsWithoutAKeyAlwaysCreateARun() {
        try (EngineHarness h = new EngineHarness(new Charge(), new Refund())) {
            StartedRun payment = h.engine.start("payment", Map.of("amount", 1), StartOptions.idempotent("A-1"));
            StartedRun refund = h.engine.start("refund", Map.of("amount", 1), StartOptions.idempotent("A-1"));
            StartedRun plain = h.engine.start("payment", Map.of("amount", 1), StartOptions.DEFAULTS);
            StartedRun plainAgain = h.engine.start("payment", Map.of("amount", 1), StartOptions.DEFAULTS);

            assertThat(List.of(payment, refund, plain, plainAgain)).allMatch(StartedRun::created)
                    .extracting(StartedRun::runId).doesNotHaveDuplicates();
        }
    }

    @Test
    void concurrentStartsWithOneKeyOnTwoInstancesCreateOneRun() throws Exception {
        try (EngineHarness a = new EngineHarness(new Charge(), new Refund());
             EngineHarness b = EngineHarness.beside(a, "instance-b", UnaryOperator.identity(), new Charge(),
                     new Refund())) {
            ExecutorService callers = Executors.newFixedThreadPool(8);
            try {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<StartedRun>> starts = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    EngineHarness instance = i % 2 == 0 ? a : b;
                    Callable<StartedRun> start = () -> {
                        go.await();
                        return instance.engine.start("payment", Map.of("amount", 5), StartOptions.idempotent("retry-me"));
                    };
                    starts.add(callers.submit(start));
                }
                go.countDown();
                List<StartedRun> results = new ArrayList<>();
                for (Future<StartedRun> start : starts) {
                    results.add(start.get());
                }

                assertThat(results).extracting(StartedRun::runId).containsOnly(results.get(0).runId());
                assertThat(results).filteredOn(StartedRun::created).hasSize(1);
                a.awaitStatus(results.get(0).runId(), RunStatus.COMPLETED);
                assertThat(chargesOf(results.get(0).runId())).isEqualTo(1);
            } finally {
                callers.shutdownNow();
            }
        }
    }

    @Test
    void aKeyWhoseRunWasDeletedStartsANewRunWithAnIdOfItsOwn() {
        try (EngineHarness h = new EngineHarness(new Charge(), new Refund())) {
            StartedRun first = h.engine.start("payment", Map.of("amount", 12), StartOptions.idempotent("order-8"));
            h.awaitStatus(first.runId(), RunStatus.COMPLETED);
            h.engine.clearHistory("payment");

            StartedRun next = h.engine.start("payment", Map.of("amount", 99), StartOptions.idempotent("order-8"));

            assertThat(next.created()).isTrue();
            assertThat(next.runId()).as("the queue may still remember the jobs of the first run's id")
                    .isNotEqualTo(first.runId());
            h.awaitStatus(next.runId(), RunStatus.COMPLETED);
            assertThat(chargesOf(first.runId())).isEqualTo(1);
            assertThat(chargesOf(next.runId())).isEqualTo(1);
            assertThat(h.engine.start("payment", Map.of("amount", 99), StartOptions.idempotent("order-8")))
                    .isEqualTo(new StartedRun(next.runId(), false));
            assertThat(h.engine.runByIdempotencyKey("payment", "order-8")).get()
                    .extracting(RunInfo::runId).isEqualTo(next.runId());
            assertThat(h.engine.runByIdempotencyKey("refund", "order-8")).as("keys are per flow").isEmpty();
            h.engine.clearHistory("payment");
            assertThat(h.engine.runByIdempotencyKey("payment", "order-8")).isEmpty();
        }
    }

    @Test
    void aRunStartedWithAKeyBeforeStoresHeldKeysIsFoundByItsIdStill() {
        try (EngineHarness h = new EngineHarness(new Charge(), new Refund())) {
            String legacyId = FlowEngine.storedKey("payment", "order-1");
            h.store.createRun(RunRecord.started(legacyId, "payment", "{\"amount\":3}", Optional.empty(), Instant.now()),
                    List.of());

            assertThat(h.engine.start("payment", Map.of("amount", 3), StartOptions.idempotent("order-1")))
                    .isEqualTo(new StartedRun(legacyId, false));
            assertThatThrownBy(() -> h.engine.start("payment", Map.of("amount", 4), StartOptions.idempotent("order-1")))
                    .isInstanceOf(IdempotencyKeyConflictException.class);
        }
    }

    @Test
    void inputsAreTheSameWhenTheyAreEqualAsJsonWhateverTheirSpellingOfNumbersOrOrderOfMembers() {
        try (EngineHarness h = new EngineHarness(new Charge(), new Refund())) {
            StartedRun first = h.engine.startWithJson("payment", "{\"amount\":2,\"lines\":[1,{\"a\":1,\"b\":2}]}",
                    StartOptions.idempotent("K-9"));

            StartedRun again = h.engine.startWithJson("payment", "{\"lines\":[1.0,{\"b\":2,\"a\":1e0}],\"amount\":2.00}",
                    StartOptions.idempotent("K-9"));

            assertThat(again).isEqualTo(new StartedRun(first.runId(), false));
            assertThatThrownBy(() -> h.engine.startWithJson("payment", "{\"amount\":2,\"lines\":[1,{\"a\":1}]}",
                    StartOptions.idempotent("K-9"))).isInstanceOf(IdempotencyKeyConflictException.class);
        }
    }

    @Test
    void aKeyMustBeShortPrintableTextAndIsCheckedWhenTheOptionsAreBuilt() {
        assertThatThrownBy(() -> StartOptions.idempotent(" ")).hasMessage("an idempotency key must not be blank");
        assertThatThrownBy(() -> StartOptions.idempotent("x".repeat(256)))
                .hasMessage("an idempotency key has at most 255 characters, this one 256");
        assertThatThrownBy(() -> StartOptions.idempotent("a\nb"))
                .hasMessage("an idempotency key must not contain control characters");
        assertThat(StartOptions.idempotent("x".repeat(255)).idempotencyKey()).hasValue("x".repeat(255));
    }

    private static int chargesOf(String runId) {
        return CHARGES.getOrDefault(runId, new AtomicInteger()).get();
    }
}
