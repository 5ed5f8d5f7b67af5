package io.nvent.cdi.internal.engine;

import io.nvent.AwaitType;
import io.nvent.ConcurrencyKeyNotInPayloadException;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.StartedRun;
import io.nvent.TriggerEvent;
import io.nvent.TriggerInfo;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.cdi.internal.engine.ConcurrencyKeyTest.SyncCustomer;
import io.nvent.testkit.LogRecorder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** A trigger's fires start runs with its concurrency key, fixed or read from each fire's payload; runs with one key take turns. */
class TriggerConcurrencyKeysTest {

    /** Valid JSON whose number's exponent does not fit an int: no BigDecimal holds it. */
    private static final String HUGE_EXPONENT = "{\"name\":\"x\",\"customerId\":1e99999999999}";

    @BeforeEach
    void reset() {
        ConcurrencyKeyTest.STARTED.clear();
        ConcurrencyKeyTest.GATES.clear();
    }

    private static TriggerSpec.Builder manual(String name) {
        return TriggerSpec.newBuilder(name, TriggerType.MANUAL).flow("sync");
    }

    private static RunInfo onlyRun(EngineHarness h, List<StartedRun> fired) {
        assertThat(fired).hasSize(1);
        return h.engine.run(fired.get(0).runId()).orElseThrow();
    }

    private static String keyOfFire(EngineHarness h, String trigger, String payload) {
        RunInfo run = onlyRun(h, h.triggers.fire(trigger, payload, StartOptions.DEFAULTS));
        letEnd(nameIn(payload));
        return run.concurrencyKey().orElseThrow();
    }

    /** Lets the entry step of the run of that name end (see {@link ConcurrencyKeyTest}). */
    private static void letEnd(String name) {
        ConcurrencyKeyTest.GATES.computeIfAbsent(name, n -> new CountDownLatch(1)).countDown();
    }

    private static void awaitStarted(String name) {
        await().atMost(Duration.ofSeconds(10)).until(() -> ConcurrencyKeyTest.STARTED.contains(name));
    }

    /** The key a trigger reading it at this pointer takes from this payload, without firing. */
    private static Optional<String> keyAt(String pointer, String payload) {
        return TriggerConcurrencyKey.of(manual("by-customer").concurrencyKeyFrom(pointer).build(), payload);
    }

    private static String nameIn(String payload) {
        return payload.replaceAll(".*\"name\":\"([^\"]*)\".*", "$1");
    }

    @Test
    void aFixedKeyIsTheKeyOfEveryRunTheTriggerStarts() {
        try (EngineHarness h = new EngineHarness(new SyncCustomer())) {
            h.triggers.create(manual("nightly-sync").concurrencyKey("all-customers").build());

            assertThat(keyOfFire(h, "nightly-sync", "{\"name\":\"a\"}")).isEqualTo("all-customers");
            assertThat(keyOfFire(h, "nightly-sync", "{\"name\":\"b\",\"customerId\":7}")).isEqualTo("all-customers");
        }
    }

    @Test
    void aPointerReadsEachFiresKeyFromItsPayloadAfterThePrefix() {
        try (EngineHarness h = new EngineHarness(new SyncCustomer())) {
            h.triggers.create(manual("by-customer").concurrencyKeyFrom("/customer/id").build());
            h.triggers.create(manual("invoices").concurrencyKeyFrom("/customer/id").concurrencyKeyPrefix("invoices:")
                    .build());
            h.triggers.create(manual("escaped").concurrencyKeyFrom("/lines/1/a~1b~0c").build());

            assertThat(keyOfFire(h, "by-customer", "{\"name\":\"a\",\"customer\":{\"id\":\"c-1\"}}")).isEqualTo("c-1");
            assertThat(keyOfFire(h, "invoices", "{\"name\":\"b\",\"customer\":{\"id\":\"c-1\"}}"))
                    .isEqualTo("invoices:c-1");
            assertThat(keyOfFire(h, "escaped", "{\"name\":\"c\",\"lines\":[{},{\"a/b~c\":true}]}")).isEqualTo("true");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"42", "42.0", "4.2e1", "420e-1", "42.000"})
    void numbersGiveOneKeyHoweverTheyAreWritten(String number) {
        try (EngineHarness h = new EngineHarness(new SyncCustomer())) {
            h.triggers.create(manual("by-customer").concurrencyKeyFrom("/customerId").build());

            assertThat(keyOfFire(h, "by-customer", "{\"name\":\"n\",\"customerId\":" + number + "}")).isEqualTo("42");
        }
    }

    @Test
    void longIntegersBeyondADoublesPrecisionStayDistinctKeys() {
        assertThat(keyAt("/id", "{\"id\":12345678901234567890}")).hasValue("12345678901234567890");
        assertThat(keyAt("/id", "{\"id\":12345678901234567891}")).hasValue("12345678901234567891");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-0", "-0.0", "0e5", "-0E-5", "0.000"})
    void zeroIsTheKeyZeroHoweverItIsWritten(String zero) {
        assertThat(keyAt("/id", "{\"id\":" + zero + "}")).hasValue("0");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1e400", "1e-400", "1e99999999999", "-1e-99999999999"})
    void numbersTooLongToWriteOutAsAKeyAreRefusedAsNoKey(String number) {
        assertThatThrownBy(() -> keyAt("/id", "{\"id\":" + number + "}"))
                .isInstanceOf(ConcurrencyKeyNotInPayloadException.class).hasMessageStartingWith("NVENT-0267 ");
    }

    @Test
    void pointerEscapesAreDecodedInRfc6901Order() {
        assertThat(keyAt("/a~01", "{\"a~1\":\"x\",\"a/\":\"wrong\"}")).hasValue("x");
        assertThat(keyAt("/a~1b", "{\"a/b\":\"y\"}")).hasValue("y");
        assertThat(keyAt("/", "{\"\":\"empty-name\"}")).hasValue("empty-name");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/l/01", "/l/-", "/l/2", "/l/9999999999"})
    void anArrayIndexThatIsNoRfc6901IndexOfAnElementFindsNoKey(String pointer) {
        assertThat(keyAt("/l/1", "{\"l\":[\"a\",\"b\"]}")).hasValue("b");
        assertThatThrownBy(() -> keyAt(pointer, "{\"l\":[\"a\",\"b\"]}"))
                .isInstanceOfSatisfying(ConcurrencyKeyNotInPayloadException.class,
                        e -> assertThat(e.found()).isEqualTo("nothing"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"name\":\"x\"}|nothing", "{\"customerId\":null}|null", "{\"customerId\":\"\"}|an empty string",
            "{\"customerId\":{\"id\":1}}|an object", "{\"customerId\":[1]}|an array", "[1,2]|nothing",
            "{\"customerId\":\"  \"}|a blank string", "{\"customerId\":\"a\\tb\"}|a string with control characters",
            "{\"customerId\":1e99999999999}|a number too large to write out"})
    void aFireByNameWhosePayloadHoldsNoKeyThereIsRefusedNamingTriggerPointerAndWhatWasFoundAndStartsNothing(
            String payloadAndFound) {
        String payload = payloadAndFound.substring(0, payloadAndFound.indexOf('|'));
        String found = payloadAndFound.substring(payloadAndFound.indexOf('|') + 1);
        try (EngineHarness h = new EngineHarness(new SyncCustomer())) {
            h.triggers.create(manual("by-customer").concurrencyKeyFrom("/customerId").build());

            assertThatThrownBy(() -> h.triggers.fire("by-customer", payload, StartOptions.DEFAULTS))
                    .isInstanceOfSatisfying(ConcurrencyKeyNotInPayloadException.class, e -> {
                        assertThat(e.trigger()).isEqualTo("by-customer");
                        assertThat(e.pointer()).isEqualTo("/customerId");
                        assertThat(e.found()).isEqualTo(found);
                        assertThat(e.getMessage()).startsWith("NVENT-0267 trigger 'by-customer'")
                                .contains("/customerId", "holds " + found + " there");
                    });
            assertThat(h.engine.runs(RunQuery.all())).isEmpty();
            TriggerInfo info = h.triggers.trigger("by-customer").orElseThrow();
            assertThat(info.runsStarted()).isZero();
            assertThat(info.lastError()).hasValueSatisfying(error -> assertThat(error).startsWith("NVENT-0267"));
        }
    }

    @Test
    void eventFiresWithoutAKeyCountAsFailedFiresAndAreLoggedOncePerTrigger() {
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness h = new EngineHarness(new SyncCustomer())) {
            h.triggers.create(TriggerSpec.newBuilder("on-change", TriggerType.EVENT).event("customer.changed")
                    .flow("sync").concurrencyKeyFrom("/customerId").build());

            assertThat(h.triggers.fireOnEvent("customer.changed", "{\"name\":\"x\"}")).isEmpty();
            assertThat(h.triggers.fireOnEvent("customer.changed", "{\"customerId\":null}")).isEmpty();
            assertThatCode(() -> assertThat(h.triggers.fireOnEvent("customer.changed", HUGE_EXPONENT)).isEmpty())
                    .as("a number no BigDecimal holds does not throw into the emitter").doesNotThrowAnyException();

            assertThat(h.engine.runs(RunQuery.all())).isEmpty();
            assertThat(h.triggers.trigger("on-change").orElseThrow().fires()).isEqualTo(3);
            assertThat(h.triggers.history("on-change", 10)).extracting(TriggerEvent::type)
                    .containsExactly("trigger.failed", "trigger.failed", "trigger.failed", "trigger.registered");
            assertThat(log.messagesContaining("on-change")).singleElement().satisfies(line -> assertThat(line)
                    .startsWith("NVENT-0566 NVENT-0267 trigger 'on-change'").contains("said once per trigger"));
        }
    }

    @Test
    void aCallersOwnKeyMustBeTheTriggersKey() {
        try (EngineHarness h = new EngineHarness(new SyncCustomer())) {
            h.triggers.create(manual("by-customer").concurrencyKeyFrom("/customerId").build());

            assertThatThrownBy(() -> h.triggers.fire("by-customer", "{\"name\":\"a\",\"customerId\":\"c-1\"}",
                    StartOptions.newBuilder().concurrencyKey("c-2").build()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("NVENT-0571 trigger 'by-customer' starts its runs with concurrency key 'c-1'");
            assertThat(h.engine.runs(RunQuery.all())).isEmpty();

            RunInfo same = onlyRun(h, h.triggers.fire("by-customer", "{\"name\":\"b\",\"customerId\":\"c-1\"}",
                    StartOptions.newBuilder().concurrencyKey("c-1").build()));
            assertThat(same.concurrencyKey()).contains("c-1");
            letEnd("b");
        }
    }

    @Test
    void aFireThatGivesTheTriggersKeyWithALimitLetsThatManyOfItsRunsRunAtATime() {
        try (EngineHarness h = new EngineHarness(new SyncCustomer())) {
            h.triggers.create(manual("nightly").concurrencyKey("nightly-sync").build());
            StartOptions twoAtATime = StartOptions.newBuilder().concurrencyKey("nightly-sync", 2).build();

            RunInfo first = onlyRun(h, h.triggers.fire("nightly", "{\"name\":\"a\"}", twoAtATime));
            RunInfo second = onlyRun(h, h.triggers.fire("nightly", "{\"name\":\"b\"}", twoAtATime));
            RunInfo third = onlyRun(h, h.triggers.fire("nightly", "{\"name\":\"c\"}", StartOptions.DEFAULTS));

            awaitStarted("a");
            awaitStarted("b");
            assertThat(first.concurrencyLimit()).hasValue(2);
            assertThat(third.concurrencyLimit()).as("the trigger's own starts: one at a time").hasValue(1);
            assertThat(h.engine.run(third.runId()).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
            letEnd("a");
            letEnd("b");
            awaitStarted("c");
            letEnd("c");
            h.awaitStatus(second.runId(), RunStatus.COMPLETED);
        }
    }

    @Test
    void aCallersKeyOnATriggerWithoutOneIsTheKeyOfItsRuns() {
        try (EngineHarness h = new EngineHarness(new SyncCustomer())) {
            h.triggers.create(manual("plain").build());

            RunInfo run = onlyRun(h, h.triggers.fire("plain", "{\"name\":\"a\"}",
                    StartOptions.newBuilder().concurrencyKey("mine").build()));
            assertThat(run.concurrencyKey()).contains("mine");
            letEnd("a");
        }
    }

    @Test
    void runsAKeyedTriggerStartsWithOneKeyTakeTurnsAndOthersRunBeside() {
        try (EngineHarness h = new EngineHarness(new SyncCustomer())) {
            h.triggers.create(TriggerSpec.newBuilder("on-change", TriggerType.EVENT).event("customer.changed")
                    .flow("sync").concurrencyKeyFrom("/customerId").build());

            String first = h.triggers.fireOnEvent("customer.changed", "{\"name\":\"first\",\"customerId\":42}").get(0);
            h.clock.advance(Duration.ofSeconds(1));
            String second = h.triggers.fireOnEvent("customer.changed", "{\"name\":\"second\",\"customerId\":42.0}")
                    .get(0);
            String other = h.triggers.fireOnEvent("customer.changed", "{\"name\":\"other\",\"customerId\":7}").get(0);

            await().atMost(Duration.ofSeconds(10)).until(() -> ConcurrencyKeyTest.STARTED.containsAll(
                    List.of("first", "other")));
            h.awaitStatus(second, RunStatus.AWAITING);
            assertThat(ConcurrencyKeyTest.STARTED).doesNotContain("second");

            letEnd("first");
            h.awaitStatus(first, RunStatus.COMPLETED);
            awaitStarted("second");
            letEnd("second");
            letEnd("other");
            h.awaitStatus(second, RunStatus.COMPLETED);
            h.awaitStatus(other, RunStatus.COMPLETED);
            assertThat(ConcurrencyKeyTest.STARTED.indexOf("second")).isGreaterThan(
                    ConcurrencyKeyTest.STARTED.indexOf("first"));
        }
    }

    @Test
    void aDelayedFireOfAKeyedTriggerWaitsItsDelayThenTakesItsTurnWithThePayloadsKey() {
        Duration delay = Duration.ofMinutes(5);
        StartOptions delivery = StartOptions.newBuilder().idempotencyKey("delivery-1").delay(delay).build();
        try (EngineHarness h = new EngineHarness(new SyncCustomer())) {
            h.triggers.create(manual("by-customer").concurrencyKeyFrom("/customerId").concurrencyKeyPrefix("c:")
                    .build());
            String holder = h.engine.start("sync", Map.of("name", "holder"),
                    StartOptions.newBuilder().concurrencyKey("c:42").build()).runId();
            awaitStarted("holder");

            RunInfo run = onlyRun(h, h.triggers.fire("by-customer", "{\"name\":\"delayed\",\"customerId\":42.0}",
                    delivery));
            String delayed = run.runId();
            assertThat(run.concurrencyKey()).contains("c:42");
            assertThat(run.status()).isEqualTo(RunStatus.AWAITING);
            assertThat(h.engine.awaits(true, 10)).filteredOn(a -> a.runId().equals(delayed)).singleElement()
                    .satisfies(a -> {
                        assertThat(a.type()).isEqualTo(AwaitType.TIME);
                        assertThat(a.concurrencyKey()).contains("c:42");
                    });
            h.clock.advance(delay);
            h.sweep();
            assertThat(h.engine.waits(delayed)).singleElement().satisfies(wait -> assertThat(wait.detail())
                    .contains("waits for concurrency key 'c:42', held by run " + holder));
            assertThat(ConcurrencyKeyTest.STARTED).doesNotContain("delayed");
            letEnd("holder");
            awaitStarted("delayed");
            letEnd("delayed");
            h.awaitStatus(delayed, RunStatus.COMPLETED);

            assertThat(h.triggers.fire("by-customer", "{\"name\":\"delayed\",\"customerId\":42.0}", delivery))
                    .as("the same delivery again: the same run, no second one")
                    .extracting(StartedRun::runId).containsExactly(delayed);
        }
    }

    @Test
    void aScheduleWithAFixedKeyStartsItsTicksRunsWithIt() {
        try (EngineHarness h = new EngineHarness(new SyncCustomer())) {
            h.triggers.create(TriggerSpec.newBuilder("every-minute", TriggerType.SCHEDULE).flow("sync")
                    .every(Duration.ofMinutes(1)).concurrencyKey("minutely").build());

            h.triggers.onTick("every-minute", Instant.parse("2026-11-30T11:00:00Z"));

            assertThat(h.engine.runs(RunQuery.all())).singleElement()
                    .satisfies(run -> assertThat(run.concurrencyKey()).contains("minutely"));
        }
    }
}
