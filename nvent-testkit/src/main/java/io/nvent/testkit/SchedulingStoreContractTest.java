package io.nvent.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.nvent.AwaitPosition;
import io.nvent.AwaitStatus;
import io.nvent.AwaitType;
import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.HistoryEvent;
import io.nvent.IllegalRunTransitionException;
import io.nvent.Misfire;
import io.nvent.Overlap;
import io.nvent.RunNotFoundException;
import io.nvent.RunPosition;
import io.nvent.RunStatus;
import io.nvent.StaleExecutionException;
import io.nvent.StepProgress;
import io.nvent.StepStatus;
import io.nvent.TimeoutAction;
import io.nvent.TriggerEvent;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.spi.AwaitNotSavedException;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.ConcurrencyKeyClaim;
import io.nvent.spi.AwaitlessRuns;
import io.nvent.spi.BatchedFire;
import io.nvent.spi.DebouncedFire;
import io.nvent.spi.PendingSlot;
import io.nvent.spi.EventDraft;
import io.nvent.spi.FlowStore;
import io.nvent.spi.QueueChange;
import io.nvent.spi.RateLimit;
import io.nvent.spi.RateLimitGroup;
import io.nvent.spi.RateLimitGroupStarts;
import io.nvent.spi.RequestKey;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunMutation;
import io.nvent.spi.RunRecord;
import io.nvent.spi.SchedulingStore;
import io.nvent.spi.StepLease;
import io.nvent.spi.StoredChange;
import io.nvent.spi.TickClaim;
import io.nvent.spi.TriggerRecord;
import io.nvent.spi.WebhookReceipt;
import java.lang.reflect.Method;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * The behaviour every {@link SchedulingStore} shows. Subclass it once per backend and implement
 * {@link #createStore()} and {@link #flowStore()} (the runs whose steps it starts and finishes):
 *
 * <pre>{@code
 * class MemorySchedulingStoreContractTest extends SchedulingStoreContractTest {
 *     private final MemoryFlowStore runs = new MemoryFlowStore();
 *
 *     @Override
 *     protected SchedulingStore createStore() {
 *         return new MemorySchedulingStore();
 *     }
 *
 *     @Override
 *     protected FlowStore flowStore() {
 *         return runs;
 *     }
 * }
 * }</pre>
 *
 * <p>Every test starts from an empty store: return a new store from {@link #createStore()}, or
 * return a shared one and empty it in {@link #wipe(SchedulingStore)}. Stores whose awaits and
 * leases belong to stored runs (a foreign key) create those runs in {@link #runExists(String)}.
 * Tests never read the wall clock; all times derive from {@link #T0} with millisecond precision.
 *
 * <p>The tests a backend may need to switch off while a known gap is open are {@code protected}:
 * override them with {@code @Test @Disabled("reason")}.
 *
 * <p>Beyond the Javadoc of {@link SchedulingStore}, these tests pin down:
 * <ul>
 *   <li>Awaits: {@code closeAwait} succeeds only from {@link AwaitStatus#WAITING}, exactly once
 *       however many callers race, and returns the closed await; an unknown id gives empty.</li>
 *   <li>{@code dueAwaits(now)}: waiting awaits with {@code resolveAt <= now} or
 *       {@code timeoutAt <= now}, oldest {@code registeredAt} first, at most {@code limit}.</li>
 *   <li>"Newest" and "oldest" mean by {@code registeredAt}, not by the order the awaits were
 *       saved in: {@code listAwaits} newest first, {@code awaitsOfRun} oldest first (the engine
 *       takes the last resolved await of a step as the newest).</li>
 *   <li>Triggers: {@code insertTrigger} creates only under a name not taken, exactly once when
 *       instances race; {@code replaceTriggerSpec} replaces a definition only while it is as expected
 *       (enabled or not included), at most once when callers race with the same one, and keeps the
 *       statistics; {@code replaceTrigger} likewise, while whether the trigger is declared is as read
 *       too, and it switches that with the definition.
 *       {@code saveTrigger} creates or replaces, statistics as given; {@code recordFire}
 *       adds one fire atomically, sets {@code lastFiredAt}, replaces {@code lastError} only with a
 *       new error, and ignores unknown triggers; {@code recordRunsStarted} adds runs (and a new error) without
 *       a fire; {@code deleteTrigger} removes the history, so a
 *       trigger created again under the same name starts at sequence number 1. Every part of a
 *       trigger's spec reads back as saved, its misfire policy and grace too.</li>
 *   <li>Trigger history: sequence numbers 1, 2, 3, ... per trigger without gaps or duplicates,
 *       also under concurrency; read newest first.</li>
 *   <li>Ticks: {@code claimTick} is {@code true} exactly once per (trigger, scheduled time), and
 *       {@code tryClaimTick} {@code CLAIMED} (the same claims: one taken by either is {@code TAKEN}
 *       for the other); never {@code IN_DOUBT} while no claim is held open.</li>
 *   <li>Signed webhook requests: {@code recordWebhookRequest} records a (trigger, request) once, also
 *       when instances race, and answers a later call within its validity with the receipt recorded
 *       first (its idempotency key); one valid until before {@code now}, or forgotten, is recorded
 *       anew.</li>
 *   <li>Keys of emits and publishes (since 0.2): {@code claimRequestKey} claims a (scope, target, key digest)
 *       once, also when instances race, and answers a later call until the claim expires with the claim made
 *       first, its request digest and the response {@code answerRequestKey} stored; an expired, forgotten or
 *       purged claim is claimed anew; a claim of another request is neither answered nor forgotten.</li>
 *   <li>Queue pauses: {@code setQueuePaused} is idempotent, also when instances race.</li>
 *   <li>Rate limits (stores that {@code sharesRateLimits}): {@code takeRateLimitedStart} records at
 *       most {@code max} starts of a queue within any span, also when instances race; a start leaves
 *       the span {@code per} after it; refused, it answers when the oldest start that holds the
 *       limit leaves the span, which {@code untilRateLimitAllows} answers without recording; each
 *       group of a queue counts apart from the others and from the whole queue;
 *       {@code busiestRateLimitGroups} counts a queue's groups' starts after a time, most first;
 *       {@code forgetIdleRateLimitGroups} forgets only groups with no start after the time given.</li>
 *   <li>Leases: a lease is held while {@code now < expiresAt}; its owner may take it again
 *       (renew), another owner only once it expired ({@code expiresAt <= now}) or was released;
 *       only the owner releases it; {@code expiredLeases(now)} lists {@code expiresAt <= now},
 *       earliest first; {@code leasesOfRun} lists a run's leases, expired or not, by step;
 *       {@code leasesOfOwners} those of the owners whose id starts with a prefix (taken literally),
 *       least recently renewed first. A lease taken or renewed with its time
 *       ({@code acquireLease(StepLease, now)}, {@code renewLeases(owner, until, renewedAt)}) comes
 *       back with it, one taken or renewed without it without any.</li>
 *   <li>JSON fields ({@code held}, {@code data}, trigger history data) come back as the same JSON
 *       value, not necessarily the same text.</li>
 * </ul>
 *
 * @since 0.1
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
public abstract class SchedulingStoreContractTest {

    /** The instant all test times derive from. */
    protected static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

    /** How often a race whose loser is rare (a check and a write an instant apart) is run. */
    private static final int RACES = 30;

    private SchedulingStore store;
    private String idPrefix;
    private final AtomicInteger counter = new AtomicInteger();

    /**
     * The store under test; called before each test. May return the same instance every time if
     * {@link #wipe(SchedulingStore)} empties it.
     *
     * @return the store, empty
     */
    protected abstract SchedulingStore createStore();

    /**
     * Removes every await, trigger (with its history), tick claim and lease, so that the next test
     * starts from an empty store. The default does nothing, which is right for stores created fresh
     * per test.
     *
     * @param storeToWipe the store the test used
     */
    protected void wipe(SchedulingStore storeToWipe) {
        // fresh stores are empty already
    }

    /**
     * Makes sure a run with this id exists before the test saves awaits or leases for it. The
     * default does nothing; stores whose awaits and leases reference stored runs create the run here
     * (e.g. through their flow store).
     *
     * @param runId the run id the test is about to use
     */
    protected void runExists(String runId) {
        // no runs needed
    }

    /**
     * The flow store whose runs {@link SchedulingStore#startStep} and {@link SchedulingStore#finishStep}
     * change in these tests: the one the engine pairs with this scheduling store (a store keeping runs
     * and leases in one database changes both in one transaction only for its own flow store). May
     * return the same instance every time if {@link #wipe(SchedulingStore)} empties it of runs too.
     *
     * @return the flow store
     */
    protected abstract FlowStore flowStore();

    /**
     * Whether the store refuses {@link SchedulingStore#finishStep} once the lease's owner no longer
     * holds the step's lease, as {@link SchedulingStore#finishStepHolding} does (see
     * {@link SchedulingStore#finishStep}); the default implementation does not.
     *
     * @return false unless overridden
     * @since 0.2
     */
    protected boolean refusesFinishingALostLease() {
        return false;
    }

    /**
     * Whether the changes of runs {@link #flowStore()} stores save the awaits they carry into this store in the
     * change's transaction ({@link SchedulingStore#savesAwaitsWithRunChanges}); the default implementation does not,
     * and the tests of it then check that the store says so.
     *
     * @return false unless overridden
     * @since 0.2
     */
    protected boolean savesAwaitsWithRunChanges() {
        return false;
    }

    /**
     * Whether the store keeps the progress of a step's attempt with its lease
     * ({@link SchedulingStore#recordProgress}, {@link SchedulingStore#progressOfRun}); the default
     * implementation keeps none, and the tests of it are then skipped.
     *
     * @return false unless overridden
     * @since 0.2
     */
    protected boolean keepsProgress() {
        return false;
    }

    /**
     * Whether the store keeps the last heartbeat of a step's attempt with its lease
     * ({@link SchedulingStore#recordHeartbeat}, {@link SchedulingStore#heartbeatsOfRun}); the default
     * implementation keeps none, and the tests of it are then skipped.
     *
     * @return false unless overridden
     * @since 0.2
     */
    protected boolean keepsHeartbeats() {
        return false;
    }

    /**
     * Whether the store keeps instance records ({@link SchedulingStore#saveInstance}); the tests of them are skipped
     * otherwise.
     *
     * @return false unless overridden
     * @since 0.2
     */
    protected boolean keepsInstances() {
        return false;
    }

    /**
     * Whether the store keeps, with an instance record, the build it tells of ({@link
     * io.nvent.spi.InstanceRecord#storeSchema()}, {@link io.nvent.spi.InstanceRecord#commit()}); the test of them is
     * skipped otherwise (a store written before they were added, whose records then say that they are not known).
     *
     * @return {@link #keepsInstances()} unless overridden
     * @since 0.2
     */
    protected boolean keepsInstanceBuilds() {
        return keepsInstances();
    }

    /**
     * Whether the store keeps the {@code fire-all} catch-ups not done yet ({@link SchedulingStore#keepsOwedCatchUps});
     * the tests of them are skipped otherwise.
     *
     * @return false unless overridden
     * @since 0.2
     */
    protected boolean keepsOwedCatchUps() {
        return false;
    }

    /**
     * Whether the store keeps the execution a lease was taken for with it ({@link StepLease#execution()}) and
     * compares it in the writes it makes only while the lease is held; the tests of it are skipped otherwise.
     *
     * @return false unless overridden
     * @since 0.2
     */
    protected boolean keepsLeaseExecutions() {
        return false;
    }

    /**
     * Whether the store holds concurrency keys ({@link SchedulingStore#settleConcurrencyKey} and the methods
     * beside it), and its flow store keeps a run's {@link RunRecord#concurrencyKey()}; the default
     * implementation cannot, which the tests then check instead.
     *
     * @return false unless overridden
     * @since 0.2
     */
    protected boolean holdsConcurrencyKeys() {
        return false;
    }

    /**
     * How many concurrency keys the store keeps a row (an entry) of, for the tests that check a free key keeps none;
     * empty (the default) if the test cannot tell, which skips those checks.
     *
     * @return the number of keys kept, or empty
     * @since 0.2
     */
    protected OptionalInt concurrencyKeysKept() {
        return OptionalInt.empty();
    }

    /**
     * Stores a row (an entry) of a concurrency key no run holds, as an earlier build of nvent 0.2 left one of every
     * key handed to no one; false (the default) if the store keeps no such rows, which the tests then do without.
     *
     * @param key the key
     * @return whether the row was stored
     * @since 0.2
     */
    protected boolean storeARowOfAFreeConcurrencyKey(String key) {
        return false;
    }

    /**
     * The store the current test uses.
     *
     * @return the store {@link #createStore()} returned for this test
     */
    protected final SchedulingStore store() {
        return store;
    }

    @BeforeEach
    void openStore(TestInfo info) {
        store = createStore();
        wipe(store);
        // Ids name the test, which makes leftovers in a shared database easy to attribute.
        idPrefix = info.getTestMethod().map(Method::getName).orElse("test");
        if (idPrefix.length() > 60) {
            idPrefix = idPrefix.substring(0, 60);
        }
    }

    @AfterEach
    void forgetStore() {
        store = null;
    }

    // ---------------------------------------------------------------- awaits: save and find

    @Test
    void savesAnAwaitAndFindsItByIdAndByToken() {
        AwaitRecord await = webhookAwait(newRun(), T0);

        store.saveAwait(await);

        assertSameAwait(store.findAwait(await.awaitId()).orElseThrow(), await);
        assertSameAwait(store.findAwaitByToken(await.token()).orElseThrow(), await);
    }

    @Test
    void findsNoAwaitForAnUnknownIdOrToken() {
        store.saveAwait(webhookAwait(newRun(), T0));

        assertThat(store.findAwait("no-such-await")).isEmpty();
        assertThat(store.findAwaitByToken("no-such-token")).isEmpty();
    }

    @Test
    void keepsEveryFieldOfAnAwait() {
        String runId = newRun();
        AwaitRecord event = new AwaitRecord(id("await"), id("token"), runId, "orders", "ship", AwaitPosition.AFTER,
                AwaitType.EVENT, AwaitStatus.WAITING, T0.plusMillis(123), Optional.of(T0.plusSeconds(60)),
                Optional.of(T0.plusSeconds(3600)), TimeoutAction.RETRY, Optional.of("order.paid"),
                Optional.of("orderId=\"A-1\""), "[{\"event\":\"order.shipped\",\"payload\":{\"box\":3}}]",
                Optional.empty(), Optional.empty());
        AwaitRecord minimal = new AwaitRecord(id("await"), id("token"), runId, "orders", "pay", AwaitPosition.BEFORE,
                AwaitType.WEBHOOK, AwaitStatus.WAITING, T0, Optional.empty(), Optional.empty(), TimeoutAction.FAIL,
                Optional.empty(), Optional.empty(), "[]", Optional.empty(), Optional.empty());

        store.saveAwait(event);
        store.saveAwait(minimal);

        assertSameAwait(store.findAwait(event.awaitId()).orElseThrow(), event);
        assertSameAwait(store.findAwait(minimal.awaitId()).orElseThrow(), minimal);
    }

    // ---------------------------------------------------------------- awaits: close

    @Test
    void closesAWaitingAwaitWithItsStatusDataAndTime() {
        AwaitRecord await = webhookAwait(newRun(), T0);
        store.saveAwait(await);

        Optional<AwaitRecord> closed = store.closeAwait(await.awaitId(), AwaitStatus.RESOLVED,
                Optional.of("{\"approvedBy\":\"ada\"}"), T0.plusSeconds(5));

        AwaitRecord expected = await.closed(AwaitStatus.RESOLVED, Optional.of("{\"approvedBy\":\"ada\"}"),
                T0.plusSeconds(5));
        assertSameAwait(closed.orElseThrow(), expected);
        assertSameAwait(store.findAwait(await.awaitId()).orElseThrow(), expected);
        assertSameAwait(store.findAwaitByToken(await.token()).orElseThrow(), expected);
    }

    @Test
    void closesAnAwaitWithoutData() {
        AwaitRecord await = webhookAwait(newRun(), T0);
        store.saveAwait(await);

        Optional<AwaitRecord> closed = store.closeAwait(await.awaitId(), AwaitStatus.TIMED_OUT, Optional.empty(),
                T0.plusSeconds(5));

        assertSameAwait(closed.orElseThrow(), await.closed(AwaitStatus.TIMED_OUT, Optional.empty(), T0.plusSeconds(5)));
        assertThat(store.findAwait(await.awaitId()).orElseThrow().data()).isEmpty();
    }

    @Test
    void closesAnAwaitOnlyOnce() {
        AwaitRecord await = webhookAwait(newRun(), T0);
        store.saveAwait(await);
        store.closeAwait(await.awaitId(), AwaitStatus.CANCELED, Optional.empty(), T0.plusSeconds(1));

        Optional<AwaitRecord> second = store.closeAwait(await.awaitId(), AwaitStatus.RESOLVED, Optional.of("{}"),
                T0.plusSeconds(2));

        assertThat(second).isEmpty();
        AwaitRecord stored = store.findAwait(await.awaitId()).orElseThrow();
        assertThat(stored.status()).isEqualTo(AwaitStatus.CANCELED);
        assertThat(stored.closedAt()).contains(T0.plusSeconds(1));
        assertThat(stored.data()).isEmpty();
    }

    @Test
    void closesNoUnknownAwait() {
        assertThat(store.closeAwait("no-such-await", AwaitStatus.RESOLVED, Optional.of("{}"), T0)).isEmpty();
    }

    // ---------------------------------------------------------------- awaits saved with the change of their run

    @Test
    void saysWhetherTheChangesOfItsFlowStoresRunsSaveTheirAwaitsWithThem() {
        assertThat(store.savesAwaitsWithRunChanges(flowStore())).isEqualTo(savesAwaitsWithRunChanges());
    }

    @Test
    void aChangeOfARunThatMakesItAwaitingSavesTheAwaitItCarriesWithIt() {
        assumeThat(store.savesAwaitsWithRunChanges(flowStore())).isTrue();
        RunRecord run = storedRun();
        AwaitRecord await = webhookAwait(run.runId(), T0);

        Optional<StoredChange> change = flowStore().updateRun(run.runId(), awaiting(await));

        assertThat(change).map(c -> c.run().status()).contains(RunStatus.AWAITING);
        assertThat(store.findAwait(await.awaitId())).contains(await);
        assertThat(store.findAwaitByToken(await.token())).contains(await);
        assertThat(store.awaitsOfRun(run.runId())).containsExactly(await);
    }

    @Test
    void aStepsFinishThatMakesItsRunAwaitingSavesTheAwaitItCarriesWithItAndGivesTheLeaseUp() {
        assumeThat(store.savesAwaitsWithRunChanges(flowStore())).isTrue();
        RunRecord run = storedRun();
        StepLease lease = new StepLease(run.runId(), "pay", "node-a", T0.plusSeconds(30));
        store.acquireLease(lease, T0);
        AwaitRecord await = webhookAwait(run.runId(), T0);

        assertThat(store.finishStepHolding(flowStore(), lease, awaiting(await))).isPresent();

        assertThat(store.awaitsOfRun(run.runId())).containsExactly(await);
        assertThat(store.leasesOfRun(run.runId())).isEmpty();
    }

    /**
     * An await refused for its own sake (here an id the store holds already) refuses the whole change: the run is not
     * left awaiting an await that is not there, and none of the change's other awaits is kept either.
     */
    @Test
    void aChangeWhoseAwaitTheStoreRefusesStoresNothingOfTheChangeAndSaysWhichAwait() {
        assumeThat(store.savesAwaitsWithRunChanges(flowStore())).isTrue();
        RunRecord run = storedRun();
        AwaitRecord held = webhookAwait(newRun(), T0);
        store.saveAwait(held);
        AwaitRecord fresh = webhookAwait(run.runId(), "ship", T0);
        AwaitRecord sameId = new AwaitRecord(held.awaitId(), id("token"), run.runId(), "expense", "pay",
                AwaitPosition.BEFORE, AwaitType.WEBHOOK, AwaitStatus.WAITING, T0, Optional.empty(), Optional.empty(),
                TimeoutAction.FAIL, Optional.empty(), Optional.empty(), "[]", Optional.empty(), Optional.empty());

        assertThatThrownBy(() -> flowStore().updateRun(run.runId(), awaiting(fresh, sameId)))
                .isInstanceOfSatisfying(AwaitNotSavedException.class, refused -> {
                    assertThat(refused.await()).isEqualTo(sameId);
                    assertThat(refused.refusal()).isNotNull();
                });

        assertUnchanged(run);
        assertThat(store.awaitsOfRun(run.runId())).isEmpty();
        assertThat(store.findAwait(fresh.awaitId())).isEmpty();
        assertThat(store.findAwaitByToken(sameId.token())).isEmpty();
        assertThat(store.findAwait(held.awaitId())).contains(held);
    }

    /**
     * A late attempt whose lease another owner took over learns that it is stale, also when its change carries an await
     * the store would refuse: told {@link AwaitNotSavedException} instead, the engine would store the step's failure
     * in a plain update of the run, failing the step that the other owner runs.
     */
    @Test
    void aFinishUnderALeaseAnotherOwnerTookOverIsStaleAlsoWhenTheStoreWouldRefuseItsAwait() {
        assumeThat(store.savesAwaitsWithRunChanges(flowStore())).isTrue();
        RunRecord run = storedRun();
        StepLease expired = new StepLease(run.runId(), "pay", "node-a", T0.plusSeconds(30));
        store.acquireLease(expired, T0);
        StepLease takenOver = new StepLease(run.runId(), "pay", "node-b", T0.plusSeconds(90));
        store.acquireLease(takenOver, T0.plusSeconds(30));
        AwaitRecord held = webhookAwait(newRun(), T0);
        store.saveAwait(held);
        AwaitRecord sameId = new AwaitRecord(held.awaitId(), id("token"), run.runId(), "expense", "pay",
                AwaitPosition.AFTER, AwaitType.WEBHOOK, AwaitStatus.WAITING, T0, Optional.empty(), Optional.empty(),
                TimeoutAction.FAIL, Optional.empty(), Optional.empty(), "[]", Optional.empty(), Optional.empty());

        assertThatThrownBy(() -> store.finishStepHolding(flowStore(), expired, awaiting(sameId)))
                .isInstanceOf(StaleExecutionException.class);
        if (refusesFinishingALostLease()) {
            assertThatThrownBy(() -> store.finishStep(flowStore(), expired, awaiting(sameId)))
                    .as("its plain finish too").isInstanceOf(StaleExecutionException.class);
        }

        assertUnchanged(run);
        assertThat(store.leasesOfRun(run.runId())).containsExactly(takenOver);
    }

    /** A run change that makes the run (and step {@code pay}) awaiting, saving {@code awaits} with it. */
    private static RunMutation awaiting(AwaitRecord... awaits) {
        return current -> Optional.of(new RunChange(current.withStep("pay", StepStatus.AWAITING)
                .withStatus(RunStatus.AWAITING, T0), List.of(EventDraft.ofStep(EventType.AWAIT_REGISTERED, "pay", 0, T0,
                "{}")), List.of(awaits)));
    }

    /**
     * A run deleted from its flow store (an operator's deletion, a cleared history) takes its awaits
     * along once the engine says runs were deleted, closed or not (a deletion that lands between a
     * cancel's end of the run and its closing of the run's awaits leaves one waiting); those of runs
     * still stored stay.
     */
    @Test
    protected void theAwaitsOfRunsDeletedFromTheFlowStoreAreGoneOnceTheEngineHasDeletedThem() {
        RunRecord deletedAlone = storedRun();
        RunRecord cleared = storedRun();
        RunRecord kept = storedRun();
        List<AwaitRecord> closedOfDeleted = new ArrayList<>();
        for (RunRecord run : List.of(deletedAlone, cleared)) {
            AwaitRecord await = webhookAwait(run.runId(), T0);
            store.saveAwait(await);
            closedOfDeleted.add(store.closeAwait(await.awaitId(), AwaitStatus.RESOLVED, Optional.empty(), T0)
                    .orElseThrow());
        }
        AwaitRecord waitingOfDeleted = webhookAwait(deletedAlone.runId(), T0.plusSeconds(2));
        store.saveAwait(waitingOfDeleted);
        AwaitRecord closedOfKept = webhookAwait(kept.runId(), T0);
        store.saveAwait(closedOfKept);
        store.closeAwait(closedOfKept.awaitId(), AwaitStatus.CANCELED, Optional.empty(), T0);
        AwaitRecord waitingOfKept = webhookAwait(kept.runId(), T0.plusSeconds(1));
        store.saveAwait(waitingOfKept);
        for (RunRecord run : List.of(deletedAlone, cleared)) {
            flowStore().updateRun(run.runId(), current -> Optional.of(new RunChange(
                    current.withStatus(RunStatus.COMPLETED, T0.plusSeconds(5)), List.of())));
        }
        flowStore().deleteFinishedRun(deletedAlone.runId(), flowStore().findRun(deletedAlone.runId()).orElseThrow().version());
        flowStore().deleteFinishedRuns(cleared.flow());

        store.deleteAwaitsOfDeletedRuns(flowStore());

        assertThat(store.findAwait(waitingOfDeleted.awaitId())).as("waiting await of a deleted run").isEmpty();
        assertThat(store.findAwaitByToken(waitingOfDeleted.token())).isEmpty();
        for (AwaitRecord gone : closedOfDeleted) {
            assertThat(store.findAwait(gone.awaitId())).as("await of a deleted run").isEmpty();
            assertThat(store.findAwaitByToken(gone.token())).isEmpty();
            assertThat(store.awaitsOfRun(gone.runId())).isEmpty();
        }
        assertThat(store.listAwaits(false, 100)).extracting(AwaitRecord::awaitId)
                .containsExactly(waitingOfKept.awaitId(), closedOfKept.awaitId());
        assertThat(store.findAwaitByToken(waitingOfKept.token())).isPresent();
    }

    /**
     * The runs the maintenance sweep fails ({@code NVENT-0027}): awaiting a step for which no await waits. A run whose
     * step's await waits is not listed, nor one that is not awaiting; one whose await was closed, or whose other
     * awaiting step has no await, is.
     */
    @Test
    void listsTheRunsAwaitingAStepForWhichNoAwaitWaitsAndNoOthers() {
        Instant at = T0.plus(Duration.ofDays(400));
        RunRecord waitingForItsAwait = awaitingRun(at, "pay");
        store.saveAwait(webhookAwait(waitingForItsAwait.runId(), at));
        RunRecord noAwait = awaitingRun(at.plusSeconds(1), "pay");
        RunRecord awaitClosed = awaitingRun(at.plusSeconds(2), "pay");
        AwaitRecord closed = webhookAwait(awaitClosed.runId(), at);
        store.saveAwait(closed);
        store.closeAwait(closed.awaitId(), AwaitStatus.RESOLVED, Optional.empty(), at);
        RunRecord oneOfTwoStepsWithout = awaitingRun(at.plusSeconds(3), "pay", "ship");
        store.saveAwait(webhookAwait(oneOfTwoStepsWithout.runId(), "pay", at));
        RunRecord bothStepsWaiting = awaitingRun(at.plusSeconds(4), "pay", "ship");
        store.saveAwait(webhookAwait(bothStepsWaiting.runId(), "pay", at));
        store.saveAwait(webhookAwait(bothStepsWaiting.runId(), "ship", at));
        String running = id("run");
        flowStore().createRun(RunRecord.started(running, "contract", "{}", Optional.empty(), at.plusSeconds(5))
                .withStep("pay", StepStatus.RUNNING), List.of());
        String awaitOfAnotherStep = id("run");
        flowStore().createRun(RunRecord.started(awaitOfAnotherStep, "contract", "{}", Optional.empty(),
                at.plusSeconds(6)).withStep("pay", StepStatus.AWAITING).withStatus(RunStatus.AWAITING, at), List.of());
        store.saveAwait(webhookAwait(awaitOfAnotherStep, "ship", at));

        List<String> listed = awaitlessRunIds(100);

        assertThat(listed).contains(noAwait.runId(), awaitClosed.runId(), oneOfTwoStepsWithout.runId(),
                awaitOfAnotherStep).doesNotContain(waitingForItsAwait.runId(), bothStepsWaiting.runId(), running);
    }

    /**
     * A step name is only a name: one ending in the name of another step, after a quote, does not hide that its step
     * awaits no await when the other step's await waits.
     */
    @Test
    void listsARunAwaitingAStepWithNoAwaitWhoseNameEndsInAnotherStepsAfterAQuote() {
        Instant at = T0.plus(Duration.ofDays(450));
        String runId = id("run");
        flowStore().createRun(RunRecord.started(runId, "contract", "{}", Optional.empty(), at)
                .withStep("say \"pay", StepStatus.AWAITING).withStep("pay", StepStatus.RUNNING)
                .withStatus(RunStatus.AWAITING, at), List.of());
        store.saveAwait(webhookAwait(runId, "pay", at));

        assertThat(awaitlessRunIds(100)).contains(runId);
    }

    /** The sweep pages through them from where its last look stopped, newest first, each page at most its limit. */
    @Test
    void pagesThroughTheRunsAwaitingWithNoAwaitNewestFirst() {
        Instant at = T0.plus(Duration.ofDays(500));
        List<String> awaitless = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            awaitless.add(0, awaitingRun(at.plusSeconds(2 * i), "pay").runId());
            RunRecord waiting = awaitingRun(at.plusSeconds(2 * i + 1), "pay");
            store.saveAwait(webhookAwait(waiting.runId(), at));
        }

        List<String> listed = awaitlessRunIds(2);

        assertThat(listed).filteredOn(awaitless::contains).containsExactlyElementsOf(awaitless);
        AwaitlessRuns first = store.runsAwaitingWithoutAwait(flowStore(), Optional.empty(), 2);
        assertThat(first.runs()).hasSizeLessThanOrEqualTo(2);
        assertThat(first.next()).as("more runs are awaiting than one page holds").isPresent();
    }

    /** Every run {@link SchedulingStore#runsAwaitingWithoutAwait} lists, page by page of {@code limit}. */
    private List<String> awaitlessRunIds(int limit) {
        List<String> ids = new ArrayList<>();
        Optional<RunPosition> after = Optional.empty();
        for (int page = 0; page < 10_000; page++) {
            AwaitlessRuns runs = store.runsAwaitingWithoutAwait(flowStore(), after, limit);
            assertThat(runs.runs()).hasSizeLessThanOrEqualTo(limit);
            runs.runs().forEach(run -> ids.add(run.runId()));
            if (runs.next().isEmpty()) {
                return ids;
            }
            after = runs.next();
        }
        throw new AssertionError("the pages of runs awaiting with no await did not end");
    }

    /** A new run of flow {@code contract} awaiting the steps, stored in {@link #flowStore()}. */
    private RunRecord awaitingRun(Instant startedAt, String... steps) {
        RunRecord run = RunRecord.started(id("run"), "contract", "{}", Optional.empty(), startedAt);
        for (String step : steps) {
            run = run.withStep(step, StepStatus.AWAITING);
        }
        flowStore().createRun(run.withStatus(RunStatus.AWAITING, startedAt), List.of());
        return flowStore().findRun(run.runId()).orElseThrow();
    }

    @Test
    void letsExactlyOneOfEightRacingCallersCloseAnAwait() {
        String runId = newRun();
        List<AwaitRecord> awaits = IntStream.range(0, 10).mapToObj(i -> webhookAwait(runId, T0.plusMillis(i))).toList();
        awaits.forEach(store::saveAwait);
        List<List<Integer>> winners = IntStream.range(0, awaits.size())
                .<List<Integer>>mapToObj(i -> Collections.synchronizedList(new ArrayList<>())).toList();

        runConcurrently(8, thread -> {
            for (int i = 0; i < awaits.size(); i++) {
                AwaitStatus status = thread % 2 == 0 ? AwaitStatus.RESOLVED : AwaitStatus.TIMED_OUT;
                if (store.closeAwait(awaits.get(i).awaitId(), status, Optional.of("{\"thread\":" + thread + "}"),
                        T0.plusSeconds(thread)).isPresent()) {
                    winners.get(i).add(thread);
                }
            }
        });

        for (int i = 0; i < awaits.size(); i++) {
            assertThat(winners.get(i)).as("callers that closed await #%d", i).hasSize(1);
            int winner = winners.get(i).get(0);
            AwaitRecord stored = store.findAwait(awaits.get(i).awaitId()).orElseThrow();
            assertThat(stored.status()).isEqualTo(winner % 2 == 0 ? AwaitStatus.RESOLVED : AwaitStatus.TIMED_OUT);
            assertSameJson(stored.data().orElseThrow(), "{\"thread\":" + winner + "}");
            assertThat(stored.closedAt()).contains(T0.plusSeconds(winner));
        }
    }

    // ---------------------------------------------------------------- awaits: queries

    @Test
    void findsWaitingAwaitsWhoseResolveTimeOrTimeoutHasCome() {
        String runId = newRun();
        Instant now = T0.plusSeconds(100);
        AwaitRecord resolvesNow = timeAwait(runId, T0.plusSeconds(3), Optional.of(now), Optional.empty());
        AwaitRecord timedOut = timeAwait(runId, T0.plusSeconds(1), Optional.empty(), Optional.of(now.minusMillis(1)));
        AwaitRecord resolvesLaterButTimedOut = timeAwait(runId, T0.plusSeconds(2), Optional.of(now.plusSeconds(1)),
                Optional.of(T0.plusSeconds(50)));
        AwaitRecord notYet = timeAwait(runId, T0, Optional.of(now.plusMillis(1)), Optional.of(now.plusSeconds(10)));
        AwaitRecord neverByItself = webhookAwait(runId, T0);
        AwaitRecord alreadyClosed = timeAwait(runId, T0, Optional.of(T0.plusSeconds(10)), Optional.empty());
        List.of(notYet, resolvesNow, neverByItself, timedOut, alreadyClosed, resolvesLaterButTimedOut)
                .forEach(store::saveAwait);
        store.closeAwait(alreadyClosed.awaitId(), AwaitStatus.RESOLVED, Optional.of("{}"), T0.plusSeconds(10));

        assertThat(store.dueAwaits(now, 100)).extracting(AwaitRecord::awaitId)
                .containsExactly(timedOut.awaitId(), resolvesLaterButTimedOut.awaitId(), resolvesNow.awaitId());
    }

    @Test
    void treatsAnAwaitAsDueExactlyFromItsResolveTime() {
        AwaitRecord await = timeAwait(newRun(), T0, Optional.of(T0.plusSeconds(30)), Optional.empty());
        store.saveAwait(await);

        assertThat(store.dueAwaits(T0.plusSeconds(30).minusMillis(1), 10)).isEmpty();
        assertThat(store.dueAwaits(T0.plusSeconds(30), 10)).extracting(AwaitRecord::awaitId)
                .containsExactly(await.awaitId());
    }

    @Test
    void limitsDueAwaitsToTheOldest() {
        String runId = newRun();
        List<AwaitRecord> awaits = IntStream.range(0, 5)
                .mapToObj(i -> timeAwait(runId, T0.plusSeconds(10 - i), Optional.of(T0.plusSeconds(20)), Optional.empty()))
                .toList();
        awaits.forEach(store::saveAwait);

        assertThat(store.dueAwaits(T0.plusSeconds(20), 2)).extracting(AwaitRecord::awaitId)
                .containsExactly(awaits.get(4).awaitId(), awaits.get(3).awaitId());
    }

    @Test
    void findsTheWaitingAwaitsOfAnEvent() {
        String runId = newRun();
        AwaitRecord paid = eventAwait(runId, T0, "order.paid");
        AwaitRecord paidToo = eventAwait(runId, T0.plusSeconds(1), "order.paid");
        AwaitRecord paidButClosed = eventAwait(runId, T0.plusSeconds(2), "order.paid");
        AwaitRecord shipped = eventAwait(runId, T0.plusSeconds(3), "order.shipped");
        List.of(paid, paidToo, paidButClosed, shipped, webhookAwait(runId, T0)).forEach(store::saveAwait);
        store.closeAwait(paidButClosed.awaitId(), AwaitStatus.CANCELED, Optional.empty(), T0.plusSeconds(4));

        assertThat(store.waitingForEvent("order.paid")).extracting(AwaitRecord::awaitId)
                .containsExactlyInAnyOrder(paid.awaitId(), paidToo.awaitId());
        assertThat(store.waitingForEvent("order.shipped")).extracting(AwaitRecord::awaitId)
                .containsExactly(shipped.awaitId());
        assertThat(store.waitingForEvent("order.lost")).isEmpty();
    }

    @Test
    void pagesThroughTheWaitingAwaitsOfOneTypeByTheirIds() {
        String runId = newRun();
        List<AwaitRecord> onChildren = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            onChildren.add(childrenAwait(newRun(), T0.plusSeconds(10 - i)));
        }
        onChildren.forEach(store::saveAwait);
        List.of(webhookAwait(runId, T0), eventAwait(runId, T0, "order.paid")).forEach(store::saveAwait);
        store.closeAwait(onChildren.get(2).awaitId(), AwaitStatus.RESOLVED, Optional.of("{}"), T0.plusSeconds(20));
        List<String> waitingById = onChildren.stream().map(AwaitRecord::awaitId)
                .filter(id -> !id.equals(onChildren.get(2).awaitId())).sorted().toList();

        List<AwaitRecord> first = store.waitingAwaitsOfType(AwaitType.CHILDREN, Optional.empty(), 3);
        assertThat(first).extracting(AwaitRecord::awaitId).containsExactlyElementsOf(waitingById.subList(0, 3));
        assertThat(store.waitingAwaitsOfType(AwaitType.CHILDREN, Optional.of(first.get(2).awaitId()), 3))
                .extracting(AwaitRecord::awaitId).containsExactlyElementsOf(waitingById.subList(3, 4));
        assertThat(first.get(0).type()).isEqualTo(AwaitType.CHILDREN);
        assertThat(store.waitingAwaitsOfType(AwaitType.SCHEDULE, Optional.empty(), 3)).isEmpty();
    }

    @Test
    void listsEveryAwaitOfARunOldestFirst() {
        String runId = newRun();
        String otherRun = newRun();
        AwaitRecord first = webhookAwait(runId, T0);
        AwaitRecord second = timeAwait(runId, T0.plusSeconds(1), Optional.of(T0.plusSeconds(9)), Optional.empty());
        AwaitRecord third = eventAwait(runId, T0.plusSeconds(2), "order.paid");
        List.of(first, second, webhookAwait(otherRun, T0.plusSeconds(1)), third).forEach(store::saveAwait);
        store.closeAwait(first.awaitId(), AwaitStatus.RESOLVED, Optional.of("{}"), T0.plusSeconds(5));

        assertThat(store.awaitsOfRun(runId)).extracting(AwaitRecord::awaitId)
                .containsExactly(first.awaitId(), second.awaitId(), third.awaitId());
        assertThat(store.awaitsOfRun(runId).get(0).status()).isEqualTo(AwaitStatus.RESOLVED);
        assertThat(store.awaitsOfRun("no-such-run")).isEmpty();
    }

    /**
     * {@link SchedulingStore#awaitsOfRun} orders by registration time, not by the order the awaits were
     * saved: a store that orders by insertion (an identity column) fails. Protected, so that a backend
     * with a known gap can switch it off (see the class description).
     */
    @Test
    protected void listsTheAwaitsOfARunByRegistrationTimeWhateverTheSaveOrder() {
        String runId = newRun();
        AwaitRecord later = webhookAwait(runId, T0.plusSeconds(2));
        AwaitRecord earlier = webhookAwait(runId, T0.plusSeconds(1));
        store.saveAwait(later);
        store.saveAwait(earlier);

        assertThat(store.awaitsOfRun(runId)).extracting(AwaitRecord::awaitId)
                .containsExactly(earlier.awaitId(), later.awaitId());
    }

    @Test
    void listsAwaitsNewestFirst() {
        String runId = newRun();
        List<AwaitRecord> awaits = IntStream.range(0, 4).mapToObj(i -> webhookAwait(runId, T0.plusSeconds(i))).toList();
        awaits.forEach(store::saveAwait);
        store.closeAwait(awaits.get(2).awaitId(), AwaitStatus.RESOLVED, Optional.of("{}"), T0.plusSeconds(9));

        assertThat(store.listAwaits(false, 10)).extracting(AwaitRecord::awaitId).containsExactly(
                awaits.get(3).awaitId(), awaits.get(2).awaitId(), awaits.get(1).awaitId(), awaits.get(0).awaitId());
        assertThat(store.listAwaits(false, 2)).extracting(AwaitRecord::awaitId)
                .containsExactly(awaits.get(3).awaitId(), awaits.get(2).awaitId());
    }

    @Test
    void listsOnlyWaitingAwaitsWhenAsked() {
        String runId = newRun();
        List<AwaitRecord> awaits = IntStream.range(0, 4).mapToObj(i -> webhookAwait(runId, T0.plusSeconds(i))).toList();
        awaits.forEach(store::saveAwait);
        store.closeAwait(awaits.get(3).awaitId(), AwaitStatus.RESOLVED, Optional.of("{}"), T0.plusSeconds(9));
        store.closeAwait(awaits.get(1).awaitId(), AwaitStatus.CANCELED, Optional.empty(), T0.plusSeconds(9));

        assertThat(store.listAwaits(true, 10)).extracting(AwaitRecord::awaitId)
                .containsExactly(awaits.get(2).awaitId(), awaits.get(0).awaitId());
        assertThat(store.listAwaits(true, 1)).extracting(AwaitRecord::awaitId)
                .containsExactly(awaits.get(2).awaitId());
    }

    /**
     * {@link SchedulingStore#listAwaits} orders by registration time, newest first, not by the order the
     * awaits were saved. Protected, so that a backend with a known gap can switch it off (see the class
     * description).
     */
    @Test
    protected void listsAwaitsByRegistrationTimeWhateverTheSaveOrder() {
        String runId = newRun();
        AwaitRecord later = webhookAwait(runId, T0.plusSeconds(2));
        AwaitRecord earlier = webhookAwait(runId, T0.plusSeconds(1));
        store.saveAwait(later);
        store.saveAwait(earlier);

        assertThat(store.listAwaits(false, 10)).extracting(AwaitRecord::awaitId)
                .containsExactly(later.awaitId(), earlier.awaitId());
    }

    // ---------------------------------------------------------------- triggers

    @Test
    void savesATriggerAndFindsItByName() {
        TriggerRecord schedule = new TriggerRecord(TriggerSpec.newBuilder(id("nightly"), TriggerType.SCHEDULE)
                .flows(List.of("report", "cleanup")).cron("0 2 * * *").timezone(ZoneId.of("Europe/Berlin"))
                .description("Nightly report, then cleanup").enabled(false).build(),
                true, T0, 12, 20, Optional.of(T0.plusSeconds(7)), Optional.of("cleanup: boom"));
        TriggerRecord event = new TriggerRecord(TriggerSpec.newBuilder(id("on-paid"), TriggerType.EVENT)
                .flow("ship").event("order.paid").build(), false, T0.plusSeconds(1), 0, 0, Optional.empty(),
                Optional.empty());

        TriggerRecord interval = new TriggerRecord(TriggerSpec.newBuilder(id("every-36-h"), TriggerType.SCHEDULE)
                .flow("report").every(Duration.ofHours(36)).build(), false, T0, 0, 0, Optional.empty(),
                Optional.empty());

        store.saveTrigger(schedule);
        store.saveTrigger(event);
        store.saveTrigger(interval);

        assertThat(store.findTrigger(schedule.spec().name())).contains(schedule);
        assertThat(store.findTrigger(event.spec().name())).contains(event);
        assertThat(store.findTrigger(interval.spec().name())).contains(interval);
        assertThat(store.findTrigger("no-such-trigger")).isEmpty();
    }

    @Test
    void replacesATriggerSavedAgainUnderItsName() {
        TriggerRecord original = manualTrigger(id("manual"));
        store.saveTrigger(original);
        TriggerRecord replaced = new TriggerRecord(original.spec().toBuilder().flows(List.of("b", "c"))
                .description("now two flows").enabled(false).build(), true, T0.plusSeconds(1), 7, 9,
                Optional.of(T0.plusSeconds(8)), Optional.of("b: failed"));

        store.saveTrigger(replaced);

        assertThat(store.findTrigger(original.spec().name())).contains(replaced);
        assertThat(store.listTriggers()).containsExactly(replaced);
    }

    @Test
    void aScheduleChangedFromACronExpressionToAnIntervalKeepsOnlyTheInterval() {
        TriggerRecord cron = new TriggerRecord(TriggerSpec.newBuilder(id("poll"), TriggerType.SCHEDULE).flow("orders")
                .cron("*/5 * * * *").build(), false, T0, 0, 0, Optional.empty(), Optional.empty());
        store.saveTrigger(cron);
        TriggerRecord interval = cron.withSpec(cron.spec().toBuilder().cron(null).every(Duration.ofSeconds(90)).build());

        store.saveTrigger(interval);

        assertThat(store.findTrigger(cron.spec().name())).map(TriggerRecord::spec)
                .hasValueSatisfying(spec -> assertThat(spec.cron()).isEmpty())
                .hasValueSatisfying(spec -> assertThat(spec.every()).hasValue(Duration.ofSeconds(90)));
    }

    @Test
    void keepsTheFilterOfAnEventTriggerUntilItIsRemoved() {
        TriggerRecord filtered = new TriggerRecord(TriggerSpec.newBuilder(id("eu-orders"), TriggerType.EVENT)
                .flow("ship").event("order.placed").filter("{\"region\":\"eu\",\"order\":{\"total\":2.50,"
                        + "\"tags\":[\"x\",\"é\"]}}").build(), false, T0, 0, 0, Optional.empty(), Optional.empty());
        store.saveTrigger(filtered);

        assertThat(store.findTrigger(filtered.spec().name())).contains(filtered);

        TriggerRecord unfiltered = filtered.withSpec(filtered.spec().withFilter(Optional.empty()));
        store.saveTrigger(unfiltered);

        assertThat(store.findTrigger(filtered.spec().name())).map(TriggerRecord::spec)
                .hasValueSatisfying(spec -> assertThat(spec.filter()).isEmpty());
    }

    @Test
    void keepsTheMisfirePolicyAndGraceOfAScheduleUntilItInheritsThemAgain() {
        TriggerRecord own = new TriggerRecord(TriggerSpec.newBuilder(id("nightly-own"), TriggerType.SCHEDULE)
                .flow("report").cron("0 2 * * *").misfire(Misfire.SKIP).misfireGrace(Duration.ofHours(6)).build(),
                true, T0, 0, 0, Optional.empty(), Optional.empty());
        TriggerRecord firing = new TriggerRecord(TriggerSpec.newBuilder(id("poll-own"), TriggerType.SCHEDULE)
                .flow("orders").every(Duration.ofSeconds(90)).misfire(Misfire.FIRE_ONCE).build(),
                false, T0, 0, 0, Optional.empty(), Optional.empty());
        store.saveTrigger(own);
        store.saveTrigger(firing);

        assertThat(store.findTrigger(own.spec().name())).contains(own);
        assertThat(store.findTrigger(firing.spec().name())).contains(firing);

        TriggerRecord inheriting = own.withSpec(own.spec().toBuilder().misfire(Misfire.INHERIT).misfireGrace(null)
                .build());
        store.saveTrigger(inheriting);

        assertThat(store.findTrigger(own.spec().name())).map(TriggerRecord::spec)
                .hasValueSatisfying(spec -> assertThat(spec.misfire()).isEqualTo(Misfire.INHERIT))
                .hasValueSatisfying(spec -> assertThat(spec.misfireGrace()).isEmpty());
    }

    @Test
    void keepsTheConcurrencyKeyOfATriggerFixedOrReadFromItsPayloadUntilItHasNone() {
        TriggerRecord fixed = new TriggerRecord(TriggerSpec.newBuilder(id("nightly-keyed"), TriggerType.SCHEDULE)
                .flow("report").cron("0 2 * * *").concurrencyKey("all-customers").build(),
                true, T0, 0, 0, Optional.empty(), Optional.empty());
        TriggerRecord pointed = new TriggerRecord(TriggerSpec.newBuilder(id("orders-keyed"), TriggerType.WEBHOOK)
                .flow("orders").concurrencyKeyFrom("/customer/id").concurrencyKeyPrefix("orders:").build(),
                false, T0, 0, 0, Optional.empty(), Optional.empty());
        store.saveTrigger(fixed);
        store.insertTrigger(pointed);

        assertThat(store.findTrigger(fixed.spec().name())).contains(fixed);
        assertThat(store.findTrigger(pointed.spec().name())).contains(pointed);

        TriggerSpec unkeyed = pointed.spec().toBuilder().concurrencyKeyFrom(null).concurrencyKeyPrefix(null).build();
        assertThat(store.replaceTriggerSpec(pointed.spec(), unkeyed)).isTrue();

        assertThat(store.findTrigger(pointed.spec().name())).map(TriggerRecord::spec).contains(unkeyed)
                .hasValueSatisfying(spec -> assertThat(spec.concurrencyKeyFrom()).isEmpty());
    }

    @Test
    void keepsTheConcurrencyLimitOfATriggerUntilItIsOneAgain() {
        TriggerRecord limited = new TriggerRecord(TriggerSpec.newBuilder(id("orders-limited"), TriggerType.WEBHOOK)
                .flow("orders").concurrencyKeyFrom("/customer/id").concurrencyLimit(3).build(),
                false, T0, 0, 0, Optional.empty(), Optional.empty());
        store.insertTrigger(limited);

        assertThat(store.findTrigger(limited.spec().name())).contains(limited);

        TriggerSpec oneAtATime = limited.spec().toBuilder().concurrencyLimit(1).build();
        assertThat(store.replaceTriggerSpec(limited.spec(), oneAtATime)).isTrue();
        assertThat(store.findTrigger(limited.spec().name())).map(TriggerRecord::spec).contains(oneAtATime);

        store.saveTrigger(limited);
        assertThat(store.findTrigger(limited.spec().name())).contains(limited);
    }

    @Test
    void keepsTheLabelsOfATriggerThroughItsChangesUntilTheyAreRemoved() {
        assertThat(store.keepsTriggerLabels()).as("a store keeping a trigger's labels says so, or the engine refuses"
                + " labelled triggers").isTrue();
        TriggerRecord labelled = new TriggerRecord(TriggerSpec.newBuilder(id("nightly-labelled"), TriggerType.SCHEDULE)
                .flow("report").cron("0 2 * * *").labels("nightly", "billing", "Grüße 😀 / ' \"quoted\"").build(),
                true, T0, 0, 0, Optional.empty(), Optional.empty());
        TriggerRecord inserted = new TriggerRecord(TriggerSpec.newBuilder(id("hook-labelled"), TriggerType.WEBHOOK)
                .flow("orders").labels("erp").build(), false, T0, 0, 0, Optional.empty(), Optional.empty());
        store.saveTrigger(labelled);
        store.insertTrigger(inserted);

        assertThat(store.findTrigger(labelled.spec().name())).contains(labelled);
        assertThat(store.findTrigger(inserted.spec().name())).map(TriggerRecord::spec).map(TriggerSpec::labels)
                .contains(java.util.Set.of("erp"));
        assertThat(store.listTriggers()).contains(labelled, inserted);

        TriggerSpec relabelled = labelled.spec().toBuilder().labels("weekly").build();
        assertThat(store.replaceTriggerSpec(labelled.spec(), relabelled)).isTrue();
        assertThat(store.findTrigger(labelled.spec().name())).map(TriggerRecord::spec).contains(relabelled);

        TriggerSpec unlabelled = relabelled.toBuilder().labels(List.of()).build();
        assertThat(store.replaceTriggerSpec(relabelled, unlabelled)).isTrue();
        assertThat(store.findTrigger(labelled.spec().name())).map(TriggerRecord::spec).contains(unlabelled)
                .hasValueSatisfying(spec -> assertThat(spec.labels()).isEmpty());

        store.saveTrigger(labelled);
        assertThat(store.findTrigger(labelled.spec().name())).contains(labelled);
    }

    @Test
    void keepsTheRunTimeoutOfATriggerThroughItsChangesUntilItIsRemoved() {
        assertThat(store.keepsTriggerRunTimeouts()).as("a store keeping a trigger's run timeout says so, or the engine"
                + " refuses triggers with one").isTrue();
        TriggerRecord bounded = new TriggerRecord(TriggerSpec.newBuilder(id("nightly-bounded"), TriggerType.SCHEDULE)
                .flow("report").cron("0 2 * * *").runTimeout(Duration.ofHours(2)).build(),
                true, T0, 0, 0, Optional.empty(), Optional.empty());
        TriggerRecord inserted = new TriggerRecord(TriggerSpec.newBuilder(id("hook-bounded"), TriggerType.WEBHOOK)
                .flow("orders").runTimeout(Duration.ofDays(366)).build(), false, T0, 0, 0, Optional.empty(),
                Optional.empty());
        store.saveTrigger(bounded);
        store.insertTrigger(inserted);

        assertThat(store.findTrigger(bounded.spec().name())).contains(bounded);
        assertThat(store.listTriggers()).contains(bounded, inserted);

        TriggerSpec longer = bounded.spec().toBuilder().runTimeout(Duration.ofMinutes(150)).build();
        assertThat(store.replaceTriggerSpec(bounded.spec(), longer)).isTrue();
        assertThat(store.findTrigger(bounded.spec().name())).map(TriggerRecord::spec).contains(longer);

        TriggerSpec unbounded = longer.toBuilder().runTimeout(null).build();
        assertThat(store.replaceTriggerSpec(longer, unbounded)).isTrue();
        assertThat(store.findTrigger(bounded.spec().name())).map(TriggerRecord::spec).contains(unbounded)
                .hasValueSatisfying(spec -> assertThat(spec.runTimeout()).isEmpty());

        store.saveTrigger(bounded);
        assertThat(store.findTrigger(bounded.spec().name())).contains(bounded);
    }

    @Test
    void keepsTheOverlapPolicyOfATriggerThroughItsChangesUntilItIsSetBackToAllowAll() {
        assertThat(store.keepsTriggerOverlap()).as("a store keeping a trigger's overlap policy says so, or the engine"
                + " refuses triggers with one").isTrue();
        TriggerRecord skipping = new TriggerRecord(TriggerSpec.newBuilder(id("nightly-skipping"), TriggerType.SCHEDULE)
                .flow("report").cron("0 2 * * *").overlap(Overlap.SKIP).build(),
                true, T0, 0, 0, Optional.empty(), Optional.empty());
        TriggerRecord inserted = new TriggerRecord(TriggerSpec.newBuilder(id("hook-canceling"), TriggerType.WEBHOOK)
                .flow("orders").concurrencyKeyFrom("/customerId").overlap(Overlap.CANCEL_OTHER).build(), false, T0, 0,
                0, Optional.empty(), Optional.empty());
        store.saveTrigger(skipping);
        store.insertTrigger(inserted);

        assertThat(store.findTrigger(skipping.spec().name())).contains(skipping);
        assertThat(store.findTrigger(inserted.spec().name())).contains(inserted);
        assertThat(store.listTriggers()).contains(skipping, inserted);

        for (Overlap overlap : List.of(Overlap.BUFFER_ONE, Overlap.BUFFER_ALL, Overlap.ALLOW_ALL, Overlap.SKIP)) {
            TriggerSpec before = store.findTrigger(skipping.spec().name()).orElseThrow().spec();
            TriggerSpec changed = before.toBuilder().overlap(overlap).build();
            assertThat(store.replaceTriggerSpec(before, changed)).as(overlap.wireName()).isTrue();
            assertThat(store.findTrigger(skipping.spec().name())).map(TriggerRecord::spec).contains(changed);
        }
        TriggerSpec skips = store.findTrigger(skipping.spec().name()).orElseThrow().spec();
        assertThat(store.replaceTriggerSpec(skips.toBuilder().overlap(Overlap.BUFFER_ALL).build(), skips))
                .as("a spec that differs in its policy only is another spec").isFalse();

        store.saveTrigger(skipping);
        assertThat(store.findTrigger(skipping.spec().name())).contains(skipping);
    }

    @Test
    void keepsTheExclusionsOfAScheduleThroughItsChangesUntilTheyAreRemoved() {
        assertThat(store.keepsTriggerExclusions()).as("a store keeping a schedule's exclusions says so, or the engine"
                + " refuses triggers with them").isTrue();
        List<String> rules = List.of("2026-12-25", "--12-26", "2026-12-20/2027-01-04", "cron:*/5 0-5 * * *",
                "calendar:uk-bank-holidays");
        TriggerRecord payroll = new TriggerRecord(TriggerSpec.newBuilder(id("payroll-excluding"), TriggerType.SCHEDULE)
                .flow("pay").cron("0 6 * * MON-FRI").timezone(java.time.ZoneId.of("Europe/London")).exclude(rules)
                .build(), true, T0, 0, 0, Optional.empty(), Optional.empty());
        TriggerRecord hundred = new TriggerRecord(TriggerSpec.newBuilder(id("hundred-excluding"), TriggerType.SCHEDULE)
                .flow("pay").every(java.time.Duration.ofHours(1))
                // The most rules of the longest text: 100 of 300 characters.
                .exclude(java.util.Collections.nCopies(100, "cron:0 0 1 1" + " ".repeat(287) + "*")).build(), false,
                T0, 0, 0, Optional.empty(), Optional.empty());
        store.saveTrigger(payroll);
        store.insertTrigger(hundred);

        assertThat(store.findTrigger(payroll.spec().name())).contains(payroll);
        assertThat(store.findTrigger(hundred.spec().name())).contains(hundred);

        TriggerSpec before = payroll.spec();
        TriggerSpec changed = before.toBuilder().exclude("--01-01").build();
        assertThat(store.replaceTriggerSpec(before, changed)).isTrue();
        assertThat(store.findTrigger(before.name())).map(TriggerRecord::spec).contains(changed);
        assertThat(store.replaceTriggerSpec(before, changed)).as("a spec that differs in its exclusions only is another"
                + " spec").isFalse();
        TriggerSpec none = changed.toBuilder().exclude(List.of()).build();
        assertThat(store.replaceTriggerSpec(changed, none)).isTrue();
        assertThat(store.findTrigger(before.name())).map(TriggerRecord::spec).contains(none);
    }

    @Test
    void keepsTheDebounceOfATriggerThroughItsChangesUntilItIsRemoved() {
        assertThat(store.keepsTriggerDebounce()).as("a store keeping debounced triggers says so, or the engine refuses"
                + " them").isTrue();
        TriggerRecord debounced = new TriggerRecord(TriggerSpec.newBuilder(id("crm"), TriggerType.EVENT)
                .event("customer.updated").flow("sync").debounce(Duration.ofSeconds(30)).debounceKeyFrom("/customerId")
                .debounceMax(Duration.ofMinutes(5)).build(), true, T0, 0, 0, Optional.empty(), Optional.empty());
        store.saveTrigger(debounced);
        assertThat(store.findTrigger(debounced.spec().name())).contains(debounced);

        TriggerSpec before = debounced.spec();
        TriggerSpec unbounded = before.toBuilder().debounceMax(null).debounceKeyFrom(null).build();
        assertThat(store.replaceTriggerSpec(before, unbounded)).isTrue();
        assertThat(store.findTrigger(before.name())).map(TriggerRecord::spec).contains(unbounded);
        TriggerSpec none = unbounded.toBuilder().debounce((io.nvent.Debounce) null).build();
        assertThat(store.replaceTriggerSpec(none, unbounded)).as("a spec that differs in its debounce only is another"
                + " spec").isFalse();
        assertThat(store.replaceTriggerSpec(unbounded, none)).isTrue();
        assertThat(store.findTrigger(before.name())).map(TriggerRecord::spec).contains(none);
    }

    @Test
    void opensADebounceSlotOnceFoldsFiresIntoItUpToItsBoundAndHandsTheLatestPayloadToTheRunThatTakesIt() {
        String slot = id("crm") + "\u0000sync\u0000customer-7";
        String first = newRun();
        String second = newRun();

        assertThat(store.openDebounce(slot, first, "{\"v\":1}", T0, T0.plusSeconds(30))).isTrue();
        assertThat(store.openDebounce(slot, second, "{\"v\":2}", T0, T0.plusSeconds(30)))
                .as("of two fires opening one slot, the first opens it").isFalse();

        assertThat(store.foldDebounce(slot, "{\"v\":2}", T0.plusSeconds(20), Duration.ofSeconds(30),
                Optional.of(Duration.ofSeconds(60)))).contains(new DebouncedFire(first, T0, T0.plusSeconds(50), 1));
        assertThat(store.foldDebounce(slot, "{\"v\":3}", T0.plusSeconds(45), Duration.ofSeconds(30),
                Optional.of(Duration.ofSeconds(60)))).as("not past the first fire plus the bound")
                .contains(new DebouncedFire(first, T0, T0.plusSeconds(60), 2));
        assertThat(store.foldDebounce(id("other") + "\u0000sync\u0000k", "{}", T0, Duration.ofSeconds(30),
                Optional.empty())).as("a slot never opened").isEmpty();

        assertThat(store.takeDebounced(second)).as("no slot names it").isEmpty();
        assertThat(store.takeDebounced(first)).contains("{\"v\":3}");
        assertThat(store.takeDebounced(first)).as("taken once").isEmpty();
        assertThat(store.foldDebounce(slot, "{\"v\":4}", T0.plusSeconds(61), Duration.ofSeconds(30),
                Optional.empty())).as("a fire after the start finds no slot").isEmpty();
        assertThat(store.openDebounce(slot, second, "{\"v\":4}", T0.plusSeconds(61), T0.plusSeconds(91))).isTrue();
    }

    @Test
    void keepsTheBatchingOfATriggerThroughItsChangesUntilItIsRemoved() {
        assertThat(store.keepsTriggerBatches()).as("a store keeping batching triggers says so, or the engine refuses"
                + " them").isTrue();
        TriggerRecord batching = new TriggerRecord(TriggerSpec.newBuilder(id("notify"), TriggerType.EVENT)
                .event("notification.created").flow("digest").batch(100, Duration.ofSeconds(10))
                .batchKeyFrom("/userId").build(), true, T0, 0, 0, Optional.empty(), Optional.empty());
        store.saveTrigger(batching);
        assertThat(store.findTrigger(batching.spec().name())).contains(batching);

        TriggerSpec before = batching.spec();
        TriggerSpec whole = before.toBuilder().batchKeyFrom(null).batch(5, Duration.ofMinutes(1)).build();
        assertThat(store.replaceTriggerSpec(before, whole)).isTrue();
        assertThat(store.findTrigger(before.name())).map(TriggerRecord::spec).contains(whole);
        TriggerSpec none = whole.toBuilder().batch((io.nvent.Batch) null).build();
        assertThat(store.replaceTriggerSpec(none, whole)).as("a spec that differs in its batching only is another"
                + " spec").isFalse();
        assertThat(store.replaceTriggerSpec(whole, none)).isTrue();
        assertThat(store.findTrigger(before.name())).map(TriggerRecord::spec).contains(none);
    }

    @Test
    void appendsFiresToABatchInOrderOnceEachUntilItIsFullAndHandsTheArrayToTheRunThatTakesIt() {
        String slot = id("notify") + "\u0000digest\u0000user-7";
        String first = newRun();
        String second = newRun();
        assertThat(store.openDebounce(slot, first, "[{\"n\":1}]", T0, T0.plusSeconds(10))).isTrue();

        assertThat(store.appendBatch(slot, "{\"n\":2}", Optional.of("delivery-2"), 3, 10_000))
                .contains(new BatchedFire(first, T0, T0.plusSeconds(10), 2, true, false));
        assertThat(store.appendBatch(slot, "{\"n\":2}", Optional.of("delivery-2"), 3, 10_000))
                .as("a retry of a fire in the batch").contains(new BatchedFire(first, T0, T0.plusSeconds(10), 2, false,
                        false));
        assertThat(store.appendBatch(slot, "{\"n\":3}", Optional.empty(), 3, 10_000)).as("the fire that fills it")
                .contains(new BatchedFire(first, T0, T0.plusSeconds(10), 3, true, true));
        assertThat(store.appendBatch(slot, "{\"n\":4}", Optional.empty(), 3, 10_000))
                .as("a full batch takes no more fires: the next one opens a new batch").isEmpty();
        assertThat(store.openDebounce(slot, second, "[{\"n\":4}]", T0, T0.plusSeconds(10))).isTrue();

        assertThat(store.takeDebounced(first)).contains("[{\"n\":1},{\"n\":2},{\"n\":3}]");
        assertThat(store.takeDebounced(first)).as("taken once").isEmpty();
        assertThat(store.appendBatch(slot, "{\"n\":5}", Optional.empty(), 3, 10_000))
                .contains(new BatchedFire(second, T0, T0.plusSeconds(10), 2, true, false));
    }

    @Test
    void readsASlotBackByItsRunAndListsTheOverdueOnesEarliestFirstOpenOrClosed() {
        String debounced = id("crm") + "\u0000sync\u0000c 7+%\u00e9/x";
        String batched = id("notify") + "\u0000digest\u0000user-9";
        String pending = newRun();
        String full = newRun();
        store.openDebounce(debounced, pending, "{\"v\":1}", T0, T0.plusSeconds(30));
        store.foldDebounce(debounced, "{\"v\":2}", T0.plusSeconds(5), Duration.ofSeconds(30), Optional.empty());
        store.openDebounce(batched, full, "[{\"n\":1}]", T0, T0.plusSeconds(10));
        store.appendBatch(batched, "{\"n\":2}", Optional.empty(), 2, 10_000);

        PendingSlot open = new PendingSlot(debounced, pending, "{\"v\":2}", T0, T0.plusSeconds(35), 1, false);
        PendingSlot closed = new PendingSlot(batched, full, "[{\"n\":1},{\"n\":2}]", T0, T0.plusSeconds(10), 1, true);
        assertThat(store.debounceSlotOf(pending)).as("the slot whole, its key's characters as they were").contains(open);
        assertThat(store.debounceSlotOf(full)).as("a closed batch, kept for its run").contains(closed);
        assertThat(store.debounceSlotOf(newRun())).isEmpty();
        assertThat(store.overdueDebounceSlots(T0.plusSeconds(36), 1000)).filteredOn(slot -> slot.runId().equals(pending)
                || slot.runId().equals(full)).as("the earliest due first").containsExactly(closed, open);
        assertThat(store.overdueDebounceSlots(T0.plusSeconds(35), 1000)).as("due before, not at")
                .noneMatch(slot -> slot.runId().equals(pending));

        store.takeDebounced(full);
        assertThat(store.debounceSlotOf(full)).as("taken").isEmpty();
        assertThat(store.overdueDebounceSlots(T0.plusSeconds(36), 1000)).noneMatch(slot -> slot.runId().equals(full));
    }

    @Test
    void listsTheOverdueSlotsPageByPageAfterTheOneLookedAtLastByDueTimeThenRunId() {
        Instant base = T0.plus(Duration.ofDays(777));
        List<PendingSlot> opened = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String slot = id("crm") + "\u0000sync\u0000page-" + i;
            String runId = newRun();
            Instant due = base.plusSeconds(i < 3 ? 10 : 10 + i);   // three due at once: their run ids order them
            store.openDebounce(slot, runId, "{\"i\":" + i + "}", base, due);
            opened.add(new PendingSlot(slot, runId, "{\"i\":" + i + "}", base, due, 0, false));
        }
        List<PendingSlot> expected = opened.stream().sorted(PendingSlot.SWEEP_ORDER).toList();
        Instant dueBefore = base.plusSeconds(60);
        // Just before the first of them, so that slots of other cases, due earlier, are left out.
        Optional<PendingSlot> after = Optional.of(new PendingSlot("-", "", "{}", base, base.plusSeconds(9), 0, false));

        List<PendingSlot> seen = new java.util.ArrayList<>();
        List<Integer> pages = new java.util.ArrayList<>();
        for (int look = 0; look < 10; look++) {
            List<PendingSlot> page = store.overdueDebounceSlots(dueBefore, after, 2);
            pages.add(page.size());
            seen.addAll(page);
            if (page.size() < 2) {
                break;
            }
            after = Optional.of(page.get(page.size() - 1));
        }

        assertThat(seen).as("each once, in order, none left out").containsExactlyElementsOf(expected);
        assertThat(pages).as("full pages, then a short one").containsExactly(2, 2, 1);
        assertThat(store.overdueDebounceSlots(base.plusSeconds(11), Optional.of(expected.get(0)), 1000))
                .as("due before, not at; after the one given").containsExactlyElementsOf(expected.subList(1, 3));
    }

    @Test
    void closesABatchThatAFireWouldMakeTooLargeWithoutIt() {
        String slot = id("notify") + "\u0000digest\u0000user-8";
        String runId = newRun();
        assertThat(store.openDebounce(slot, runId, "[{\"n\":1}]", T0, T0.plusSeconds(10))).isTrue();

        assertThat(store.appendBatch(slot, "{\"n\":2,\"text\":\"" + "\u00e9".repeat(20) + "\"}", Optional.empty(), 100,
                40)).as("40 bytes of UTF-8 hold no 20 two-byte characters more")
                .contains(new BatchedFire(runId, T0, T0.plusSeconds(10), 1, false, true));
        assertThat(store.appendBatch(slot, "{\"n\":3}", Optional.empty(), 100, 40)).isEmpty();
        assertThat(store.takeDebounced(runId)).contains("[{\"n\":1}]");
    }

    @Test
    void movesTheTimeOfAWaitingTimeAwaitOnly() {
        String runId = newRun();
        AwaitRecord waiting = timeAwait(runId, T0, Optional.of(T0.plusSeconds(30)), Optional.empty());
        store.saveAwait(waiting);

        assertThat(store.moveAwait(waiting.awaitId(), T0.plusSeconds(90))).isTrue();
        assertThat(store.findAwait(waiting.awaitId()).orElseThrow().resolveAt()).contains(T0.plusSeconds(90));
        assertThat(store.dueAwaits(T0.plusSeconds(60), 10)).extracting(AwaitRecord::awaitId)
                .doesNotContain(waiting.awaitId());

        store.closeAwait(waiting.awaitId(), AwaitStatus.RESOLVED, Optional.of("{}"), T0.plusSeconds(90));
        assertThat(store.moveAwait(waiting.awaitId(), T0.plusSeconds(120))).as("closed").isFalse();
        assertThat(store.moveAwait(id("no-await"), T0.plusSeconds(120))).isFalse();
    }

    @Test
    void movesTheTimeOfAWaitingTimeAwaitEarlierTooAsABatchFilledBeforeItsWindowEndsStartsItsRunAtOnce() {
        String runId = newRun();
        AwaitRecord waiting = timeAwait(runId, T0, Optional.of(T0.plusSeconds(30)), Optional.empty());
        store.saveAwait(waiting);

        assertThat(store.moveAwait(waiting.awaitId(), T0.plusSeconds(5))).as("earlier").isTrue();
        assertThat(store.findAwait(waiting.awaitId()).orElseThrow().resolveAt()).contains(T0.plusSeconds(5));
        assertThat(store.dueAwaits(T0.plusSeconds(5), 10)).extracting(AwaitRecord::awaitId)
                .contains(waiting.awaitId());
    }

    @Test
    void movesTheTimeOfAWaitingTimeAwaitOnlyLaterWhenAskedToSoThatAnEarlierMoveAfterALaterOneLeavesTheLaterTime() {
        String runId = newRun();
        AwaitRecord waiting = timeAwait(runId, T0, Optional.of(T0.plusSeconds(30)), Optional.empty());
        store.saveAwait(waiting);

        assertThat(store.moveAwaitLater(waiting.awaitId(), T0.plusSeconds(50))).as("later").isTrue();
        assertThat(store.moveAwaitLater(waiting.awaitId(), T0.plusSeconds(40))).as("earlier, written last").isFalse();
        assertThat(store.moveAwaitLater(waiting.awaitId(), T0.plusSeconds(50))).as("the same time").isFalse();
        assertThat(store.findAwait(waiting.awaitId()).orElseThrow().resolveAt()).contains(T0.plusSeconds(50));

        store.closeAwait(waiting.awaitId(), AwaitStatus.RESOLVED, Optional.of("{}"), T0.plusSeconds(50));
        assertThat(store.moveAwaitLater(waiting.awaitId(), T0.plusSeconds(120))).as("closed").isFalse();
        assertThat(store.moveAwaitLater(id("no-await"), T0.plusSeconds(120))).isFalse();
    }

    @Test
    void movesTheTimeoutOfAWaitingAwaitOnlyFromTheTimeoutItStillHoldsSoThatOfTwoMovesAtOnceOneWins() {
        org.junit.jupiter.api.Assumptions.assumeTrue(store.movesAwaitTimeouts(), "the store moves no await timeouts");
        String runId = newRun();
        AwaitRecord waiting = timeAwait(runId, T0, Optional.empty(), Optional.of(T0.plusSeconds(60)));
        store.saveAwait(waiting);

        assertThat(store.moveAwaitTimeout(waiting.awaitId(), T0.plusSeconds(60), T0.plusSeconds(600)))
                .as("later").isTrue();
        assertThat(store.findAwait(waiting.awaitId()).orElseThrow().timeoutAt()).contains(T0.plusSeconds(600));
        assertThat(store.dueAwaits(T0.plusSeconds(300), 10)).as("not at its old timeout")
                .extracting(AwaitRecord::awaitId).doesNotContain(waiting.awaitId());
        assertThat(store.moveAwaitTimeout(waiting.awaitId(), T0.plusSeconds(60), T0.plusSeconds(30)))
                .as("a move from the timeout it no longer holds").isFalse();
        assertThat(store.findAwait(waiting.awaitId()).orElseThrow().timeoutAt()).contains(T0.plusSeconds(600));

        assertThat(store.moveAwaitTimeout(waiting.awaitId(), T0.plusSeconds(600), T0.plusSeconds(10)))
                .as("earlier").isTrue();
        assertThat(store.dueAwaits(T0.plusSeconds(10), 10)).extracting(AwaitRecord::awaitId)
                .contains(waiting.awaitId());

        store.closeAwait(waiting.awaitId(), AwaitStatus.TIMED_OUT, Optional.empty(), T0.plusSeconds(10));
        assertThat(store.moveAwaitTimeout(waiting.awaitId(), T0.plusSeconds(10), T0.plusSeconds(900)))
                .as("closed").isFalse();
        assertThat(store.findAwait(waiting.awaitId()).orElseThrow().timeoutAt()).contains(T0.plusSeconds(10));
        assertThat(store.moveAwaitTimeout(id("no-await"), T0.plusSeconds(10), T0.plusSeconds(900))).isFalse();
    }

    @Test
    void timesOutAWaitingAwaitOnlyAtTheTimeoutItStillHoldsSoThatAMovedTimeoutDoesNotFireAtTheOldTime() {
        org.junit.jupiter.api.Assumptions.assumeTrue(store.movesAwaitTimeouts(), "the store moves no await timeouts");
        String runId = newRun();
        AwaitRecord waiting = timeAwait(runId, T0, Optional.empty(), Optional.of(T0.plusSeconds(60)));
        store.saveAwait(waiting);
        // a time with nanoseconds, as a console sends it: read back as the store keeps it, it moves and closes again
        Instant precise = T0.plusSeconds(120).plusNanos(123_456_789);
        assertThat(store.moveAwaitTimeout(waiting.awaitId(), T0.plusSeconds(60), precise)).isTrue();
        Instant held = store.findAwait(waiting.awaitId()).orElseThrow().timeoutAt().orElseThrow();

        assertThat(store.timeOutAwait(waiting.awaitId(), T0.plusSeconds(60), T0.plusSeconds(130)))
                .as("closed at the timeout it no longer holds").isEmpty();
        assertThat(store.findAwait(waiting.awaitId()).orElseThrow().status()).isEqualTo(AwaitStatus.WAITING);
        assertThat(store.moveAwaitTimeout(waiting.awaitId(), held, T0.plusSeconds(90)))
                .as("moved from the timeout as read back").isTrue();
        Instant again = store.findAwait(waiting.awaitId()).orElseThrow().timeoutAt().orElseThrow();
        assertThat(store.timeOutAwait(waiting.awaitId(), again, T0.plusSeconds(130))).isPresent()
                .get().extracting(AwaitRecord::status).isEqualTo(AwaitStatus.TIMED_OUT);
        assertThat(store.timeOutAwait(waiting.awaitId(), again, T0.plusSeconds(131))).as("closed once").isEmpty();
    }

    @Test
    void listsEveryTrigger() {
        TriggerRecord a = manualTrigger(id("a"));
        TriggerRecord b = new TriggerRecord(TriggerSpec.newBuilder(id("b"), TriggerType.WEBHOOK).flow("orders").build(),
                false, T0, 0, 0, Optional.empty(), Optional.empty());
        TriggerRecord c = manualTrigger(id("c"));
        List.of(b, c, a).forEach(store::saveTrigger);

        assertThat(store.listTriggers()).containsExactlyInAnyOrder(a, b, c);
    }

    @Test
    void deletesATriggerWithItsHistory() {
        TriggerRecord trigger = manualTrigger(id("doomed"));
        TriggerRecord survivor = manualTrigger(id("survivor"));
        store.saveTrigger(trigger);
        store.saveTrigger(survivor);
        store.appendTriggerEvent(trigger.spec().name(), "trigger.registered", T0, "{}");
        store.appendTriggerEvent(trigger.spec().name(), "trigger.fired", T0.plusSeconds(1), "{}");
        store.appendTriggerEvent(survivor.spec().name(), "trigger.registered", T0, "{}");

        assertThat(store.deleteTrigger(trigger.spec().name())).isTrue();

        assertThat(store.findTrigger(trigger.spec().name())).isEmpty();
        assertThat(store.triggerHistory(trigger.spec().name(), 10)).isEmpty();
        assertThat(store.listTriggers()).containsExactly(survivor);
        assertThat(store.triggerHistory(survivor.spec().name(), 10)).hasSize(1);
        assertThat(store.deleteTrigger(trigger.spec().name())).isFalse();
        assertThat(store.deleteTrigger("no-such-trigger")).isFalse();
    }

    @Test
    void startsTheHistoryAfreshWhenADeletedTriggerIsCreatedAgain() {
        TriggerRecord trigger = manualTrigger(id("again"));
        store.saveTrigger(trigger);
        store.appendTriggerEvent(trigger.spec().name(), "trigger.registered", T0, "{}");
        store.appendTriggerEvent(trigger.spec().name(), "trigger.fired", T0, "{}");
        store.deleteTrigger(trigger.spec().name());

        store.saveTrigger(trigger);
        TriggerEvent first = store.appendTriggerEvent(trigger.spec().name(), "trigger.registered", T0.plusSeconds(9),
                "{}");

        assertThat(first.seq()).isEqualTo(1);
        assertThat(store.triggerHistory(trigger.spec().name(), 10)).extracting(TriggerEvent::seq).containsExactly(1L);
    }

    // ---------------------------------------------------------------- trigger statistics

    @Test
    void recordsFiresInTheStatistics() {
        TriggerRecord trigger = manualTrigger(id("fired"));
        store.saveTrigger(trigger);

        store.recordFire(trigger.spec().name(), T0.plusSeconds(1), 2, Optional.empty());
        store.recordFire(trigger.spec().name(), T0.plusSeconds(2), 1, Optional.of("b: flow not found"));

        TriggerRecord stored = store.findTrigger(trigger.spec().name()).orElseThrow();
        assertThat(stored.fires()).isEqualTo(2);
        assertThat(stored.runsStarted()).isEqualTo(3);
        assertThat(stored.lastFiredAt()).contains(T0.plusSeconds(2));
        assertThat(stored.lastError()).contains("b: flow not found");
        assertThat(stored.spec()).isEqualTo(trigger.spec());
        assertThat(stored.createdAt()).isEqualTo(trigger.createdAt());
        assertThat(stored.declared()).isEqualTo(trigger.declared());
    }

    @Test
    void addsTheRunsThatCompleteAFireToItWithoutCountingAnother() {
        TriggerRecord trigger = manualTrigger(id("completed"));
        store.saveTrigger(trigger);
        store.recordFire(trigger.spec().name(), T0.plusSeconds(1), 1, Optional.of("b: store gone"));

        store.recordRunsStarted(trigger.spec().name(), 1, Optional.empty());
        store.recordRunsStarted(trigger.spec().name(), 2, Optional.of("c: store gone"));

        TriggerRecord stored = store.findTrigger(trigger.spec().name()).orElseThrow();
        assertThat(stored.fires()).isEqualTo(1);
        assertThat(stored.runsStarted()).isEqualTo(4);
        assertThat(stored.lastFiredAt()).contains(T0.plusSeconds(1));
        assertThat(stored.lastError()).contains("c: store gone");
    }

    @Test
    void keepsTheLastErrorWhenALaterFireHasNone() {
        TriggerRecord trigger = manualTrigger(id("flaky"));
        store.saveTrigger(trigger);
        store.recordFire(trigger.spec().name(), T0.plusSeconds(1), 0, Optional.of("a: boom"));

        store.recordFire(trigger.spec().name(), T0.plusSeconds(2), 1, Optional.empty());

        TriggerRecord stored = store.findTrigger(trigger.spec().name()).orElseThrow();
        assertThat(stored.lastError()).contains("a: boom");
        assertThat(stored.lastFiredAt()).contains(T0.plusSeconds(2));
        assertThat(stored.fires()).isEqualTo(2);
    }

    @Test
    void ignoresFiresOfAnUnknownTrigger() {
        store.recordFire("no-such-trigger", T0, 1, Optional.of("boom"));

        assertThat(store.findTrigger("no-such-trigger")).isEmpty();
        assertThat(store.listTriggers()).isEmpty();
    }

    @Test
    void countsEveryOneOfEightHundredConcurrentFires() {
        TriggerRecord trigger = manualTrigger(id("busy"));
        store.saveTrigger(trigger);
        store.recordFire(trigger.spec().name(), T0, 0, Optional.of("first fire failed"));
        int threads = 16;
        int firesPerThread = 50;

        runConcurrently(threads, thread -> {
            for (int i = 0; i < firesPerThread; i++) {
                store.recordFire(trigger.spec().name(), T0.plusSeconds(1), thread % 3, Optional.empty());
            }
        });

        TriggerRecord stored = store.findTrigger(trigger.spec().name()).orElseThrow();
        assertThat(stored.fires()).isEqualTo(1 + threads * firesPerThread);
        assertThat(stored.runsStarted()).isEqualTo(IntStream.range(0, threads).map(t -> t % 3).sum() * firesPerThread);
        assertThat(stored.lastError()).contains("first fire failed");
        assertThat(stored.lastFiredAt()).contains(T0.plusSeconds(1));
    }

    @Test
    void insertsATriggerOnlyUnderANameNotTakenAndLeavesTheOneThatTookItAsItIs() {
        TriggerRecord first = manualTrigger(id("inserted"));

        assertThat(store.insertTrigger(first)).isTrue();
        store.recordFire(first.spec().name(), T0.plusSeconds(1), 2, Optional.empty());
        TriggerRecord fired = store.findTrigger(first.spec().name()).orElseThrow();
        TriggerRecord second = new TriggerRecord(first.spec().toBuilder().flows(List.of("b")).enabled(false).build(),
                true, T0.plusSeconds(5), 0, 0, Optional.empty(), Optional.empty());

        assertThat(store.insertTrigger(second)).isFalse();
        assertThat(store.findTrigger(first.spec().name())).contains(fired);
        assertThat(fired.fires()).isEqualTo(1);
    }

    @Test
    void ofInstancesInsertingOneTriggerAtOnceExactlyOneInsertsItAndItsDefinitionIsStored() {
        int threads = 8;
        for (int round = 0; round < RACES; round++) {
            String name = id("raced");
            List<TriggerRecord> definitions = IntStream.range(0, threads).mapToObj(thread -> new TriggerRecord(
                    TriggerSpec.newBuilder(name, TriggerType.MANUAL).flow("flow-" + thread).build(), false, T0, 0, 0,
                    Optional.empty(), Optional.empty())).toList();
            List<TriggerRecord> inserted = Collections.synchronizedList(new ArrayList<>());

            runConcurrently(threads, thread -> {
                if (store.insertTrigger(definitions.get(thread))) {
                    inserted.add(definitions.get(thread));
                }
            });

            assertThat(inserted).as("race %d", round).hasSize(1);
            assertThat(store.findTrigger(name)).contains(inserted.get(0));
        }
    }

    @Test
    void replacesATriggersDefinitionOnlyWhileItIsAsExpectedKeepingItsStatistics() {
        TriggerRecord trigger = manualTrigger(id("replaced"));
        store.saveTrigger(trigger);
        store.recordFire(trigger.spec().name(), T0.plusSeconds(1), 2, Optional.of("one flow failed"));
        TriggerSpec twoFlows = trigger.spec().toBuilder().flows(List.of("a", "b")).build();

        assertThat(store.replaceTriggerSpec(trigger.spec(), twoFlows)).isTrue();

        TriggerRecord replaced = store.findTrigger(trigger.spec().name()).orElseThrow();
        assertThat(replaced.spec()).isEqualTo(twoFlows);
        assertThat(replaced).isEqualTo(new TriggerRecord(twoFlows, false, T0, 1, 2, Optional.of(T0.plusSeconds(1)),
                Optional.of("one flow failed")));

        // Read before the change above: it is not undone, nor is a disable stored since a read.
        assertThat(store.replaceTriggerSpec(trigger.spec(), trigger.spec().withEnabled(false))).isFalse();
        assertThat(store.replaceTriggerSpec(twoFlows.withEnabled(false), twoFlows.toBuilder().flows(List.of("c"))
                .build())).isFalse();
        assertThat(store.findTrigger(trigger.spec().name())).contains(replaced);
        assertThat(store.replaceTriggerSpec(manualTrigger("no-such-trigger").spec(),
                manualTrigger("no-such-trigger").spec())).isFalse();
        assertThat(store.findTrigger("no-such-trigger")).isEmpty();
    }

    @Test
    void ofCallersReplacingTheSameDefinitionAtOnceExactlyOneReplacesIt() {
        int threads = 8;
        for (int round = 0; round < RACES; round++) {
            TriggerRecord trigger = manualTrigger(id("contended"));
            store.saveTrigger(trigger);
            List<TriggerSpec> replacements = IntStream.range(0, threads).mapToObj(thread -> trigger.spec().toBuilder()
                    .flows(List.of("flow-" + thread)).build()).toList();
            List<TriggerSpec> replaced = Collections.synchronizedList(new ArrayList<>());

            runConcurrently(threads, thread -> {
                if (store.replaceTriggerSpec(trigger.spec(), replacements.get(thread))) {
                    replaced.add(replacements.get(thread));
                }
            });

            assertThat(replaced).as("race %d", round).hasSize(1);
            assertThat(store.findTrigger(trigger.spec().name())).map(TriggerRecord::spec).contains(replaced.get(0));
        }
    }

    @Test
    void switchesWhetherATriggerIsDeclaredOnlyWhileItAndItsDefinitionAreAsReadKeepingItsStatistics() {
        TriggerRecord runtime = manualTrigger(id("switched"));
        store.saveTrigger(runtime);
        store.recordFire(runtime.spec().name(), T0.plusSeconds(1), 1, Optional.empty());
        TriggerRecord read = store.findTrigger(runtime.spec().name()).orElseThrow();
        TriggerSpec declaredSpec = runtime.spec().toBuilder().flows(List.of("a", "b")).build();

        assertThat(store.replaceTrigger(read, declaredSpec, true)).isTrue();

        TriggerRecord declared = store.findTrigger(runtime.spec().name()).orElseThrow();
        assertThat(declared).isEqualTo(new TriggerRecord(declaredSpec, true, T0, 1, 1,
                Optional.of(T0.plusSeconds(1)), Optional.empty()));
        // Read before the switch above: neither it nor the definition stored with it is undone.
        assertThat(store.replaceTrigger(read, runtime.spec(), true)).isFalse();
        assertThat(store.replaceTrigger(read.withSpec(declaredSpec), declaredSpec.withEnabled(false), false)).isFalse();
        assertThat(store.findTrigger(runtime.spec().name())).contains(declared);
        // A fire counted since the read is no change of the definition, and is kept.
        store.recordFire(runtime.spec().name(), T0.plusSeconds(2), 1, Optional.empty());
        assertThat(store.replaceTrigger(declared, declaredSpec.withEnabled(false), false)).isTrue();
        assertThat(store.findTrigger(runtime.spec().name())).contains(new TriggerRecord(declaredSpec.withEnabled(false),
                false, T0, 2, 2, Optional.of(T0.plusSeconds(2)), Optional.empty()));
        assertThat(store.replaceTrigger(manualTrigger("no-such-trigger"), manualTrigger("no-such-trigger").spec(),
                true)).isFalse();
        assertThat(store.findTrigger("no-such-trigger")).isEmpty();
    }

    @Test
    void ofCallersSwitchingOrChangingTheSameTriggerAtOnceExactlyOneStoresItsChange() {
        int threads = 8;
        for (int round = 0; round < RACES; round++) {
            TriggerRecord trigger = manualTrigger(id("switched-together"));
            store.saveTrigger(trigger);
            List<TriggerSpec> replacements = IntStream.range(0, threads).mapToObj(thread -> trigger.spec().toBuilder()
                    .flows(List.of("flow-" + thread)).build()).toList();
            List<TriggerRecord> stored = Collections.synchronizedList(new ArrayList<>());

            // As instances starting with other code (switching it to declared) and an operator's change, at once.
            runConcurrently(threads, thread -> {
                boolean declares = thread % 2 == 0;
                if (declares ? store.replaceTrigger(trigger, replacements.get(thread), true)
                        : store.replaceTriggerSpec(trigger.spec(), replacements.get(thread))) {
                    stored.add(trigger.withSpec(replacements.get(thread)).withDeclared(declares));
                }
            });

            assertThat(stored).as("race %d", round).hasSize(1);
            assertThat(store.findTrigger(trigger.spec().name())).contains(stored.get(0));
        }
    }

    // ---------------------------------------------------------------- trigger history

    @Test
    void appendsTriggerHistoryNumberedFromOne() {
        TriggerRecord trigger = manualTrigger(id("history"));
        store.saveTrigger(trigger);

        TriggerEvent registered = store.appendTriggerEvent(trigger.spec().name(), "trigger.registered", T0,
                "{\"type\":\"manual\",\"flows\":[\"a\"]}");
        TriggerEvent fired = store.appendTriggerEvent(trigger.spec().name(), "trigger.fired", T0.plusMillis(1500),
                "{\"runs\":[\"r-1\"]}");

        assertThat(registered.trigger()).isEqualTo(trigger.spec().name());
        assertThat(registered.seq()).isEqualTo(1);
        assertThat(registered.type()).isEqualTo("trigger.registered");
        assertThat(registered.timestamp()).isEqualTo(T0);
        assertSameJson(registered.data(), "{\"type\":\"manual\",\"flows\":[\"a\"]}");
        assertThat(fired.seq()).isEqualTo(2);
        List<TriggerEvent> history = store.triggerHistory(trigger.spec().name(), 10);
        assertThat(history).extracting(TriggerEvent::seq).containsExactly(2L, 1L);
        assertThat(history).extracting(TriggerEvent::type).containsExactly("trigger.fired", "trigger.registered");
        assertThat(history.get(0).timestamp()).isEqualTo(T0.plusMillis(1500));
        assertSameJson(history.get(0).data(), "{\"runs\":[\"r-1\"]}");
        assertThat(history.get(1).trigger()).isEqualTo(trigger.spec().name());
    }

    @Test
    void readsTheNewestHistoryEntriesUpToALimit() {
        TriggerRecord trigger = manualTrigger(id("long-history"));
        store.saveTrigger(trigger);
        for (int i = 0; i < 7; i++) {
            store.appendTriggerEvent(trigger.spec().name(), "trigger.fired", T0.plusSeconds(i), "{\"i\":" + i + "}");
        }

        List<TriggerEvent> newest = store.triggerHistory(trigger.spec().name(), 3);

        assertThat(newest).extracting(TriggerEvent::seq).containsExactly(7L, 6L, 5L);
        assertSameJson(newest.get(0).data(), "{\"i\":6}");
        assertThat(store.triggerHistory("no-such-trigger", 3)).isEmpty();
    }

    @Test
    void pagesAHistoryOfSomeEntryTypesDownFromAPosition() {
        TriggerRecord trigger = manualTrigger(id("typed-history"));
        TriggerRecord other = manualTrigger(id("other-history"));
        store.saveTrigger(trigger);
        store.saveTrigger(other);
        String name = trigger.spec().name();
        store.appendTriggerEvent(name, "trigger.registered", T0, "{}");                     // 1
        for (int i = 0; i < 6; i++) {                                                          // 2..7
            store.appendTriggerEvent(name, i % 2 == 0 ? "trigger.fired" : "trigger.failed", T0.plusSeconds(i), "{}");
        }
        store.appendTriggerEvent(name, "trigger.disabled", T0.plusSeconds(9), "{}");           // 8
        store.appendTriggerEvent(other.spec().name(), "trigger.fired", T0, "{}");

        List<TriggerEvent> firstPage = store.triggerHistory(name, Set.of("trigger.fired"), OptionalLong.empty(), 2);
        List<TriggerEvent> secondPage = store.triggerHistory(name, Set.of("trigger.fired"),
                OptionalLong.of(firstPage.get(1).seq()), 2);

        assertThat(firstPage).extracting(TriggerEvent::seq).containsExactly(6L, 4L);
        assertThat(secondPage).extracting(TriggerEvent::seq).containsExactly(2L);
        assertThat(store.triggerHistory(name, Set.of("trigger.registered", "trigger.disabled"), OptionalLong.empty(), 10))
                .extracting(TriggerEvent::type).containsExactly("trigger.disabled", "trigger.registered");
        assertThat(store.triggerHistory(name, Set.of(), OptionalLong.of(4), 10)).extracting(TriggerEvent::seq)
                .containsExactly(3L, 2L, 1L);
        assertThat(store.triggerHistory(name, Set.of("trigger.completed"), OptionalLong.empty(), 10)).isEmpty();
        assertThat(store.triggerHistory("no-such-trigger", Set.of(), OptionalLong.empty(), 10)).isEmpty();
    }

    @Test
    void numbersTheHistoryOfEachTriggerSeparately() {
        TriggerRecord a = manualTrigger(id("a"));
        TriggerRecord b = manualTrigger(id("b"));
        store.saveTrigger(a);
        store.saveTrigger(b);

        store.appendTriggerEvent(a.spec().name(), "trigger.registered", T0, "{}");
        store.appendTriggerEvent(a.spec().name(), "trigger.fired", T0, "{}");
        TriggerEvent firstOfB = store.appendTriggerEvent(b.spec().name(), "trigger.registered", T0, "{}");

        assertThat(firstOfB.seq()).isEqualTo(1);
        assertThat(store.triggerHistory(a.spec().name(), 10)).extracting(TriggerEvent::seq).containsExactly(2L, 1L);
    }

    @Test
    void appendsConcurrentHistoryWithoutGapsOrDuplicates() {
        TriggerRecord trigger = manualTrigger(id("crowded"));
        store.saveTrigger(trigger);
        int threads = 8;
        int perThread = 25;
        List<Long> handedOut = Collections.synchronizedList(new ArrayList<>());

        runConcurrently(threads, thread -> {
            for (int i = 0; i < perThread; i++) {
                handedOut.add(store.appendTriggerEvent(trigger.spec().name(), "trigger.fired", T0.plusSeconds(i),
                        "{\"thread\":" + thread + "}").seq());
            }
        });

        List<Long> expected = LongStream.rangeClosed(1, threads * perThread).boxed().toList();
        assertThat(handedOut).containsExactlyInAnyOrderElementsOf(expected);
        List<Long> newestFirst = new ArrayList<>(expected);
        Collections.reverse(newestFirst);
        assertThat(store.triggerHistory(trigger.spec().name(), 1000)).extracting(TriggerEvent::seq)
                .containsExactlyElementsOf(newestFirst);
    }

    @Test
    void trimsEachTriggersHistoryToItsNewestEntriesAndNumbersLaterOnesOn() {
        TriggerRecord busy = manualTrigger(id("busy"));
        TriggerRecord quiet = manualTrigger(id("quiet"));
        store.saveTrigger(busy);
        store.saveTrigger(quiet);
        for (int i = 1; i <= 7; i++) {
            store.appendTriggerEvent(busy.spec().name(), "trigger.fired", T0.plusSeconds(i), "{\"i\":" + i + "}");
        }
        store.appendTriggerEvent(quiet.spec().name(), "trigger.registered", T0, "{}");

        assertThat(store.trimTriggerHistory(3)).isEqualTo(4);
        assertThat(store.trimTriggerHistory(3)).isZero();

        assertThat(store.triggerHistory(busy.spec().name(), 10)).extracting(TriggerEvent::seq)
                .containsExactly(7L, 6L, 5L);
        assertThat(store.triggerHistory(quiet.spec().name(), 10)).extracting(TriggerEvent::seq).containsExactly(1L);
        TriggerEvent next = store.appendTriggerEvent(busy.spec().name(), "trigger.fired", T0.plusSeconds(8), "{}");
        assertThat(next.seq()).isEqualTo(8);
        assertThatThrownBy(() -> store.trimTriggerHistory(0)).isInstanceOf(IllegalArgumentException.class);
    }

    // ---------------------------------------------------------------- queue pauses

    @Test
    void keepsAQueuePausedUntilItIsResumedAndTakesEitherAgainAsNoChange() {
        String orders = id("orders");
        String mail = id("mail");
        store.setQueuePaused(orders, true);
        store.setQueuePaused(orders, true);
        store.setQueuePaused(mail, true);

        assertThat(store.pausedQueues()).contains(orders, mail);

        store.setQueuePaused(orders, false);
        store.setQueuePaused(orders, false);

        assertThat(store.pausedQueues()).contains(mail).doesNotContain(orders);
    }

    @Test
    void recordsOnePauseOfAQueueThatEightInstancesPauseAtOnce() {
        String queue = id("busy");

        runConcurrently(8, thread -> store.setQueuePaused(queue, true));

        assertThat(store.pausedQueues()).containsOnlyOnce(queue);
    }

    @Test
    void keepsWhoPausedAQueueWhenAndWhyUntilItIsResumedAPauseOfAPausedQueueChangingNothing() {
        assumeThat(store.keepsQueueChanges()).as("the store keeps who changed a queue").isTrue();
        String erp = id("erp");
        QueueChange alice = new QueueChange(Optional.of("alice"), T0, Optional.of("supplier outage"));
        store.setQueuePaused(erp, true, alice);
        store.setQueuePaused(erp, true, new QueueChange(Optional.of("bob"), T0.plusSeconds(60), Optional.empty()));

        assertThat(store.pausedQueues()).contains(erp);
        assertThat(store.queuePauseChanges()).containsEntry(erp, alice);

        store.setQueuePaused(erp, false, new QueueChange(Optional.of("bob"), T0.plusSeconds(90), Optional.empty()));
        assertThat(store.pausedQueues()).doesNotContain(erp);
        assertThat(store.queuePauseChanges()).doesNotContainKey(erp);

        QueueChange inCode = new QueueChange(Optional.empty(), T0.plusSeconds(120), Optional.empty());
        store.setQueuePaused(erp, true, inCode);
        assertThat(store.queuePauseChanges()).containsEntry(erp, inCode);
        String longest = id("longest");
        QueueChange longestWords = new QueueChange(Optional.of("n".repeat(io.nvent.Operator.MAX_NAME_LENGTH)),
                T0, Optional.of("r".repeat(io.nvent.Operator.MAX_REASON_LENGTH)));
        store.setQueuePaused(longest, true, longestWords);
        assertThat(store.queuePauseChanges()).containsEntry(longest, longestWords);
    }

    /** A pause or workers recorded without a change (a caller written before 0.2) say who made them is unknown. */
    @Test
    void keepsNoChangeOfAPauseOrWorkersRecordedWithoutOneSoWhoMadeThemIsUnknownNotCode() {
        assumeThat(store.keepsQueueChanges()).as("the store keeps who changed a queue").isTrue();
        String erp = id("erp");
        String invoices = id("invoices");

        store.setQueuePaused(erp, true);
        store.setQueueWorkers(invoices, java.util.OptionalInt.of(1));

        assertThat(store.pausedQueues()).contains(erp);
        assertThat(store.queuePauseChanges()).as("unknown, not made in code by nobody").doesNotContainKey(erp);
        assertThat(store.queueWorkersChanges()).as("unknown, not set in code by nobody").doesNotContainKey(invoices);
    }

    // ---------------------------------------------------------------- queue workers set at run time

    @Test
    void keepsWhoSetAQueuesWorkersWhenAndWhyTheLatestWinningUntilTheyAreRemoved() {
        assumeThat(store.keepsQueueChanges()).as("the store keeps who changed a queue").isTrue();
        String invoices = id("invoices");
        store.setQueueWorkers(invoices, java.util.OptionalInt.of(2),
                new QueueChange(Optional.of("alice"), T0, Optional.empty()));
        QueueChange bob = new QueueChange(Optional.of("bob"), T0.plusSeconds(60), Optional.of("supplier outage"));
        store.setQueueWorkers(invoices, java.util.OptionalInt.of(0), bob);

        assertThat(store.queueWorkers()).containsEntry(invoices, 0);
        assertThat(store.queueWorkersChanges()).containsEntry(invoices, bob);

        store.setQueueWorkers(invoices, java.util.OptionalInt.empty(),
                new QueueChange(Optional.of("carol"), T0.plusSeconds(90), Optional.empty()));
        assertThat(store.queueWorkersChanges()).doesNotContainKey(invoices);
    }

    @Test
    void keepsAQueuesWorkersUntilTheyAreRemovedTheLatestValueWinningAndEightInstancesSettingThemAtOnceKeepOne() {
        String invoices = id("invoices");
        String mail = id("mail");
        store.setQueueWorkers(invoices, java.util.OptionalInt.of(2));
        store.setQueueWorkers(invoices, java.util.OptionalInt.of(3));
        store.setQueueWorkers(mail, java.util.OptionalInt.of(0));

        assertThat(store.queueWorkers()).containsEntry(invoices, 3).containsEntry(mail, 0);

        store.setQueueWorkers(invoices, java.util.OptionalInt.empty());
        store.setQueueWorkers(invoices, java.util.OptionalInt.empty());

        assertThat(store.queueWorkers()).doesNotContainKey(invoices).containsEntry(mail, 0);

        String busy = id("busy");
        runConcurrently(8, thread -> store.setQueueWorkers(busy, java.util.OptionalInt.of(5)));
        assertThat(store.queueWorkers()).containsEntry(busy, 5);
    }

    // ---------------------------------------------------------------- rate limits of the cluster

    @Test
    void recordsNoMoreStartsWithinASpanThanTheLimitAllowsAndSaysWhenTheNextMayStart() {
        assumeThat(store.sharesRateLimits()).as("the store shares rate limits").isTrue();
        RateLimitGroup queue = RateLimitGroup.wholeQueue(id("partner-api"));
        RateLimit threePerSecond = new RateLimit(3, Duration.ofSeconds(1));

        assertThat(List.of(store.takeRateLimitedStart(queue, threePerSecond, at(T0)),
                store.takeRateLimitedStart(queue, threePerSecond, at(T0.plusMillis(100))),
                store.takeRateLimitedStart(queue, threePerSecond, at(T0.plusMillis(200))))).containsOnly(Duration.ZERO);
        assertThat(store.takeRateLimitedStart(queue, threePerSecond, at(T0.plusMillis(300)))).isEqualTo(Duration.ofMillis(700));
        assertThat(store.untilRateLimitAllows(queue, threePerSecond, T0.plusMillis(400))).isEqualTo(Duration.ofMillis(600));

        assertThat(store.untilRateLimitAllows(queue, threePerSecond, T0.plusMillis(1000))).isZero();
        assertThat(store.takeRateLimitedStart(queue, threePerSecond, at(T0.plusMillis(1000)))).isZero();
        assertThat(store.takeRateLimitedStart(queue, threePerSecond, at(T0.plusMillis(1050)))).isEqualTo(Duration.ofMillis(50));
        assertThat(store.untilRateLimitAllows(queue, threePerSecond, T0.plusMillis(1050))).isEqualTo(Duration.ofMillis(50));
    }

    @Test
    void keepsTheStartsOfEachQueueApart() {
        assumeThat(store.sharesRateLimits()).as("the store shares rate limits").isTrue();
        RateLimitGroup busy = RateLimitGroup.wholeQueue(id("busy"));
        RateLimitGroup idle = RateLimitGroup.wholeQueue(id("idle"));
        RateLimit onePerMinute = new RateLimit(1, Duration.ofMinutes(1));

        assertThat(store.takeRateLimitedStart(busy, onePerMinute, at(T0))).isZero();

        assertThat(store.takeRateLimitedStart(busy, onePerMinute, at(T0))).isEqualTo(Duration.ofMinutes(1));
        assertThat(store.untilRateLimitAllows(idle, onePerMinute, T0)).isZero();
        assertThat(store.takeRateLimitedStart(idle, onePerMinute, at(T0))).isZero();
    }

    @Test
    void recordsExactlyTheLimitWhenEightInstancesTakeStartsAtOnce() {
        assumeThat(store.sharesRateLimits()).as("the store shares rate limits").isTrue();
        RateLimitGroup queue = RateLimitGroup.wholeQueue(id("contended"));
        RateLimit fivePerSecond = new RateLimit(5, Duration.ofSeconds(1));
        AtomicInteger recorded = new AtomicInteger();

        runConcurrently(8, thread -> {
            for (int i = 0; i < 4; i++) {
                if (store.takeRateLimitedStart(queue, fivePerSecond, at(T0.plusMillis(i))).isZero()) {
                    recorded.incrementAndGet();
                }
            }
        });

        assertThat(recorded).hasValue(5);
        assertThat(store.untilRateLimitAllows(queue, fivePerSecond, T0.plusMillis(10))).isPositive();
    }

    @Test
    void aLoweredLimitWaitsUntilEnoughOfTheStartsUnderTheOldOneLeftTheSpan() {
        assumeThat(store.sharesRateLimits()).as("the store shares rate limits").isTrue();
        RateLimitGroup queue = RateLimitGroup.wholeQueue(id("redeployed"));
        RateLimit fivePerSecond = new RateLimit(5, Duration.ofSeconds(1));
        for (int i = 0; i < 5; i++) {
            assertThat(store.takeRateLimitedStart(queue, fivePerSecond, at(T0.plusMillis(100L * i)))).isZero();
        }
        RateLimit twoPerSecond = new RateLimit(2, Duration.ofSeconds(1));

        // Two may be within the span once the fourth-oldest start (at 300 ms) left it, at 1,300 ms.
        assertThat(store.takeRateLimitedStart(queue, twoPerSecond, at(T0.plusMillis(500)))).isEqualTo(Duration.ofMillis(800));
        assertThat(store.untilRateLimitAllows(queue, twoPerSecond, T0.plusMillis(500))).isEqualTo(Duration.ofMillis(800));
        assertThat(store.takeRateLimitedStart(queue, twoPerSecond, at(T0.plusMillis(1300)))).isZero();
    }

    @Test
    void countsTheStartsOfEachGroupOfAQueueApart() {
        assumeThat(store.sharesRateLimits()).as("the store shares rate limits").isTrue();
        String queue = id("per-customer");
        RateLimitGroup acme = new RateLimitGroup(queue, "\"acme\"");
        RateLimitGroup globex = new RateLimitGroup(queue, "\"globex\"");
        RateLimit onePerMinute = new RateLimit(1, Duration.ofMinutes(1));

        assertThat(store.takeRateLimitedStart(acme, onePerMinute, at(T0))).isZero();

        assertThat(store.takeRateLimitedStart(acme, onePerMinute, at(T0))).isEqualTo(Duration.ofMinutes(1));
        assertThat(store.untilRateLimitAllows(globex, onePerMinute, T0)).isZero();
        assertThat(store.takeRateLimitedStart(globex, onePerMinute, at(T0))).isZero();
        assertThat(store.takeRateLimitedStart(RateLimitGroup.wholeQueue(queue), onePerMinute, at(T0))).isZero();
    }

    @Test
    void booksTheReturnsOfRefusedStepsOneShareOfTheSpanApartPerGroup() {
        assumeThat(store.sharesRateLimits()).as("the store shares rate limits").isTrue();
        String queue = id("booked");
        RateLimitGroup acme = new RateLimitGroup(queue, "\"acme\"");
        RateLimit fourPerSecond = new RateLimit(4, Duration.ofSeconds(1));

        assertThat(List.of(store.bookRateLimitedReturn(acme, fourPerSecond, T0),
                store.bookRateLimitedReturn(acme, fourPerSecond, T0),
                store.bookRateLimitedReturn(acme, fourPerSecond, T0.plusMillis(100)))).containsExactly(T0,
                T0.plusMillis(250), T0.plusMillis(500));
        assertThat(store.bookRateLimitedReturn(new RateLimitGroup(queue, "\"globex\""), fourPerSecond, T0)).isEqualTo(T0);
        assertThat(store.bookRateLimitedReturn(acme, fourPerSecond, T0.plusSeconds(5))).isEqualTo(T0.plusSeconds(5));
        // Booked, not started: the group's starts are all still to take.
        assertThat(store.untilRateLimitAllows(acme, fourPerSecond, T0)).isZero();
    }

    @Test
    void listsTheGroupsOfAQueueWithTheMostStartsSinceATimeMostFirst() {
        assumeThat(store.sharesRateLimits()).as("the store shares rate limits").isTrue();
        String queue = id("by-tenant");
        RateLimit many = new RateLimit(100, Duration.ofMinutes(1));
        for (int i = 0; i < 3; i++) {
            store.takeRateLimitedStart(new RateLimitGroup(queue, "\"busy\""), many, at(T0.plusSeconds(i)));
        }
        store.takeRateLimitedStart(new RateLimitGroup(queue, "\"quiet\""), many, at(T0.plusSeconds(1)));
        store.takeRateLimitedStart(new RateLimitGroup(queue, "\"gone\""), many, at(T0));
        store.takeRateLimitedStart(new RateLimitGroup(id("elsewhere"), "\"busy\""), many, at(T0.plusSeconds(1)));

        assertThat(store.busiestRateLimitGroups(queue, T0, 10)).containsExactly(
                new RateLimitGroupStarts(new RateLimitGroup(queue, "\"busy\""), 2),
                new RateLimitGroupStarts(new RateLimitGroup(queue, "\"quiet\""), 1));
        assertThat(store.busiestRateLimitGroups(queue, T0, 1)).extracting(RateLimitGroupStarts::starts).containsExactly(2);
    }

    @Test
    void forgetsTheGroupsThatStartedNothingSinceTheTimeGivenAndKeepsCountingTheOthers() {
        assumeThat(store.sharesRateLimits()).as("the store shares rate limits").isTrue();
        String queue = id("per-tenant");
        RateLimitGroup idle = new RateLimitGroup(queue, "\"idle\"");
        RateLimitGroup busy = new RateLimitGroup(queue, "\"busy\"");
        RateLimit twoPerDay = new RateLimit(2, Duration.ofDays(1));
        assertThat(store.takeRateLimitedStart(idle, twoPerDay, at(T0))).isZero();
        assertThat(store.takeRateLimitedStart(busy, twoPerDay, at(T0))).isZero();
        assertThat(store.takeRateLimitedStart(busy, twoPerDay, at(T0.plusSeconds(60)))).isZero();

        assertThat(store.forgetIdleRateLimitGroups(T0.plusSeconds(30))).isEqualTo(1);

        assertThat(store.untilRateLimitAllows(busy, twoPerDay, T0.plusSeconds(61))).isPositive();
        assertThat(store.takeRateLimitedStart(busy, twoPerDay, at(T0.plusSeconds(61)))).isPositive();
        // Forgotten: its start no longer counts, and it starts again as a new group.
        assertThat(store.takeRateLimitedStart(idle, new RateLimit(1, Duration.ofDays(1)), at(T0.plusSeconds(61)))).isZero();
        assertThat(store.takeRateLimitedStart(idle, new RateLimit(1, Duration.ofDays(1)), at(T0.plusSeconds(62)))).isPositive();
    }

    @Test
    void forgetsExactlyTheGroupsWithNoStartNorBookingAfterTheTimeGivenAndSaysHowMany() {
        assumeThat(store.sharesRateLimits()).as("the store shares rate limits").isTrue();
        String queue = id("per-tenant");
        RateLimit hundredPerDay = new RateLimit(100, Duration.ofDays(1));
        Instant before = T0.plusSeconds(30);
        RateLimitGroup startedLongAgo = new RateLimitGroup(queue, "\"long-ago\"");
        RateLimitGroup startedAtTheTimeGiven = new RateLimitGroup(queue, "\"at-the-time\"");
        RateLimitGroup bookedLongAgo = new RateLimitGroup(queue, "\"booked-long-ago\"");
        RateLimitGroup startedSince = new RateLimitGroup(queue, "\"started-since\"");
        RateLimitGroup bookedSince = new RateLimitGroup(queue, "\"booked-since\"");
        store.takeRateLimitedStart(RateLimitGroup.wholeQueue(queue), hundredPerDay, at(T0));
        store.takeRateLimitedStart(startedLongAgo, hundredPerDay, at(T0.plusSeconds(10)));
        store.takeRateLimitedStart(startedAtTheTimeGiven, hundredPerDay, at(before));
        store.bookRateLimitedReturn(bookedLongAgo, hundredPerDay, T0.plusSeconds(5));
        store.takeRateLimitedStart(startedSince, hundredPerDay, at(T0));
        store.takeRateLimitedStart(startedSince, hundredPerDay, at(before.plusMillis(1)));
        store.takeRateLimitedStart(bookedSince, hundredPerDay, at(T0));
        store.bookRateLimitedReturn(bookedSince, hundredPerDay, before.plusSeconds(30));

        assertThat(store.forgetIdleRateLimitGroups(before)).isEqualTo(4);

        assertThat(store.forgetIdleRateLimitGroups(before)).as("nothing idle left").isZero();
        assertThat(store.busiestRateLimitGroups(queue, T0.minusSeconds(1), 10)).containsExactly(
                new RateLimitGroupStarts(startedSince, 2), new RateLimitGroupStarts(bookedSince, 1));
        // A forgotten booking no longer spaces the group's returns.
        assertThat(store.bookRateLimitedReturn(bookedLongAgo, hundredPerDay, before)).isEqualTo(before);
    }

    @Test
    void forgetsNoGroupWhenNoneIsIdle() {
        assumeThat(store.sharesRateLimits()).as("the store shares rate limits").isTrue();
        store.takeRateLimitedStart(RateLimitGroup.wholeQueue(id("busy")), new RateLimit(1, Duration.ofMinutes(1)),
                at(T0.plusSeconds(1)));

        assertThat(store.forgetIdleRateLimitGroups(T0)).isZero();
    }

    @Test
    void theWaitUntilTheLimitAllowsAStartIsNeverNegativeAndZeroExactlyWhenAStartIsAllowed() {
        assumeThat(store.sharesRateLimits()).as("the store shares rate limits").isTrue();
        RateLimitGroup queue = RateLimitGroup.wholeQueue(id("sampled"));
        RateLimit twoPerSecond = new RateLimit(2, Duration.ofSeconds(1));
        assertThat(store.untilRateLimitAllows(queue, twoPerSecond, T0)).as("no start recorded yet").isZero();
        store.takeRateLimitedStart(queue, twoPerSecond, at(T0));
        store.takeRateLimitedStart(queue, twoPerSecond, at(T0.plusMillis(100)));

        for (long ms = -2000; ms <= 3000; ms += 50) {
            Duration until = store.untilRateLimitAllows(queue, twoPerSecond, T0.plusMillis(ms));
            // Before T0 (a clock behind the one that recorded the starts) the wait may exceed the span.
            assertThat(until).as("at T0 %+d ms", ms).isGreaterThanOrEqualTo(Duration.ZERO);
            if (ms >= 0) {
                assertThat(until).as("at T0 %+d ms", ms).isLessThanOrEqualTo(twoPerSecond.per());
            }
            if (ms >= 100) {
                assertThat(until.isZero()).as("allowed at T0 %+d ms", ms).isEqualTo(ms >= 1000);
            }
        }
        assertThat(store.takeRateLimitedStart(queue, twoPerSecond, at(T0.plusMillis(1000)))).isZero();
    }

    // ---------------------------------------------------------------- schedule ticks

    @Test
    void claimsATickOnlyOnce() {
        String trigger = id("nightly");

        assertThat(store.claimTick(trigger, T0)).isTrue();
        assertThat(store.claimTick(trigger, T0)).isFalse();
    }

    @Test
    void claimsTicksPerTriggerAndScheduledTime() {
        String nightly = id("nightly");
        String hourly = id("hourly");
        assertThat(store.claimTick(nightly, T0)).isTrue();

        assertThat(store.claimTick(nightly, T0.plusSeconds(60))).isTrue();
        assertThat(store.claimTick(hourly, T0)).isTrue();
        assertThat(store.claimTick(nightly, T0.plusMillis(1))).isTrue();
    }

    @Test
    void letsExactlyOneOfEightRacingInstancesClaimATick() {
        int ticks = 20;
        String trigger = id("every-second");
        AtomicInteger[] claims = IntStream.range(0, ticks).mapToObj(i -> new AtomicInteger()).toArray(AtomicInteger[]::new);

        runConcurrently(8, thread -> {
            for (int i = 0; i < ticks; i++) {
                if (store.claimTick(trigger, T0.plusSeconds(i))) {
                    claims[i].incrementAndGet();
                }
            }
        });

        assertThat(claims).extracting(AtomicInteger::get).containsOnly(1);
    }

    @Test
    void triesToClaimATickOnceAndTellsTheLaterTriesItIsTaken() {
        String trigger = id("nightly");

        assertThat(store.tryClaimTick(trigger, T0)).isEqualTo(TickClaim.CLAIMED);
        assertThat(store.tryClaimTick(trigger, T0)).isEqualTo(TickClaim.TAKEN);
        assertThat(store.claimTick(trigger, T0)).as("the same claim as claimTick's").isFalse();
        assertThat(store.tryClaimTick(trigger, T0.plusSeconds(60))).isEqualTo(TickClaim.CLAIMED);
    }

    @Test
    void aTickClaimedWithClaimTickIsTakenForTryClaimTick() {
        String trigger = id("hourly");
        assertThat(store.claimTick(trigger, T0)).isTrue();

        assertThat(store.tryClaimTick(trigger, T0)).isEqualTo(TickClaim.TAKEN);
    }

    @Test
    void letsExactlyOneOfEightRacingInstancesTryingToClaimATickClaimIt() {
        int ticks = 20;
        String trigger = id("every-second");
        AtomicInteger[] claims = IntStream.range(0, ticks).mapToObj(i -> new AtomicInteger()).toArray(AtomicInteger[]::new);

        runConcurrently(8, thread -> {
            for (int i = 0; i < ticks; i++) {
                // Nobody holds a claim open here: a store answers in doubt only behind an unfinished transaction.
                if (store.tryClaimTick(trigger, T0.plusSeconds(i)) == TickClaim.CLAIMED) {
                    claims[i].incrementAndGet();
                }
            }
        });

        assertThat(claims).extracting(AtomicInteger::get).containsOnly(1);
    }

    @Test
    void forgetsTheClaimsOfTicksScheduledBeforeACutOffOnly() {
        String trigger = id("hourly");
        store.claimTick(trigger, T0);
        store.claimTick(trigger, T0.plusSeconds(3600));
        store.claimTick(trigger, T0.plusSeconds(7200));

        assertThat(store.purgeTickClaims(T0.plusSeconds(3600))).isEqualTo(1);

        assertThat(store.claimTick(trigger, T0.plusSeconds(3600))).as("a claim kept").isFalse();
        assertThat(store.claimTick(trigger, T0)).as("a claim forgotten").isTrue();
    }

    // ---------------------------------------------------------------- signed webhook requests

    private static WebhookReceipt receipt(String trigger, String request, Optional<String> key, Instant validUntil) {
        return new WebhookReceipt(trigger, request, key, validUntil);
    }

    @Test
    void recordsAWebhookRequestOnceAndAnswersAgainWithTheKeyItCameWith() {
        String trigger = id("erp-hook");
        String request = "a".repeat(WebhookReceipt.MAX_REQUEST_LENGTH);
        Instant validUntil = T0.plusSeconds(300);

        assertThat(store.recordWebhookRequest(receipt(trigger, request, Optional.of("delivery-1"), validUntil), T0))
                .as("the first receipt").isEmpty();

        assertThat(store.recordWebhookRequest(receipt(trigger, request, Optional.empty(), T0.plusSeconds(360)),
                T0.plusSeconds(60))).as("the same request again, within its window")
                .contains(receipt(trigger, request, Optional.of("delivery-1"), validUntil));
    }

    @Test
    void recordsWebhookRequestsPerTriggerAndRequest() {
        String erp = id("erp-hook");
        String partner = id("partner-hook");
        Instant validUntil = T0.plusSeconds(300);
        store.recordWebhookRequest(receipt(erp, "r-1", Optional.empty(), validUntil), T0);

        assertThat(store.recordWebhookRequest(receipt(erp, "r-2", Optional.empty(), validUntil), T0)).isEmpty();
        assertThat(store.recordWebhookRequest(receipt(partner, "r-1", Optional.empty(), validUntil), T0)).isEmpty();
        assertThat(store.recordWebhookRequest(receipt(erp, "r-1", Optional.empty(), validUntil), T0)).isPresent();
    }

    @Test
    void recordsAWebhookRequestAgainOnceItsWindowHasPassedOrItWasForgotten() {
        String trigger = id("erp-hook");
        store.recordWebhookRequest(receipt(trigger, "r-1", Optional.empty(), T0.plusSeconds(300)), T0);
        store.recordWebhookRequest(receipt(trigger, "r-2", Optional.empty(), T0.plusSeconds(300)), T0);

        assertThat(store.recordWebhookRequest(receipt(trigger, "r-1", Optional.of("k"), T0.plusSeconds(900)),
                T0.plusSeconds(300))).as("valid until the instant itself").isPresent();
        assertThat(store.recordWebhookRequest(receipt(trigger, "r-1", Optional.of("k"), T0.plusSeconds(900)),
                T0.plusSeconds(301))).as("after its window").isEmpty();
        assertThat(store.recordWebhookRequest(receipt(trigger, "r-1", Optional.empty(), T0.plusSeconds(900)),
                T0.plusSeconds(302))).contains(receipt(trigger, "r-1", Optional.of("k"), T0.plusSeconds(900)));

        assertThat(store.forgetWebhookRequest(trigger, "r-1")).isTrue();
        assertThat(store.forgetWebhookRequest(trigger, "r-1")).isFalse();
        assertThat(store.recordWebhookRequest(receipt(trigger, "r-1", Optional.empty(), T0.plusSeconds(900)),
                T0.plusSeconds(302))).as("forgotten").isEmpty();
    }

    @Test
    void letsExactlyOneOfEightRacingInstancesRecordAWebhookRequest() {
        int requests = 20;
        String trigger = id("erp-hook");
        AtomicInteger[] firsts = IntStream.range(0, requests).mapToObj(i -> new AtomicInteger())
                .toArray(AtomicInteger[]::new);

        runConcurrently(8, thread -> {
            for (int i = 0; i < requests; i++) {
                if (store.recordWebhookRequest(receipt(trigger, "r-" + i, Optional.empty(), T0.plusSeconds(300)), T0)
                        .isEmpty()) {
                    firsts[i].incrementAndGet();
                }
            }
        });

        assertThat(firsts).extracting(AtomicInteger::get).containsOnly(1);
    }

    // ---------------------------------------------------------------- keys of emits and publishes

    private RequestKey requestKey(RequestKey.Scope scope, String target, String request, Instant expiresAt) {
        return new RequestKey(scope, target, "k".repeat(RequestKey.MAX_DIGEST_LENGTH), request, Optional.empty(), T0,
                expiresAt);
    }

    @Test
    void claimsAKeyOnceAndAnswersAgainWithTheClaimAndItsStoredResponse() {
        String event = id("paid");
        RequestKey first = requestKey(RequestKey.Scope.PUBLISH, event, "request-1", T0.plusSeconds(300));

        assertThat(store.claimRequestKey(first, T0)).as("the first claim").isEmpty();
        assertThat(store.claimRequestKey(requestKey(RequestKey.Scope.PUBLISH, event, "request-2", T0.plusSeconds(900)),
                T0.plusSeconds(60))).as("while it is delivered").contains(first);

        assertThat(store.answerRequestKey(first.withResponse("{\"startedRuns\":[]}"))).isTrue();
        assertThat(store.claimRequestKey(first, T0.plusSeconds(60))).as("once answered")
                .contains(first.withResponse("{\"startedRuns\":[]}"));
    }

    @Test
    void keepsKeysApartByScopeAndTarget() {
        String run = id("run");
        store.claimRequestKey(requestKey(RequestKey.Scope.EMIT, run, "r", T0.plusSeconds(300)), T0);

        assertThat(store.claimRequestKey(requestKey(RequestKey.Scope.PUBLISH, run, "r", T0.plusSeconds(300)), T0))
                .as("a publish's key of that name").isEmpty();
        assertThat(store.claimRequestKey(requestKey(RequestKey.Scope.EMIT, id("other-run"), "r", T0.plusSeconds(300)),
                T0)).as("another run's").isEmpty();
        assertThat(store.claimRequestKey(requestKey(RequestKey.Scope.EMIT, run, "r", T0.plusSeconds(300)), T0))
                .isPresent();
    }

    @Test
    void keepsTheKeysOfFiresFoldedIntoAPendingRunApartAndAnswersThemWithTheRun() {
        String flow = id("crm-sync");
        RequestKey fire = requestKey(RequestKey.Scope.FIRE, flow, "r", T0.plusSeconds(300));
        store.claimRequestKey(requestKey(RequestKey.Scope.PUBLISH, flow, "r", T0.plusSeconds(300)), T0);

        assertThat(store.claimRequestKey(fire, T0)).as("apart from a publish's key of that name").isEmpty();
        assertThat(store.answerRequestKey(fire.withResponse("run-1"))).isTrue();
        assertThat(store.claimRequestKey(fire, T0.plusSeconds(60))).as("a retry of the fire")
                .contains(fire.withResponse("run-1"));
    }

    @Test
    void claimsAKeyAgainOnceItExpiredWasForgottenOrPurged() {
        String run = id("run");
        RequestKey first = requestKey(RequestKey.Scope.EMIT, run, "request-1", T0.plusSeconds(300));
        RequestKey other = requestKey(RequestKey.Scope.EMIT, run, "request-2", T0.plusSeconds(900));
        store.claimRequestKey(first, T0);

        assertThat(store.claimRequestKey(other, T0.plusSeconds(299))).as("until it expires").contains(first);
        assertThat(store.claimRequestKey(other, T0.plusSeconds(300))).as("expired at the instant itself").isEmpty();

        assertThat(store.answerRequestKey(first.withResponse("{}"))).as("another request's claim").isFalse();
        assertThat(store.forgetRequestKey(first)).as("another request's claim").isFalse();
        assertThat(store.forgetRequestKey(other)).isTrue();
        assertThat(store.claimRequestKey(first, T0)).as("forgotten").isEmpty();

        assertThat(store.purgeRequestKeys(T0.plusSeconds(299))).as("not expired yet").isZero();
        assertThat(store.purgeRequestKeys(T0.plusSeconds(300))).isEqualTo(1);
        assertThat(store.claimRequestKey(other, T0.plusSeconds(1))).as("purged").isEmpty();
    }

    @Test
    void letsExactlyOneOfEightRacingInstancesClaimAKey() {
        int keys = 20;
        String event = id("paid");
        AtomicInteger[] firsts = IntStream.range(0, keys).mapToObj(i -> new AtomicInteger())
                .toArray(AtomicInteger[]::new);

        runConcurrently(8, thread -> {
            for (int i = 0; i < keys; i++) {
                RequestKey claim = new RequestKey(RequestKey.Scope.PUBLISH, event, "key-" + i, "request",
                        Optional.empty(), T0, T0.plusSeconds(300));
                if (store.claimRequestKey(claim, T0).isEmpty()) {
                    firsts[i].incrementAndGet();
                }
            }
        });

        assertThat(firsts).extracting(AtomicInteger::get).containsOnly(1);
    }

    // ---------------------------------------------------------------- leases

    @Test
    void acquiresAFreeLease() {
        String runId = newRun();

        assertThat(store.acquireLease(runId, "ship", "node-a", T0.plusSeconds(30), T0)).isTrue();

        assertThat(store.expiredLeases(T0.plusSeconds(30), 10))
                .containsExactly(new StepLease(runId, "ship", "node-a", T0.plusSeconds(30)));
    }

    @Test
    void listsTheLeasesOfOneRunExpiredOrNotAndNoneReleased() {
        String runId = newRun();
        String otherRun = newRun();
        store.acquireLease(runId, "ship", "node-a", T0.plusSeconds(30), T0);
        store.acquireLease(runId, "bill", "node-b", T0.plusSeconds(90), T0);
        store.acquireLease(runId, "pack", "node-a", T0.plusSeconds(30), T0);
        store.acquireLease(otherRun, "ship", "node-a", T0.plusSeconds(30), T0);

        store.releaseLease(runId, "pack", "node-a");

        assertThat(store.leasesOfRun(runId)).containsExactly(
                new StepLease(runId, "bill", "node-b", T0.plusSeconds(90)),
                new StepLease(runId, "ship", "node-a", T0.plusSeconds(30)));
        assertThat(store.leasesOfRun("no-such-run")).isEmpty();
    }

    @Test
    void letsTheOwnerTakeItsLeaseAgainToRenewIt() {
        String runId = newRun();
        store.acquireLease(runId, "ship", "node-a", T0.plusSeconds(30), T0);

        assertThat(store.acquireLease(runId, "ship", "node-a", T0.plusSeconds(60), T0.plusSeconds(10))).isTrue();

        assertThat(store.expiredLeases(T0.plusSeconds(59), 10)).isEmpty();
        assertThat(store.expiredLeases(T0.plusSeconds(60), 10))
                .containsExactly(new StepLease(runId, "ship", "node-a", T0.plusSeconds(60)));
    }

    @Test
    void refusesALeaseAnotherOwnerHoldsUntilItExpires() {
        String runId = newRun();
        store.acquireLease(runId, "ship", "node-a", T0.plusSeconds(30), T0);

        assertThat(store.acquireLease(runId, "ship", "node-b", T0.plusSeconds(60), T0.plusSeconds(1))).isFalse();
        assertThat(store.acquireLease(runId, "ship", "node-b", T0.plusSeconds(60), T0.plusSeconds(30).minusMillis(1)))
                .isFalse();
        assertThat(store.expiredLeases(T0.plusSeconds(30), 10))
                .containsExactly(new StepLease(runId, "ship", "node-a", T0.plusSeconds(30)));

        assertThat(store.acquireLease(runId, "ship", "node-b", T0.plusSeconds(60), T0.plusSeconds(30))).isTrue();
        assertThat(store.expiredLeases(T0.plusSeconds(60), 10))
                .containsExactly(new StepLease(runId, "ship", "node-b", T0.plusSeconds(60)));
        assertThat(store.acquireLease(runId, "ship", "node-a", T0.plusSeconds(90), T0.plusSeconds(31))).isFalse();
    }

    @Test
    void takesOverALeaseByTheEndItWasReadWithOnlyIfItsOwnerDidNotRenewItSince() {
        // The engine takes over, before they end, the leases an earlier start of its instance id no longer renews.
        String runId = newRun();
        store.acquireLease(runId, "ship", "node-a@0000000a", T0.plusSeconds(60), T0);
        store.acquireLease(runId, "pack", "node-a@0000000a", T0.plusSeconds(60), T0);
        Instant readEnd = T0.plusSeconds(60);
        store.acquireLease(runId, "pack", "node-a@0000000a", T0.plusSeconds(75), T0.plusSeconds(15));

        assertThat(store.acquireLease(runId, "ship", "node-a@0000000b/stall-recovery-1", T0.plusSeconds(90), readEnd))
                .isTrue();
        assertThat(store.acquireLease(runId, "pack", "node-a@0000000b/stall-recovery-2", T0.plusSeconds(90), readEnd))
                .as("renewed since it was read").isFalse();

        assertThat(store.leasesOfRun(runId)).containsExactlyInAnyOrder(
                new StepLease(runId, "ship", "node-a@0000000b/stall-recovery-1", T0.plusSeconds(90)),
                new StepLease(runId, "pack", "node-a@0000000a", T0.plusSeconds(75)));
    }

    @Test
    void keepsWhenALeaseWasLastTakenOrRenewedWithItsEnd() {
        // From the two the engine tells how long a lease of an earlier start of its id lasts, whatever its own setting.
        String runId = newRun();
        String owner = id("node") + "@0000000a";
        assertThat(store.acquireLease(StepLease.renewed(runId, "ship", owner, T0, T0.plusSeconds(240)), T0)).isTrue();

        assertThat(store.leasesOfRun(runId)).singleElement().satisfies(lease -> {
            assertThat(lease.renewedAt()).contains(T0);
            assertThat(lease.duration()).contains(Duration.ofSeconds(240));
        });

        store.renewLeases(owner, T0.plusSeconds(300), T0.plusSeconds(60));

        assertThat(store.expiredLeases(T0.plusSeconds(300), 10)).containsExactly(
                StepLease.renewed(runId, "ship", owner, T0.plusSeconds(60), T0.plusSeconds(300)));
        assertThat(store.leasesOfOwners(owner, 10)).containsExactly(
                StepLease.renewed(runId, "ship", owner, T0.plusSeconds(60), T0.plusSeconds(300)));
    }

    @Test
    void aLeaseTakenOrRenewedWithoutATimeHasNoneAndKeepsNoEarlierOne() {
        // A renewal time left from before would no longer go with the lease's end.
        String runId = newRun();
        store.acquireLease(StepLease.renewed(runId, "ship", "node-a", T0, T0.plusSeconds(60)), T0);
        store.acquireLease(StepLease.renewed(runId, "pack", "node-a", T0, T0.plusSeconds(60)), T0);

        store.acquireLease(runId, "ship", "node-a", T0.plusSeconds(75), T0.plusSeconds(15));
        assertThat(store.leasesOfRun(runId)).containsExactly(
                StepLease.renewed(runId, "pack", "node-a", T0, T0.plusSeconds(60)),
                new StepLease(runId, "ship", "node-a", T0.plusSeconds(75)));

        store.renewLeases("node-a", T0.plusSeconds(90));
        assertThat(store.leasesOfRun(runId)).containsExactly(
                new StepLease(runId, "pack", "node-a", T0.plusSeconds(90)),
                new StepLease(runId, "ship", "node-a", T0.plusSeconds(90)));
    }

    @Test
    void aLeaseRenewedWithItsTimeSinceItsEndWasReadIsNotTakenOverByThatEnd() {
        String runId = newRun();
        store.acquireLease(StepLease.renewed(runId, "ship", "node-a@0000000a", T0, T0.plusSeconds(240)), T0);
        Instant readEnd = T0.plusSeconds(240);
        store.renewLeases("node-a@0000000a", T0.plusSeconds(300), T0.plusSeconds(60));

        assertThat(store.acquireLease(StepLease.renewed(runId, "ship", "node-a@0000000b/stall-recovery-1",
                T0.plusSeconds(130), T0.plusSeconds(190)), readEnd)).as("renewed since it was read").isFalse();
        assertThat(store.acquireLease(StepLease.renewed(runId, "ship", "node-a@0000000b/stall-recovery-2",
                T0.plusSeconds(300), T0.plusSeconds(360)), T0.plusSeconds(300))).as("run out").isTrue();

        assertThat(store.leasesOfRun(runId)).containsExactly(StepLease.renewed(runId, "ship",
                "node-a@0000000b/stall-recovery-2", T0.plusSeconds(300), T0.plusSeconds(360)));
    }

    @Test
    void listsTheLeasesOfOwnersByThePrefixOfTheirIdsTakenLiterallyLeastRecentlyRenewedFirst() {
        String runId = newRun();
        String otherRun = newRun();
        String instance = id("node_a");
        store.acquireLease(StepLease.renewed(runId, "own", instance + "@0000000b", T0.plusSeconds(100),
                T0.plusSeconds(160)), T0.plusSeconds(100));
        store.acquireLease(StepLease.renewed(runId, "ship", instance + "@0000000a", T0, T0.plusSeconds(240)), T0);
        store.acquireLease(otherRun, "old", instance + "@0000000a", T0.plusSeconds(300), T0);
        store.acquireLease(StepLease.renewed(runId, "ran-out", instance + "@0000000c", T0, T0.plusSeconds(10)), T0);
        store.acquireLease(StepLease.renewed(runId, "longer-id", instance + "x@0000000a", T0, T0.plusSeconds(60)), T0);
        store.acquireLease(StepLease.renewed(otherRun, "wildcard", instance.replace('_', 'z') + "@0000000a", T0,
                T0.plusSeconds(60)), T0);
        store.acquireLease(StepLease.renewed(otherRun, "another", "node-b@0000000a", T0, T0.plusSeconds(60)), T0);

        assertThat(store.leasesOfOwners(instance + "@", 10)).extracting(StepLease::step)
                .containsExactly("old", "ran-out", "ship", "own");
        assertThat(store.leasesOfOwners(instance + "@", 2)).extracting(StepLease::step)
                .containsExactly("old", "ran-out");
        assertThat(store.leasesOfOwners(instance + "@0000000a", 10)).containsExactly(
                new StepLease(otherRun, "old", instance + "@0000000a", T0.plusSeconds(300)),
                StepLease.renewed(runId, "ship", instance + "@0000000a", T0, T0.plusSeconds(240)));
        assertThat(store.leasesOfOwners("no-such-node@", 10)).isEmpty();
    }

    @Test
    void keepsLeasesOfDifferentStepsApart() {
        String runId = newRun();
        String otherRun = newRun();
        store.acquireLease(runId, "ship", "node-a", T0.plusSeconds(30), T0);

        assertThat(store.acquireLease(runId, "charge", "node-b", T0.plusSeconds(30), T0)).isTrue();
        assertThat(store.acquireLease(otherRun, "ship", "node-b", T0.plusSeconds(30), T0)).isTrue();
    }

    @Test
    void releasesALeaseOnlyForItsOwner() {
        String runId = newRun();
        store.acquireLease(runId, "ship", "node-a", T0.plusSeconds(30), T0);

        store.releaseLease(runId, "ship", "node-b");
        assertThat(store.acquireLease(runId, "ship", "node-b", T0.plusSeconds(60), T0.plusSeconds(1))).isFalse();

        store.releaseLease(runId, "ship", "node-a");
        assertThat(store.expiredLeases(T0.plusSeconds(3600), 10)).isEmpty();
        assertThat(store.acquireLease(runId, "ship", "node-b", T0.plusSeconds(60), T0.plusSeconds(1))).isTrue();
    }

    @Test
    void releasingAnUnknownLeaseDoesNothing() {
        store.releaseLease("no-such-run", "ship", "node-a");

        assertThat(store.expiredLeases(T0.plusSeconds(3600), 10)).isEmpty();
    }

    @Test
    void renewsEveryLeaseOfOneOwnerAndNoOther() {
        String runId = newRun();
        store.acquireLease(runId, "a", "node-a", T0.plusSeconds(10), T0);
        store.acquireLease(runId, "b", "node-a", T0.plusSeconds(20), T0);
        store.acquireLease(runId, "c", "node-b", T0.plusSeconds(10), T0);

        store.renewLeases("node-a", T0.plusSeconds(100));

        assertThat(store.expiredLeases(T0.plusSeconds(99), 10))
                .containsExactly(new StepLease(runId, "c", "node-b", T0.plusSeconds(10)));
        assertThat(store.expiredLeases(T0.plusSeconds(100), 10)).containsExactlyInAnyOrder(
                new StepLease(runId, "c", "node-b", T0.plusSeconds(10)),
                new StepLease(runId, "a", "node-a", T0.plusSeconds(100)),
                new StepLease(runId, "b", "node-a", T0.plusSeconds(100)));
        assertThat(store.acquireLease(runId, "a", "node-b", T0.plusSeconds(200), T0.plusSeconds(50))).isFalse();
    }

    @Test
    void listsExpiredLeasesEarliestFirstUpToALimit() {
        String runId = newRun();
        store.acquireLease(runId, "late", "node-a", T0.plusSeconds(30), T0);
        store.acquireLease(runId, "early", "node-b", T0.plusSeconds(10), T0);
        store.acquireLease(runId, "middle", "node-a", T0.plusSeconds(20), T0);
        store.acquireLease(runId, "alive", "node-a", T0.plusSeconds(31), T0);

        assertThat(store.expiredLeases(T0.plusSeconds(30), 10)).containsExactly(
                new StepLease(runId, "early", "node-b", T0.plusSeconds(10)),
                new StepLease(runId, "middle", "node-a", T0.plusSeconds(20)),
                new StepLease(runId, "late", "node-a", T0.plusSeconds(30)));
        assertThat(store.expiredLeases(T0.plusSeconds(30), 2)).extracting(StepLease::step)
                .containsExactly("early", "middle");
        assertThat(store.expiredLeases(T0.plusSeconds(10).minusMillis(1), 10)).isEmpty();
    }

    @Test
    void letsExactlyOneOfEightRacingOwnersTakeALease() {
        String runId = newRun();
        int steps = 10;
        // Even steps are free, odd ones held by an owner whose lease has run out.
        for (int i = 1; i < steps; i += 2) {
            store.acquireLease(runId, "step-" + i, "dead-node", T0.plusSeconds(5), T0);
        }
        List<List<String>> winners = IntStream.range(0, steps)
                .<List<String>>mapToObj(i -> Collections.synchronizedList(new ArrayList<>())).toList();

        runConcurrently(8, thread -> {
            for (int i = 0; i < steps; i++) {
                if (store.acquireLease(runId, "step-" + i, "node-" + thread, T0.plusSeconds(60), T0.plusSeconds(10))) {
                    winners.get(i).add("node-" + thread);
                }
            }
        });

        for (int i = 0; i < steps; i++) {
            assertThat(winners.get(i)).as("owners that took the lease of step-%d", i).hasSize(1);
            assertThat(store.acquireLease(runId, "step-" + i, "someone-else", T0.plusSeconds(90), T0.plusSeconds(11)))
                    .isFalse();
        }
        assertThat(store.expiredLeases(T0.plusSeconds(60), 100)).extracting(StepLease::owner)
                .hasSize(steps).doesNotContain("dead-node");
    }

    // ---------------------------------------------------------------- step starts and finishes

    @Test
    void startingAStepTakesItsLeaseAndChangesItsRun() {
        RunRecord run = storedRun();
        StepLease lease = new StepLease(run.runId(), "ship", "node-a", T0.plusSeconds(30));

        Optional<StoredChange> started = store.startStep(flowStore(), lease, T0, stepBecomes("ship", StepStatus.RUNNING));

        assertThat(started).hasValueSatisfying(change -> {
            assertThat(change.run().steps()).containsEntry("ship", StepStatus.RUNNING);
            assertThat(change.run().version()).isEqualTo(run.version() + 1);
            assertThat(change.events()).extracting(HistoryEvent::type).containsExactly(EventType.LOG);
        });
        assertThat(flowStore().findRun(run.runId()).orElseThrow().steps()).containsEntry("ship", StepStatus.RUNNING);
        assertThat(store.leasesOfRun(run.runId())).containsExactly(lease);
    }

    @Test
    void aStepWhoseLeaseAnotherOwnerHoldsIsNotStartedAndItsRunIsLeftAsItWas() {
        RunRecord run = storedRun();
        store.acquireLease(run.runId(), "ship", "node-a", T0.plusSeconds(30), T0);

        Optional<StoredChange> started = store.startStep(flowStore(),
                new StepLease(run.runId(), "ship", "node-b", T0.plusSeconds(60)), T0.plusSeconds(30).minusMillis(1),
                stepBecomes("ship", StepStatus.RUNNING));

        assertThat(started).isEmpty();
        assertUnchanged(run);
        assertThat(store.leasesOfRun(run.runId()))
                .containsExactly(new StepLease(run.runId(), "ship", "node-a", T0.plusSeconds(30)));
    }

    /**
     * The lease decides before the run: a start another owner's lease refuses is no start at all,
     * whatever the run would have made of its change (here a change it refuses).
     */
    @Test
    void aStepWhoseLeaseAnotherOwnerHoldsIsNotStartedEvenByAChangeTheRunWouldRefuse() {
        RunRecord run = storedRun();
        flowStore().updateRun(run.runId(), current -> Optional.of(new RunChange(
                current.withStatus(RunStatus.COMPLETED, T0), List.of())));
        store.acquireLease(run.runId(), "ship", "node-a", T0.plusSeconds(30), T0);
        RunMutation reopen = current -> Optional.of(new RunChange(current.withStatus(RunStatus.RUNNING, T0), List.of()));

        assertThat(store.startStep(flowStore(), new StepLease(run.runId(), "ship", "node-b", T0.plusSeconds(60)),
                T0.plusSeconds(1), reopen)).isEmpty();

        assertThat(flowStore().findRun(run.runId()).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(store.leasesOfRun(run.runId())).extracting(StepLease::owner).containsExactly("node-a");
    }

    @Test
    void aStepWhoseLeaseExpiredIsStartedByAnotherOwner() {
        RunRecord run = storedRun();
        store.acquireLease(run.runId(), "ship", "node-a", T0.plusSeconds(30), T0);
        StepLease takeOver = new StepLease(run.runId(), "ship", "node-b", T0.plusSeconds(90));

        assertThat(store.startStep(flowStore(), takeOver, T0.plusSeconds(30), stepBecomes("ship", StepStatus.RUNNING)))
                .isPresent();

        assertThat(store.leasesOfRun(run.runId())).containsExactly(takeOver);
    }

    @Test
    void theOwnerOfAStepsLeaseStartsItAgainAndRenewsTheLease() {
        RunRecord run = storedRun();
        store.startStep(flowStore(), new StepLease(run.runId(), "ship", "node-a", T0.plusSeconds(30)), T0,
                stepBecomes("ship", StepStatus.RUNNING));
        StepLease renewed = new StepLease(run.runId(), "ship", "node-a", T0.plusSeconds(60));

        Optional<StoredChange> again = store.startStep(flowStore(), renewed, T0.plusSeconds(10),
                stepBecomes("ship", StepStatus.RUNNING));

        assertThat(again).map(change -> change.run().version()).contains(run.version() + 2);
        assertThat(store.leasesOfRun(run.runId())).containsExactly(renewed);
    }

    @Test
    void aStartWhoseChangeIsDeclinedTakesNoLease() {
        RunRecord run = storedRun();

        assertThat(store.startStep(flowStore(), new StepLease(run.runId(), "ship", "node-a", T0.plusSeconds(30)), T0,
                current -> Optional.empty())).isEmpty();

        assertUnchanged(run);
        assertThat(store.leasesOfRun(run.runId())).isEmpty();
        assertThat(store.acquireLease(run.runId(), "ship", "node-b", T0.plusSeconds(30), T0)).isTrue();
    }

    /**
     * The engine declines a second job of a step it executes already (a redelivery beside a
     * recovery): the execution under way must keep its lease, or another instance could take the
     * step over while it runs.
     */
    @Test
    void aDeclinedStartOfAStepItsOwnerExecutesAlreadyLeavesTheOwnerItsLease() {
        RunRecord run = storedRun();
        store.startStep(flowStore(), new StepLease(run.runId(), "ship", "node-a", T0.plusSeconds(30)), T0,
                stepBecomes("ship", StepStatus.RUNNING));

        assertThat(store.startStep(flowStore(), new StepLease(run.runId(), "ship", "node-a", T0.plusSeconds(40)),
                T0.plusSeconds(10), current -> Optional.empty())).isEmpty();

        assertThat(store.leasesOfRun(run.runId())).extracting(StepLease::owner).containsExactly("node-a");
        assertThat(store.acquireLease(run.runId(), "ship", "node-b", T0.plusSeconds(60), T0.plusSeconds(20))).isFalse();
    }

    @Test
    void aStartTheRunRefusesChangesNothingAndTakesNoLease() {
        RunRecord run = storedRun();
        flowStore().updateRun(run.runId(), current -> Optional.of(new RunChange(
                current.withStatus(RunStatus.CANCELED, T0), List.of())));
        RunRecord canceled = flowStore().findRun(run.runId()).orElseThrow();
        RunMutation reopen = current -> Optional.of(new RunChange(current.withStatus(RunStatus.RUNNING, T0), List.of()));

        assertThatThrownBy(() -> store.startStep(flowStore(),
                new StepLease(run.runId(), "ship", "node-a", T0.plusSeconds(30)), T0, reopen))
                .isInstanceOf(IllegalRunTransitionException.class);

        assertUnchanged(canceled);
        assertThat(store.leasesOfRun(run.runId())).isEmpty();
    }

    @Test
    void startingAStepOfAnUnknownRunFailsNamingTheRunAndTakesNoLease() {
        assertThatThrownBy(() -> store.startStep(flowStore(),
                new StepLease("no-such-run", "ship", "node-a", T0.plusSeconds(30)), T0,
                stepBecomes("ship", StepStatus.RUNNING)))
                .isInstanceOfSatisfying(RunNotFoundException.class, e -> assertThat(e.runId()).isEqualTo("no-such-run"));

        assertThat(store.leasesOfRun("no-such-run")).isEmpty();
    }

    @Test
    void exactlyOneOfEightInstancesStartingAStepAtOnceStartsIt() {
        RunRecord run = storedRun();
        List<String> winners = Collections.synchronizedList(new ArrayList<>());

        runConcurrently(8, thread -> {
            if (store.startStep(flowStore(), new StepLease(run.runId(), "ship", "node-" + thread, T0.plusSeconds(30)),
                    T0, stepBecomes("ship", StepStatus.RUNNING)).isPresent()) {
                winners.add("node-" + thread);
            }
        });

        assertThat(winners).hasSize(1);
        assertThat(flowStore().findRun(run.runId()).orElseThrow().version()).isEqualTo(run.version() + 1);
        assertThat(store.leasesOfRun(run.runId())).extracting(StepLease::owner).containsExactlyElementsOf(winners);
    }

    // ---------------------------------------------------------------- progress

    private static StepProgress progress(long done, String message) {
        return new StepProgress(done, 50_000, Optional.ofNullable(message), T0.plusMillis(done));
    }

    @Test
    void keepsTheLatestProgressOfAStepWithItsLeaseAndRenewsTheLeaseWithIt() {
        assumeThat(keepsProgress()).as("the store keeps progress").isTrue();
        String runId = newRun();
        store.acquireLease(StepLease.renewed(runId, "import", "node-a", T0, T0.plusSeconds(60)), T0);
        store.acquireLease(StepLease.renewed(runId, "other", "node-a", T0, T0.plusSeconds(60)), T0);

        assertThat(store.recordProgress(StepLease.renewed(runId, "import", "node-a", T0.plusSeconds(10),
                T0.plusSeconds(70)), progress(1200, "rows of customers.csv"), T0.plusSeconds(10))).isTrue();
        assertThat(store.recordProgress(StepLease.renewed(runId, "import", "node-a", T0.plusSeconds(20),
                T0.plusSeconds(80)), progress(2400, null), T0.plusSeconds(20))).isTrue();

        assertThat(store.progressOfRun(runId)).as("the latest, of the step that reported")
                .containsExactly(Map.entry("import", progress(2400, null)));
        assertThat(store.leasesOfRun(runId)).as("its lease renewed as a renewal would, the other's not").containsExactly(
                StepLease.renewed(runId, "import", "node-a", T0.plusSeconds(20), T0.plusSeconds(80)),
                StepLease.renewed(runId, "other", "node-a", T0, T0.plusSeconds(60)));
        assertThat(store.recordProgress(StepLease.renewed(runId, "import", "node-a", T0.plusSeconds(21),
                T0.plusSeconds(30)), progress(2500, "x".repeat(StepProgress.MAX_MESSAGE_LENGTH)), T0.plusSeconds(21)))
                .isTrue();
        assertThat(store.progressOfRun(runId).get("import").message()).get(InstanceOfAssertFactories.STRING)
                .hasSize(StepProgress.MAX_MESSAGE_LENGTH);
        assertThat(store.leasesOfRun(runId).get(0).expiresAt()).as("an end is never moved back")
                .isEqualTo(T0.plusSeconds(80));
        assertThat(store.progressOfRun(newRun())).isEmpty();
    }

    @Test
    void saysWhetherItKeepsInstancesAsTheContractTestIsTold() {
        assertThat(store.keepsInstances()).as("a store keeping instance records says so, or the instances view says"
                + " that none are kept").isEqualTo(keepsInstances());
    }

    @Test
    void saysWhetherItKeepsOwedCatchUpsAsTheContractTestIsTold() {
        assertThat(store.keepsOwedCatchUps()).as("a store keeping fire-all catch-ups says so, or the engine keeps them"
                + " in an instance's memory only").isEqualTo(keepsOwedCatchUps());
    }

    /** A catch-up of {@code trigger} held by {@code owner}, owing {@code ticks} (none: its check is owed). */
    private static io.nvent.spi.OwedCatchUp owed(String trigger, String owner, Instant... ticks) {
        return new io.nvent.spi.OwedCatchUp(trigger, owner, T0.plusSeconds(300).plusMillis(250),
                T0.minusSeconds(5).plusMillis(7), T0.plusMillis(123), "cron */5 * * * * Europe/Berlin", List.of(ticks));
    }

    private List<io.nvent.spi.OwedCatchUp> owedOf(String trigger) {
        return store.owedCatchUps().stream().filter(kept -> kept.trigger().equals(trigger)).toList();
    }

    @Test
    void keepsACatchUpFromItsInsertUntilItIsRemovedWithItsTicksTheOldestFirstAndItsTimesToTheMillisecond() {
        assumeThat(keepsOwedCatchUps()).as("the store keeps fire-all catch-ups").isTrue();
        String trigger = id("sync");
        io.nvent.spi.OwedCatchUp check = owed(trigger, "node-a@t1");
        io.nvent.spi.OwedCatchUp ticks = check.heldBy("node-a@t1", T0.plusSeconds(600),
                List.of(T0.minusSeconds(600), T0.minusSeconds(300), T0.minusSeconds(1)));

        assertThat(store.replaceOwedCatchUp(trigger, Optional.empty(), Optional.of(check))).as("inserted").isTrue();
        assertThat(owedOf(trigger)).as("its check owed").containsExactly(check);
        assertThat(owedOf(trigger).get(0).checkOwed()).isTrue();
        assertThat(store.replaceOwedCatchUp(trigger, Optional.of(check), Optional.of(ticks))).as("the ticks found")
                .isTrue();

        assertThat(owedOf(trigger)).as("as written, the oldest tick first").containsExactly(ticks);
        assertThat(store.replaceOwedCatchUp(trigger, Optional.of(ticks), Optional.empty())).as("removed").isTrue();
        assertThat(owedOf(trigger)).isEmpty();
        assertThat(store.replaceOwedCatchUp(trigger, Optional.of(ticks), Optional.empty()))
                .as("removed once").isFalse();
    }

    @Test
    void replacesACatchUpOnlyWhereItIsAsTheCallerExpectsSoThatOfTwoTakingItOverOneDoes() {
        assumeThat(keepsOwedCatchUps()).as("the store keeps fire-all catch-ups").isTrue();
        String trigger = id("sync");
        io.nvent.spi.OwedCatchUp left = owed(trigger, "node-a@t1", T0.minusSeconds(300), T0);
        store.replaceOwedCatchUp(trigger, Optional.empty(), Optional.of(left));
        io.nvent.spi.OwedCatchUp byB = left.heldBy("node-b@t2", T0.plusSeconds(900), left.ticks());
        io.nvent.spi.OwedCatchUp byC = left.heldBy("node-c@t3", T0.plusSeconds(900), left.ticks());

        assertThat(store.replaceOwedCatchUp(trigger, Optional.empty(), Optional.of(byC)))
                .as("an insert where one is kept").isFalse();
        assertThat(store.replaceOwedCatchUp(trigger, Optional.of(left), Optional.of(byB))).as("b first").isTrue();
        assertThat(store.replaceOwedCatchUp(trigger, Optional.of(left), Optional.of(byC))).as("c, after b").isFalse();
        assertThat(store.replaceOwedCatchUp(trigger, Optional.of(left), Optional.empty()))
                .as("a, going on with what it wrote").isFalse();
        assertThat(owedOf(trigger)).as("b's, unchanged by the others").containsExactly(byB);
        assertThatThrownBy(() -> store.replaceOwedCatchUp(id("other"), Optional.of(byB), Optional.empty()))
                .as("another trigger's").isInstanceOf(IllegalArgumentException.class);
        assertThat(owedOf(trigger)).containsExactly(byB);
    }

    @Test
    void ofInstancesInsertingOneTriggersCatchUpAtOnceOneDoes() throws Exception {
        assumeThat(keepsOwedCatchUps()).as("the store keeps fire-all catch-ups").isTrue();
        ExecutorService starts = Executors.newFixedThreadPool(4, new TestThreads("starting"));
        try {
            for (int round = 0; round < RACES; round++) {
                String trigger = id("sync");
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Boolean>> inserts = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    io.nvent.spi.OwedCatchUp mine = owed(trigger, "node-" + i + "@t");
                    inserts.add(starts.submit(() -> {
                        go.await();
                        return store.replaceOwedCatchUp(trigger, Optional.empty(), Optional.of(mine));
                    }));
                }
                go.countDown();
                List<Boolean> done = new ArrayList<>();
                for (Future<Boolean> insert : inserts) {
                    done.add(insert.get(30, TimeUnit.SECONDS));
                }
                assertThat(done).as("round " + round).containsOnlyOnce(true);
                assertThat(owedOf(trigger)).extracting(io.nvent.spi.OwedCatchUp::owner)
                        .containsExactly("node-" + done.indexOf(true) + "@t");
            }
        } finally {
            starts.shutdownNow();
        }
    }

    private static io.nvent.spi.InstanceRecord instance(String id, String token, Instant seen) {
        Map<String, Integer> queues = new java.util.LinkedHashMap<>();
        queues.put("render", 2);
        queues.put("mail", 0);
        return new io.nvent.spi.InstanceRecord(id, token, T0, seen, Optional.empty(), "0.2.0", true, queues, true);
    }

    private List<io.nvent.spi.InstanceRecord> instancesNamed(String prefix) {
        return store.instances(1000).stream().filter(i -> i.instanceId().startsWith(prefix)).toList();
    }

    @Test
    void keepsTheRecordOfEachStartOfAnInstanceAndReplacesItWhenItIsRefreshed() {
        assumeThat(keepsInstances()).as("the store keeps instance records").isTrue();
        String prefix = "node-" + java.util.UUID.randomUUID().toString().substring(0, 8) + "-";
        store.saveInstance(instance(prefix + "a", "t1", T0));
        store.saveInstance(instance(prefix + "b", "t1", T0));
        store.saveInstance(instance(prefix + "a", "t2", T0.plusSeconds(5)));

        store.saveInstance(instance(prefix + "a", "t1", T0).seenAt(T0.plusSeconds(10)));
        store.saveInstance(instance(prefix + "b", "t1", T0).stoppedAt(T0.plusSeconds(7)));

        List<io.nvent.spi.InstanceRecord> kept = instancesNamed(prefix);
        assertThat(kept).extracting(i -> i.instanceId() + "@" + i.startToken())
                .as("a record per start, the latest seen first").containsExactly(prefix + "a@t1", prefix + "b@t1",
                        prefix + "a@t2");
        assertThat(kept.get(0)).as("everything kept as saved").isEqualTo(instance(prefix + "a", "t1",
                T0.plusSeconds(10)));
        assertThat(kept.get(0).queues()).as("in the order saved").containsExactly(Map.entry("render", 2),
                Map.entry("mail", 0));
        assertThat(kept.get(1).stoppedAt()).contains(T0.plusSeconds(7));
    }

    @Test
    void keepsTheBuildEachStartRunsWithItsRecordAndARecordWithoutOneAsNotSayingIt() {
        assumeThat(keepsInstanceBuilds()).as("the store keeps the build of instance records").isTrue();
        String prefix = "node-" + java.util.UUID.randomUUID().toString().substring(0, 8) + "-";
        io.nvent.spi.InstanceRecord upgraded = instance(prefix + "new", "t1", T0);
        upgraded = new io.nvent.spi.InstanceRecord(upgraded.instanceId(), upgraded.startToken(), T0, T0,
                Optional.empty(), "0.2.0", true, upgraded.queues(), true, Optional.of("45"), Optional.of("1a2b3c4"));
        store.saveInstance(upgraded);
        store.saveInstance(instance(prefix + "old", "t1", T0));
        store.saveInstance(upgraded.seenAt(T0.plusSeconds(10)));

        assertThat(instancesNamed(prefix)).extracting(io.nvent.spi.InstanceRecord::instanceId,
                        io.nvent.spi.InstanceRecord::storeSchema, io.nvent.spi.InstanceRecord::commit)
                .as("kept through a refresh; not known where the record does not say")
                .containsExactly(tuple(prefix + "new", Optional.of("45"), Optional.of("1a2b3c4")),
                        tuple(prefix + "old", Optional.empty(), Optional.empty()));
    }

    @Test
    void keepsTheRecordOfAnInstanceWhoseIdIsAsLongAsItsStepLeasesTake() {
        assumeThat(keepsInstances()).as("the store keeps instance records").isTrue();
        // A lease's owner is the instance id, '@' and an 8-character start token, in up to 255 characters.
        String longId = "node-" + java.util.UUID.randomUUID().toString().substring(0, 8) + "-";
        longId = longId + "x".repeat(255 - 9 - longId.length());
        store.saveInstance(instance(longId, "t1234567", T0));

        assertThat(instancesNamed(longId)).extracting(io.nvent.spi.InstanceRecord::instanceId)
                .as("kept, as its leases are").containsExactly(longId);
    }

    @Test
    void deletesTheRecordsLastSeenBeforeATimeTheOldestFirstUpToTheLimit() {
        assumeThat(keepsInstances()).as("the store keeps instance records").isTrue();
        String prefix = "node-" + java.util.UUID.randomUUID().toString().substring(0, 8) + "-";
        Instant longAgo = Instant.parse("2001-01-01T00:00:00Z");
        store.saveInstance(instance(prefix + "old1", "t", longAgo));
        store.saveInstance(instance(prefix + "old2", "t", longAgo.plusSeconds(1)));
        store.saveInstance(instance(prefix + "old3", "t", longAgo.plusSeconds(2)));
        store.saveInstance(instance(prefix + "new", "t", T0));

        assertThat(store.deleteInstancesSeenBefore(longAgo.plusSeconds(10), 2)).isEqualTo(2);
        assertThat(instancesNamed(prefix)).extracting(io.nvent.spi.InstanceRecord::instanceId)
                .as("the oldest two went first").containsExactly(prefix + "new", prefix + "old3");
        assertThat(store.deleteInstancesSeenBefore(longAgo.plusSeconds(10), 100)).isEqualTo(1);
        assertThat(instancesNamed(prefix)).extracting(io.nvent.spi.InstanceRecord::instanceId)
                .containsExactly(prefix + "new");
    }

    @Test
    void saysWhetherItKeepsHeartbeatsAsTheContractTestIsTold() {
        assertThat(store.keepsHeartbeats()).as("a store keeping heartbeats says so, or the engine neither writes nor"
                + " reads them").isEqualTo(keepsHeartbeats());
    }

    @Test
    void keepsTheLastHeartbeatOfAStepWithItsLeaseBesideItsProgressAndForgetsItWithTheLease() {
        assumeThat(keepsHeartbeats()).as("the store keeps heartbeats").isTrue();
        String runId = newRun();
        store.acquireLease(StepLease.renewed(runId, "import", "node-a", T0, T0.plusSeconds(60)), T0);
        store.acquireLease(StepLease.renewed(runId, "other", "node-a", T0, T0.plusSeconds(60)), T0);

        assertThat(store.recordHeartbeat(StepLease.renewed(runId, "import", "node-a", T0.plusSeconds(10),
                T0.plusSeconds(70)), T0.plusSeconds(10))).isTrue();
        assertThat(store.recordHeartbeat(StepLease.renewed(runId, "import", "node-a", T0.plusSeconds(20),
                T0.plusSeconds(80)), T0.plusSeconds(20))).isTrue();
        assertThat(store.recordHeartbeat(StepLease.renewed(runId, "import", "node-b", T0.plusSeconds(21),
                T0.plusSeconds(90)), T0.plusSeconds(21))).as("not the holder's").isFalse();

        assertThat(store.heartbeatsOfRun(runId)).as("the latest, of the step that sent it")
                .containsExactly(Map.entry("import", T0.plusSeconds(20)));
        assertThat(store.progressOfRun(runId)).as("no progress made up for it").isEmpty();
        assertThat(store.leasesOfRun(runId)).as("its lease renewed as a renewal would, the other's not").containsExactly(
                StepLease.renewed(runId, "import", "node-a", T0.plusSeconds(20), T0.plusSeconds(80)),
                StepLease.renewed(runId, "other", "node-a", T0, T0.plusSeconds(60)));
        if (keepsProgress()) {
            store.recordProgress(StepLease.renewed(runId, "import", "node-a", T0.plusSeconds(30), T0.plusSeconds(90)),
                    progress(1200, null), T0.plusSeconds(30));
            assertThat(store.heartbeatsOfRun(runId)).as("a progress report leaves it")
                    .containsExactly(Map.entry("import", T0.plusSeconds(20)));
        }

        store.releaseLease(runId, "import", "node-a");
        store.acquireLease(StepLease.renewed(runId, "import", "node-b", T0.plusSeconds(40), T0.plusSeconds(100)),
                T0.plusSeconds(40));
        assertThat(store.heartbeatsOfRun(runId)).as("gone with the lease").isEmpty();
        assertThat(store.recordHeartbeat(StepLease.renewed(runId, "import", "node-b", T0.plusSeconds(200),
                T0.plusSeconds(260)), T0.plusSeconds(200))).as("a lease that ran out").isFalse();
        assertThat(store.heartbeatsOfRun(newRun())).isEmpty();
    }

    @Test
    void showsNoHeartbeatOfAnEarlierOwnerOrAttemptOnceTheLeaseIsTakenOverAndRefusesTheirs() {
        assumeThat(keepsHeartbeats()).as("the store keeps heartbeats").isTrue();
        String runId = newRun();
        StepLease first = StepLease.renewed(runId, "import", "node-a", T0, T0.plusSeconds(60)).forAttempt(1);
        store.acquireLease(first, T0);
        store.recordHeartbeat(StepLease.renewed(runId, "import", "node-a", T0.plusSeconds(10), T0.plusSeconds(70))
                .forAttempt(1), T0.plusSeconds(10));

        // node-a died: its lease ran out, node-b took the step over.
        assertThat(store.acquireLease(StepLease.renewed(runId, "import", "node-b", T0.plusSeconds(80),
                T0.plusSeconds(140)).forAttempt(2), T0.plusSeconds(80))).isTrue();
        assertThat(store.heartbeatsOfRun(runId)).as("not the dead owner's").isEmpty();
        assertThat(store.recordHeartbeat(StepLease.renewed(runId, "import", "node-a", T0.plusSeconds(81),
                T0.plusSeconds(141)).forAttempt(1), T0.plusSeconds(81))).as("the stale owner's").isFalse();
        assertThat(store.heartbeatsOfRun(runId)).isEmpty();

        store.recordHeartbeat(StepLease.renewed(runId, "import", "node-b", T0.plusSeconds(90), T0.plusSeconds(150))
                .forAttempt(2), T0.plusSeconds(90));
        assertThat(store.acquireLease(StepLease.renewed(runId, "import", "node-b", T0.plusSeconds(100),
                T0.plusSeconds(160)).forAttempt(3), T0.plusSeconds(100))).isTrue();
        assertThat(store.heartbeatsOfRun(runId)).as("not the earlier attempt's, on the same owner").isEmpty();
        assertThat(store.recordHeartbeat(StepLease.renewed(runId, "import", "node-b", T0.plusSeconds(101),
                T0.plusSeconds(161)).forAttempt(2), T0.plusSeconds(101))).as("the earlier attempt's").isFalse();
    }

    @Test
    void keepsNoHeartbeatSentBeforeTheLeaseRanOutButWrittenAfterAndLeavesTheLeaseRunOut() {
        assumeThat(keepsHeartbeats()).as("the store keeps heartbeats").isTrue();
        String runId = newRun();
        store.acquireLease(StepLease.renewed(runId, "import", "node-a", T0, T0.plusSeconds(60)), T0);

        // Beat at T0+50, written at T0+70 (a write held up, a GC pause): the lease ran out at T0+60 meanwhile.
        assertThat(store.recordHeartbeat(StepLease.renewed(runId, "import", "node-a", T0.plusSeconds(70),
                T0.plusSeconds(130)), T0.plusSeconds(50))).as("written after the lease ran out").isFalse();

        assertThat(store.heartbeatsOfRun(runId)).isEmpty();
        assertThat(store.leasesOfRun(runId)).as("not brought back to life for the sweep to miss").containsExactly(
                StepLease.renewed(runId, "import", "node-a", T0, T0.plusSeconds(60)));
    }

    @Test
    void keepsNoProgressForALeaseTheReporterDoesNotHoldOrThatRanOut() {
        assumeThat(keepsProgress()).as("the store keeps progress").isTrue();
        String runId = newRun();
        store.acquireLease(StepLease.renewed(runId, "import", "node-a", T0, T0.plusSeconds(60)), T0);

        assertThat(store.recordProgress(StepLease.renewed(runId, "import", "node-b", T0, T0.plusSeconds(60)),
                progress(1, null), T0)).as("another owner's lease").isFalse();
        assertThat(store.recordProgress(StepLease.renewed(runId, "import", "node-a", T0.plusSeconds(60),
                T0.plusSeconds(120)), progress(2, null), T0.plusSeconds(60))).as("a lease that ran out").isFalse();
        assertThat(store.recordProgress(StepLease.renewed(runId, "ship", "node-a", T0, T0.plusSeconds(60)),
                progress(3, null), T0)).as("no lease").isFalse();

        assertThat(store.progressOfRun(runId)).isEmpty();
        assertThat(store.leasesOfRun(runId)).containsExactly(
                StepLease.renewed(runId, "import", "node-a", T0, T0.plusSeconds(60)));
    }

    @Test
    void forgetsAStepsProgressWhenItsLeaseIsGivenUpOrTakenByAnotherOwnerOrAfterItRanOut() {
        assumeThat(keepsProgress()).as("the store keeps progress").isTrue();
        RunRecord run = storedRun();
        String runId = run.runId();
        StepLease lease = StepLease.renewed(runId, "ship", "node-a", T0, T0.plusSeconds(60));
        store.startStep(flowStore(), lease, T0, stepBecomes("ship", StepStatus.RUNNING));
        store.recordProgress(lease, progress(10, null), T0);
        store.finishStep(flowStore(), lease, stepBecomes("ship", StepStatus.COMPLETED));
        assertThat(store.progressOfRun(runId)).as("finished").isEmpty();

        store.acquireLease(lease, T0);
        store.recordProgress(lease, progress(20, null), T0);
        store.releaseLease(runId, "ship", "node-a");
        assertThat(store.progressOfRun(runId)).as("released").isEmpty();

        store.acquireLease(lease, T0);
        store.recordProgress(lease, progress(30, null), T0);
        assertThat(store.acquireLease(StepLease.renewed(runId, "ship", "node-a", T0.plusSeconds(5),
                T0.plusSeconds(65)), T0.plusSeconds(5))).isTrue();
        assertThat(store.progressOfRun(runId)).as("taken again by its owner while it holds it (a second delivery of"
                + " the step's job beside the attempt running there): the running attempt's stays")
                .containsExactly(Map.entry("ship", progress(30, null)));

        assertThat(store.acquireLease(StepLease.renewed(runId, "ship", "node-a", T0.plusSeconds(65),
                T0.plusSeconds(125)), T0.plusSeconds(65))).isTrue();
        assertThat(store.progressOfRun(runId)).as("taken again by its owner once it ran out").isEmpty();

        store.recordProgress(StepLease.renewed(runId, "ship", "node-a", T0.plusSeconds(70), T0.plusSeconds(125)),
                progress(40, null), T0.plusSeconds(70));
        assertThat(store.acquireLease(StepLease.renewed(runId, "ship", "node-b", T0.plusSeconds(125),
                T0.plusSeconds(185)), T0.plusSeconds(125))).isTrue();
        assertThat(store.progressOfRun(runId)).as("taken over by another owner once it ran out").isEmpty();
    }

    /** The lease of step {@code step} of {@code runId} on {@code node-a}, taken at {@code T0 + at} for a minute. */
    private static StepLease leaseOfAttempt(String runId, String step, int attempt, long at) {
        return StepLease.renewed(runId, step, "node-a", T0.plusSeconds(at), T0.plusSeconds(at + 60)).forAttempt(attempt);
    }

    @Test
    void keepsAnAttemptsProgressOnlyWhileTheStepsLeaseIsThatAttempts() {
        assumeThat(keepsProgress()).as("the store keeps progress").isTrue();
        String runId = newRun();
        StepLease timedOut = leaseOfAttempt(runId, "import", 1, 0);
        store.acquireLease(timedOut, T0);
        assertThat(store.leasesOfRun(runId)).as("the lease names its attempt").containsExactly(timedOut);
        assertThat(store.recordProgress(timedOut, progress(10, "attempt 1"), T0)).isTrue();

        StepLease retry = leaseOfAttempt(runId, "import", 2, 5);
        assertThat(store.acquireLease(retry, T0.plusSeconds(5))).as("its owner takes it for the retry while the"
                + " timed-out attempt still holds it (the same instance)").isTrue();
        assertThat(store.progressOfRun(runId)).as("the timed-out attempt's progress is not the retry's").isEmpty();
        assertThat(store.recordProgress(leaseOfAttempt(runId, "import", 1, 6), progress(20, "attempt 1"),
                T0.plusSeconds(6))).as("a late write of the timed-out attempt").isFalse();
        assertThat(store.progressOfRun(runId)).isEmpty();
        assertThat(store.leasesOfRun(runId)).as("nor did it renew the retry's lease").containsExactly(retry);

        store.renewLeases("node-a", T0.plusSeconds(90), T0.plusSeconds(30));
        assertThat(store.leasesOfRun(runId)).as("a renewal keeps the attempt").extracting(StepLease::attempt)
                .containsExactly(OptionalInt.of(2));
        assertThat(store.recordProgress(leaseOfAttempt(runId, "import", 2, 31), progress(30, "attempt 2"),
                T0.plusSeconds(31))).isTrue();
        assertThat(store.acquireLease(leaseOfAttempt(runId, "import", 2, 32), T0.plusSeconds(32)))
                .as("taken again for the same attempt (a second delivery of its job)").isTrue();
        assertThat(store.progressOfRun(runId)).as("the running attempt's stays")
                .containsExactly(Map.entry("import", progress(30, "attempt 2")));
        assertThat(store.recordProgress(StepLease.renewed(runId, "import", "node-a", T0.plusSeconds(33),
                T0.plusSeconds(93)), progress(40, null), T0.plusSeconds(33))).as("a write naming no attempt")
                .isFalse();
    }

    @Test
    void aStartForAnotherAttemptTakesTheLeaseWithoutTheProgressAndAStartThatChangesNothingLeavesBoth() {
        assumeThat(keepsProgress()).as("the store keeps progress").isTrue();
        RunRecord run = storedRun();
        String runId = run.runId();
        StepLease first = leaseOfAttempt(runId, "ship", 1, 0);
        assertThat(store.startStep(flowStore(), first, T0, stepBecomes("ship", StepStatus.RUNNING))).isPresent();
        store.recordProgress(first, progress(10, null), T0);

        StepLease second = leaseOfAttempt(runId, "ship", 2, 5);
        assertThat(store.startStep(flowStore(), second, T0.plusSeconds(5), current -> Optional.empty()))
                .as("a second job of the step, which the engine declines beside the attempt running here").isEmpty();
        assertThat(store.leasesOfRun(runId)).as("the lease is still the running attempt's")
                .extracting(StepLease::owner, StepLease::attempt).containsExactly(tuple("node-a", OptionalInt.of(1)));
        assertThat(store.progressOfRun(runId)).as("and so is its progress")
                .containsExactly(Map.entry("ship", progress(10, null)));
        assertThat(store.recordProgress(leaseOfAttempt(runId, "ship", 1, 6), progress(11, null), T0.plusSeconds(6)))
                .isTrue();

        assertThat(store.startStep(flowStore(), second, T0.plusSeconds(7), stepBecomes("ship", StepStatus.RUNNING)))
                .as("the retry's start, while the timed-out attempt still holds the lease on this instance")
                .isPresent();
        assertThat(store.leasesOfRun(runId)).extracting(StepLease::attempt).containsExactly(OptionalInt.of(2));
        assertThat(store.progressOfRun(runId)).as("the timed-out attempt's progress went with its lease").isEmpty();
        assertThat(store.recordProgress(leaseOfAttempt(runId, "ship", 1, 8), progress(12, null), T0.plusSeconds(8)))
                .as("the timed-out attempt's later write").isFalse();
        assertThat(store.progressOfRun(runId)).isEmpty();
    }

    @Test
    void finishingAStepChangesItsRunAndGivesItsLeaseUp() {
        RunRecord run = storedRun();
        StepLease lease = new StepLease(run.runId(), "ship", "node-a", T0.plusSeconds(30));
        store.startStep(flowStore(), lease, T0, stepBecomes("ship", StepStatus.RUNNING));

        Optional<StoredChange> finished = store.finishStep(flowStore(), lease, stepBecomes("ship", StepStatus.COMPLETED));

        assertThat(finished).map(change -> change.run().steps().get("ship")).contains(StepStatus.COMPLETED);
        assertThat(flowStore().findRun(run.runId()).orElseThrow().version()).isEqualTo(run.version() + 2);
        assertThat(store.leasesOfRun(run.runId())).isEmpty();
        assertThat(store.acquireLease(run.runId(), "ship", "node-b", T0.plusSeconds(30), T0)).isTrue();
    }

    @Test
    void finishingAStepWhoseChangeIsDeclinedStillGivesItsLeaseUp() {
        RunRecord run = storedRun();
        StepLease lease = new StepLease(run.runId(), "ship", "node-a", T0.plusSeconds(30));
        store.acquireLease(run.runId(), "ship", "node-a", T0.plusSeconds(30), T0);

        assertThat(store.finishStep(flowStore(), lease, current -> Optional.empty())).isEmpty();

        assertUnchanged(run);
        assertThat(store.leasesOfRun(run.runId())).isEmpty();
    }

    @Test
    void finishingAStepWhoseChangeFailsPassesTheFailureOnAndStillGivesItsLeaseUp() {
        RunRecord run = storedRun();
        StepLease lease = new StepLease(run.runId(), "ship", "node-a", T0.plusSeconds(30));
        store.acquireLease(run.runId(), "ship", "node-a", T0.plusSeconds(30), T0);
        IllegalStateException failure = new IllegalStateException("the step's result cannot be stored");

        assertThatThrownBy(() -> store.finishStep(flowStore(), lease, current -> {
            throw failure;
        })).isSameAs(failure);

        assertUnchanged(run);
        assertThat(store.leasesOfRun(run.runId())).isEmpty();
    }

    @Test
    void finishingAStepWithAChangeTheRunRefusesChangesNothingAndStillGivesItsLeaseUp() {
        RunRecord run = storedRun();
        flowStore().updateRun(run.runId(), current -> Optional.of(new RunChange(
                current.withStatus(RunStatus.CANCELED, T0), List.of())));
        RunRecord canceled = flowStore().findRun(run.runId()).orElseThrow();
        StepLease lease = new StepLease(run.runId(), "ship", "node-a", T0.plusSeconds(30));
        store.acquireLease(run.runId(), "ship", "node-a", T0.plusSeconds(30), T0);

        assertThatThrownBy(() -> store.finishStep(flowStore(), lease, current -> Optional.of(new RunChange(
                current.withStatus(RunStatus.COMPLETED, T0), List.of())))).isInstanceOf(IllegalRunTransitionException.class);

        assertUnchanged(canceled);
        assertThat(store.leasesOfRun(run.runId())).isEmpty();
    }

    @Test
    void finishingAStepWhoseLeaseAnotherOwnerTookOverLeavesThatOwnersLease() {
        RunRecord run = storedRun();
        StepLease expired = new StepLease(run.runId(), "ship", "node-a", T0.plusSeconds(30));
        store.acquireLease(run.runId(), "ship", "node-a", T0.plusSeconds(30), T0);
        store.acquireLease(run.runId(), "ship", "node-b", T0.plusSeconds(90), T0.plusSeconds(30));
        Runnable finish = () -> store.finishStep(flowStore(), expired, stepBecomes("ship", StepStatus.COMPLETED));

        if (refusesFinishingALostLease()) {
            assertThatThrownBy(finish::run).isInstanceOf(StaleExecutionException.class);
            assertUnchanged(run);
        } else {
            finish.run();
        }

        assertThat(store.leasesOfRun(run.runId()))
                .containsExactly(new StepLease(run.runId(), "ship", "node-b", T0.plusSeconds(90)));
    }

    @Test
    void stepsOfOneRunFinishingAtOnceEachChangeTheRunAsStored() {
        RunRecord run = storedRun();
        int steps = 8;
        for (int i = 0; i < steps; i++) {
            store.startStep(flowStore(), new StepLease(run.runId(), "step-" + i, "node-" + i, T0.plusSeconds(30)), T0,
                    stepBecomes("step-" + i, StepStatus.RUNNING));
        }

        runConcurrently(steps, thread -> store.finishStep(flowStore(),
                new StepLease(run.runId(), "step-" + thread, "node-" + thread, T0.plusSeconds(30)),
                stepBecomes("step-" + thread, StepStatus.COMPLETED)));

        RunRecord finished = flowStore().findRun(run.runId()).orElseThrow();
        assertThat(finished.steps()).isEqualTo(IntStream.range(0, steps).boxed()
                .collect(Collectors.toMap(i -> "step-" + i, i -> StepStatus.COMPLETED)));
        assertThat(finished.version()).isEqualTo(run.version() + 2L * steps);
        assertThat(flowStore().readEvents(run.runId(), EventQuery.all())).hasSize(2 * steps);
        assertThat(store.leasesOfRun(run.runId())).isEmpty();
    }

    // ---------------------------------------------------------------- writes under a step's lease

    @Test
    void finishingAStepUnderItsLeaseChangesItsRunAndGivesTheLeaseUpWhileItsOwnerHoldsIt() {
        RunRecord run = storedRun();
        StepLease lease = new StepLease(run.runId(), "ship", "node-a", T0.plusSeconds(30));
        store.startStep(flowStore(), lease, T0, stepBecomes("ship", StepStatus.RUNNING));

        Optional<StoredChange> finished = store.finishStepHolding(flowStore(), lease,
                stepBecomes("ship", StepStatus.COMPLETED));

        assertThat(finished).map(change -> change.run().steps().get("ship")).contains(StepStatus.COMPLETED);
        assertThat(flowStore().findRun(run.runId()).orElseThrow().version()).isEqualTo(run.version() + 2);
        assertThat(store.leasesOfRun(run.runId())).isEmpty();
    }

    @Test
    void aStepWhoseLeaseAnotherOwnerTookOverIsNotFinishedUnderItAndItsRunIsLeftAsItWas() {
        RunRecord run = storedRun();
        StepLease expired = new StepLease(run.runId(), "ship", "node-a", T0.plusSeconds(30));
        store.acquireLease(expired, T0);
        StepLease takenOver = new StepLease(run.runId(), "ship", "node-b", T0.plusSeconds(90));
        store.acquireLease(takenOver, T0.plusSeconds(30));

        assertThatThrownBy(() -> store.finishStepHolding(flowStore(), expired, stepBecomes("ship", StepStatus.COMPLETED)))
                .isInstanceOfSatisfying(StaleExecutionException.class, e -> {
                    assertThat(e.runId()).isEqualTo(run.runId());
                    assertThat(e.step()).isEqualTo("ship");
                    assertThat(e).hasMessageContaining("NVENT-0260").hasMessageContaining("node-a");
                });

        assertUnchanged(run);
        assertThat(store.leasesOfRun(run.runId())).containsExactly(takenOver);
    }

    @Test
    void stateAndHistoryAreWrittenUnderAStepsLeaseWhileItsOwnerHoldsIt() {
        RunRecord run = storedRun();
        StepLease lease = new StepLease(run.runId(), "ship", "node-a", T0.plusSeconds(30));
        store.acquireLease(lease, T0);

        store.putStateHolding(flowStore(), lease, "cursor", "41", Optional.empty());
        store.putStateHolding(flowStore(), lease, "page", "3", Optional.of(T0.plusSeconds(600)));
        store.deleteStateHolding(flowStore(), lease, "page");
        List<HistoryEvent> logged = store.appendEventsHolding(flowStore(), lease,
                List.of(EventDraft.ofStep(EventType.LOG, "ship", 1, T0, "{\"message\":\"shipped\"}")));

        assertThat(flowStore().getState(run.runId(), "cursor", T0)).contains("41");
        assertThat(flowStore().getState(run.runId(), "page", T0)).isEmpty();
        assertThat(logged).extracting(HistoryEvent::type).containsExactly(EventType.LOG);
        assertThat(flowStore().readEvents(run.runId(), EventQuery.all())).isEqualTo(logged);
        assertThat(store.leasesOfRun(run.runId())).containsExactly(lease);
    }

    @Test
    void stateAndHistoryWritesUnderALeaseAnotherOwnerTookOverAreRefused() {
        RunRecord run = storedRun();
        flowStore().putState(run.runId(), "cursor", "41", Optional.empty());
        StepLease expired = new StepLease(run.runId(), "ship", "node-a", T0.plusSeconds(30));
        store.acquireLease(expired, T0);
        StepLease takenOver = new StepLease(run.runId(), "ship", "node-b", T0.plusSeconds(90));
        store.acquireLease(takenOver, T0.plusSeconds(30));

        assertStateAndLogWritesRefused(expired);

        assertThat(flowStore().getState(run.runId(), "cursor", T0)).contains("41");
        assertUnchanged(run);
        assertThat(store.leasesOfRun(run.runId())).containsExactly(takenOver);
    }

    /** The state writes and log lines of step "ship" under {@code lease} are refused as stale. */
    private void assertStateAndLogWritesRefused(StepLease lease) {
        assertThatThrownBy(() -> store.putStateHolding(flowStore(), lease, "cursor", "42", Optional.empty()))
                .isInstanceOf(StaleExecutionException.class);
        assertThatThrownBy(() -> store.deleteStateHolding(flowStore(), lease, "cursor"))
                .isInstanceOf(StaleExecutionException.class);
        assertThatThrownBy(() -> store.appendEventsHolding(flowStore(), lease,
                List.of(EventDraft.ofStep(EventType.LOG, "ship", 1, T0, "{\"message\":\"late\"}"))))
                .isInstanceOf(StaleExecutionException.class);
    }

    /**
     * A step's attempt timed out and its retry took the step's lease on the same owner (the instance where the
     * timed-out attempt still runs): the timed-out attempt's result, state writes and log lines are refused, and the
     * retry's lease stays. A write under a lease naming no attempt is judged by its owner alone, as before 0.2.
     */
    @Test
    void aTimedOutAttemptsWritesAreRefusedOnceItsOwnerTookTheStepsLeaseForItsRetry() {
        assumeThat(keepsProgress()).as("the store keeps the attempt with its leases, as one keeping progress does")
                .isTrue();
        RunRecord run = storedRun();
        flowStore().putState(run.runId(), "cursor", "41", Optional.empty());
        StepLease timedOut = leaseOfAttempt(run.runId(), "ship", 1, 0);
        store.acquireLease(timedOut, T0);
        StepLease retry = leaseOfAttempt(run.runId(), "ship", 2, 5);
        store.acquireLease(retry, T0.plusSeconds(5));

        assertThatThrownBy(() -> store.finishStepHolding(flowStore(), timedOut, stepBecomes("ship",
                StepStatus.COMPLETED))).isInstanceOfSatisfying(StaleExecutionException.class, e -> assertThat(e)
                .hasMessageContaining("NVENT-0260").hasMessageContaining("node-a for attempt 1"));
        if (refusesFinishingALostLease()) {
            assertThatThrownBy(() -> store.finishStep(flowStore(), timedOut, stepBecomes("ship", StepStatus.COMPLETED)))
                    .as("its plain finish too").isInstanceOf(StaleExecutionException.class);
        }
        assertStateAndLogWritesRefused(timedOut);

        assertThat(flowStore().getState(run.runId(), "cursor", T0)).contains("41");
        assertUnchanged(run);
        assertThat(store.leasesOfRun(run.runId())).as("the retry's lease").containsExactly(retry);

        store.putStateHolding(flowStore(), retry, "cursor", "43", Optional.empty());
        store.putStateHolding(flowStore(), new StepLease(run.runId(), "ship", "node-a", T0.plusSeconds(60)),
                "page", "1", Optional.empty());
        assertThat(store.finishStepHolding(flowStore(), retry, stepBecomes("ship", StepStatus.COMPLETED)))
                .map(change -> change.run().steps().get("ship")).contains(StepStatus.COMPLETED);
        assertThat(flowStore().getState(run.runId(), "cursor", T0)).contains("43");
        assertThat(flowStore().getState(run.runId(), "page", T0)).as("written under a lease naming no attempt")
                .contains("1");
        assertThat(store.leasesOfRun(run.runId())).isEmpty();
    }

    /**
     * An operator retried a step whose attempt 1 timed out, and the retry's job, which counts its attempts from 1
     * again, took the step's lease on the owner where that attempt still runs: the lease names the retry's
     * execution, and the timed-out execution's progress, result, state writes, log lines and release are refused
     * though its owner and attempt are the same. A renewal keeps the execution; a write naming the attempt but no
     * execution (a caller that does not keep it) is judged by owner and attempt, as before.
     */
    @Test
    void anOperatorsRetryTellsItsExecutionFromATimedOutAttemptOfTheSameNumberOnTheSameOwner() {
        assumeThat(keepsLeaseExecutions()).as("the store keeps the execution with its leases").isTrue();
        RunRecord run = storedRun();
        flowStore().putState(run.runId(), "cursor", "41", Optional.empty());
        StepLease timedOut = leaseOfAttempt(run.runId(), "ship", 1, 0).forExecution(1, 7);
        store.acquireLease(timedOut, T0);
        assertThat(store.leasesOfRun(run.runId())).as("the lease names its execution").containsExactly(timedOut);
        assertThat(store.recordProgress(timedOut, progress(10, "timed out"), T0)).isTrue();

        StepLease retry = leaseOfAttempt(run.runId(), "ship", 1, 5).forExecution(1, 8);
        assertThat(store.acquireLease(retry, T0.plusSeconds(5))).as("the operator's retry takes it on the same owner")
                .isTrue();
        assertThat(store.progressOfRun(run.runId())).as("the timed-out execution's progress is not the retry's")
                .isEmpty();
        assertThat(store.recordProgress(timedOut, progress(20, "timed out"), T0.plusSeconds(6))).isFalse();
        assertThatThrownBy(() -> store.finishStepHolding(flowStore(), timedOut, stepBecomes("ship",
                StepStatus.COMPLETED))).isInstanceOf(StaleExecutionException.class);
        assertStateAndLogWritesRefused(timedOut);
        assertThat(store.releaseLease(timedOut)).as("the timed-out execution's release").isFalse();
        assertThat(flowStore().getState(run.runId(), "cursor", T0)).contains("41");
        assertUnchanged(run);
        assertThat(store.leasesOfRun(run.runId())).as("the retry's lease").containsExactly(retry);

        store.renewLeases("node-a", T0.plusSeconds(90), T0.plusSeconds(30));
        assertThat(store.leasesOfRun(run.runId())).as("a renewal keeps the execution")
                .extracting(StepLease::execution).containsExactly(OptionalLong.of(8));
        store.putStateHolding(flowStore(), leaseOfAttempt(run.runId(), "ship", 1, 31), "page", "1", Optional.empty());
        store.putStateHolding(flowStore(), retry, "cursor", "43", Optional.empty());
        assertThat(store.finishStepHolding(flowStore(), retry, stepBecomes("ship", StepStatus.COMPLETED)))
                .map(change -> change.run().steps().get("ship")).contains(StepStatus.COMPLETED);
        assertThat(flowStore().getState(run.runId(), "cursor", T0)).contains("43");
        assertThat(flowStore().getState(run.runId(), "page", T0)).as("written naming no execution").contains("1");
        assertThat(store.leasesOfRun(run.runId())).isEmpty();
    }

    /**
     * Progress recorded, and the lease renewed with it, under a lease naming the attempt but no execution (a caller
     * that does not keep it) leaves the lease its execution: the writes of another execution of the attempt stay
     * refused.
     */
    @Test
    void progressRecordedNamingNoExecutionLeavesTheLeaseItsExecution() {
        assumeThat(keepsLeaseExecutions()).as("the store keeps the execution with its leases").isTrue();
        assumeThat(keepsProgress()).as("the store keeps progress").isTrue();
        RunRecord run = storedRun();
        store.acquireLease(leaseOfAttempt(run.runId(), "ship", 1, 0).forExecution(1, 8), T0);

        assertThat(store.recordProgress(leaseOfAttempt(run.runId(), "ship", 1, 30), progress(10, "half"),
                T0.plusSeconds(30))).isTrue();

        assertThat(store.leasesOfRun(run.runId())).as("renewed, for the same execution").singleElement()
                .satisfies(lease -> {
                    assertThat(lease.expiresAt()).isEqualTo(T0.plusSeconds(90));
                    assertThat(lease.execution()).isEqualTo(OptionalLong.of(8));
                });
        assertThat(store.releaseLease(leaseOfAttempt(run.runId(), "ship", 1, 31).forExecution(1, 7)))
                .as("another execution's release").isFalse();
    }

    /**
     * Giving a lease up for an attempt leaves it to another attempt its owner took it for since (the retry of a
     * timed-out attempt on the same instance), and to another owner; a lease naming no attempt goes by its owner.
     */
    @Test
    void releasingALeaseForAnAttemptLeavesTheLeaseItsOwnerTookForAnotherAttempt() {
        assumeThat(keepsProgress()).as("the store keeps the attempt with its leases, as one keeping progress does")
                .isTrue();
        String runId = newRun();
        StepLease timedOut = leaseOfAttempt(runId, "ship", 1, 0);
        store.acquireLease(timedOut, T0);
        StepLease retry = leaseOfAttempt(runId, "ship", 2, 5);
        store.acquireLease(retry, T0.plusSeconds(5));

        assertThat(store.releaseLease(timedOut)).as("the timed-out attempt's release").isFalse();
        assertThat(store.releaseLease(new StepLease(runId, "ship", "node-b", T0.plusSeconds(60)).forAttempt(2)))
                .as("another owner's").isFalse();
        assertThat(store.leasesOfRun(runId)).containsExactly(retry);

        assertThat(store.releaseLease(retry)).isTrue();
        assertThat(store.leasesOfRun(runId)).isEmpty();
        assertThat(store.releaseLease(retry)).as("given up already").isFalse();

        store.acquireLease(retry, T0.plusSeconds(6));
        assertThat(store.releaseLease(new StepLease(runId, "ship", "node-a", T0.plusSeconds(60))))
                .as("a release naming no attempt").isTrue();
        assertThat(store.leasesOfRun(runId)).isEmpty();
    }

    /**
     * The release of a timed-out attempt's lease racing its retry's taking of the lease on the same owner: whichever
     * comes first, the retry holds the lease afterwards (the store decides in the delete, not by a read before).
     */
    @Test
    void aTimedOutAttemptsReleaseRacingItsRetrysTakingOfTheLeaseLeavesTheRetryItsLease() {
        assumeThat(keepsProgress()).as("the store keeps the attempt with its leases, as one keeping progress does")
                .isTrue();
        for (int round = 0; round < 20; round++) {
            String runId = newRun();
            StepLease timedOut = leaseOfAttempt(runId, "ship", 1, 0);
            store.acquireLease(timedOut, T0);
            StepLease retry = leaseOfAttempt(runId, "ship", 2, 5);

            runConcurrently(2, thread -> {
                if (thread == 0) {
                    store.releaseLease(timedOut);
                } else {
                    store.acquireLease(retry, T0.plusSeconds(5));
                }
            });

            assertThat(store.leasesOfRun(runId)).as("round " + round).containsExactly(retry);
        }
    }

    /**
     * The check of the lease and the finish are one: another owner's takeover of the expired lease that
     * comes while the finish is under way (here: while its change is made, for at most half a second)
     * either waits until the finish is stored, or is done first and the finish is refused. A finish is
     * never stored over a lease another owner took, which would overwrite that owner's outcome.
     */
    @Test
    void aTakeoverWhileAStepFinishesUnderItsLeaseEitherWaitsForTheFinishOrRefusesIt() throws Exception {
        RunRecord run = storedRun();
        StepLease expired = new StepLease(run.runId(), "ship", "node-a", T0.plusSeconds(30));
        store.acquireLease(expired, T0);
        StepLease takeOver = new StepLease(run.runId(), "ship", "node-b", T0.plusSeconds(90));
        ExecutorService otherOwner = Executors.newSingleThreadExecutor(new TestThreads("other-owner"));
        try {
            List<Future<Boolean>> takeover = new ArrayList<>();
            AtomicBoolean tookOverMeanwhile = new AtomicBoolean();
            RunMutation finishWhileTakenOver = current -> {
                synchronized (takeover) {
                    if (takeover.isEmpty()) {
                        takeover.add(otherOwner.submit(() -> store.acquireLease(takeOver, T0.plusSeconds(30))));
                    }
                }
                tookOverMeanwhile.set(doneWithin(takeover.get(0), Duration.ofMillis(500)));
                return stepBecomes("ship", StepStatus.COMPLETED).apply(current);
            };

            Optional<StoredChange> finished;
            try {
                finished = store.finishStepHolding(flowStore(), expired, finishWhileTakenOver);
            } catch (StaleExecutionException refused) {
                finished = Optional.empty();
            }

            assertThat(takeover.get(0).get(10, TimeUnit.SECONDS)).as("the takeover, once done").isTrue();
            if (tookOverMeanwhile.get()) {
                assertThat(finished).as("a finish whose lease was taken over while it was under way").isEmpty();
                assertUnchanged(run);
            } else {
                assertThat(finished).as("a finish the takeover waited for").isPresent();
                assertThat(flowStore().findRun(run.runId()).orElseThrow().steps())
                        .containsEntry("ship", StepStatus.COMPLETED);
            }
            assertThat(store.leasesOfRun(run.runId())).containsExactly(takeOver);
        } finally {
            otherOwner.shutdownNow();
        }
    }

    /** Whether {@code task} is done within {@code wait}; a task that is not done then goes on. */
    private static boolean doneWithin(Future<?> task, Duration wait) {
        try {
            task.get(wait.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException stillWaiting) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the takeover failed", e.getCause());
        }
    }

    // ---------------------------------------------------------------- helpers

    /**
     * A unique id for this test, starting with {@code what}.
     *
     * @param what a word saying what the id is for
     * @return the id
     */
    protected final String id(String what) {
        return idPrefix + "-" + what + "-" + counter.incrementAndGet();
    }

    /**
     * A new run id, made to exist through {@link #runExists(String)}.
     *
     * @return the run id
     */
    protected final String newRun() {
        String runId = id("run");
        runExists(runId);
        return runId;
    }

    /**
     * A new running run of flow {@code contract}, stored in {@link #flowStore()} (by
     * {@link #runExists(String)}, or here if that stored nothing there).
     *
     * @return the run as stored
     */
    protected final RunRecord storedRun() {
        String runId = newRun();
        if (flowStore().findRun(runId).isEmpty()) {
            flowStore().createRun(RunRecord.started(runId, "contract", "{}", Optional.empty(), T0), List.of());
        }
        return flowStore().findRun(runId).orElseThrow();
    }

    /**
     * A new running run of flow {@code contract} started with the concurrency key, stored in {@link #flowStore()}: as
     * the engine starts them, a run holds no key but its own, so a store may look at the key a run's end may leave
     * held by the ended run's key alone.
     *
     * @param key the run's concurrency key
     * @param limit the run's concurrency limit
     * @return the run's id
     */
    protected final String keyedRun(String key, int limit) {
        String runId = id("run");
        flowStore().createRun(RunRecord.started(runId, "contract", "{}", Optional.empty(), T0)
                .withConcurrencyKey(key, limit), List.of());
        return runId;
    }

    /** A change of one step's status, with a log entry naming it. */
    private static RunMutation stepBecomes(String step, StepStatus status) {
        return current -> Optional.of(new RunChange(current.withStep(step, status),
                List.of(EventDraft.ofStep(EventType.LOG, step, 1, T0, "{\"status\":\"" + status + "\"}"))));
    }

    /** Asserts the run is stored as it was: same version, steps and status, and no history added. */
    private void assertUnchanged(RunRecord run) {
        RunRecord stored = flowStore().findRun(run.runId()).orElseThrow();
        assertThat(stored.version()).as("version").isEqualTo(run.version());
        assertThat(stored.status()).as("status").isEqualTo(run.status());
        assertThat(stored.steps()).as("steps").isEqualTo(run.steps());
        assertThat(flowStore().readEvents(run.runId(), EventQuery.all())).as("history").isEmpty();
    }

    /**
     * A waiting webhook await before step {@code pay}, registered at {@code registeredAt}, no timeout.
     *
     * @param runId the run
     * @param registeredAt when it started waiting
     * @return the await, not yet saved
     */
    protected final AwaitRecord webhookAwait(String runId, Instant registeredAt) {
        return webhookAwait(runId, "pay", registeredAt);
    }

    /** A waiting webhook await before the step, registered at {@code registeredAt}, no timeout; not yet saved. */
    private AwaitRecord webhookAwait(String runId, String step, Instant registeredAt) {
        return new AwaitRecord(id("await"), id("token"), runId, "expense", step, AwaitPosition.BEFORE,
                AwaitType.WEBHOOK, AwaitStatus.WAITING, registeredAt, Optional.empty(), Optional.empty(),
                TimeoutAction.FAIL, Optional.empty(), Optional.empty(), "[]", Optional.empty(), Optional.empty());
    }

    /**
     * A waiting time await with the given resolve and timeout times.
     *
     * @param runId the run
     * @param registeredAt when it started waiting
     * @param resolveAt when it resolves by itself; empty for never
     * @param timeoutAt when it times out; empty for never
     * @return the await, not yet saved
     */
    protected final AwaitRecord timeAwait(String runId, Instant registeredAt, Optional<Instant> resolveAt,
                                          Optional<Instant> timeoutAt) {
        return new AwaitRecord(id("await"), id("token"), runId, "orders", "ship", AwaitPosition.BEFORE,
                AwaitType.TIME, AwaitStatus.WAITING, registeredAt, resolveAt, timeoutAt, TimeoutAction.CONTINUE,
                Optional.empty(), Optional.empty(), "[]", Optional.empty(), Optional.empty());
    }

    /**
     * A waiting await before step {@code collect} for the run's children to end, no timeout.
     *
     * @param runId the run
     * @param registeredAt when it started waiting
     * @return the await, not yet saved
     */
    protected final AwaitRecord childrenAwait(String runId, Instant registeredAt) {
        return new AwaitRecord(id("await"), id("token"), runId, "batch", "collect", AwaitPosition.BEFORE,
                AwaitType.CHILDREN, AwaitStatus.WAITING, registeredAt, Optional.empty(), Optional.empty(),
                TimeoutAction.FAIL, Optional.empty(), Optional.empty(), "[]", Optional.empty(), Optional.empty());
    }

    /**
     * A waiting event await after step {@code charge}, holding one emission.
     *
     * @param runId the run
     * @param registeredAt when it started waiting
     * @param event the event it waits for
     * @return the await, not yet saved
     */
    protected final AwaitRecord eventAwait(String runId, Instant registeredAt, String event) {
        return new AwaitRecord(id("await"), id("token"), runId, "orders", "charge", AwaitPosition.AFTER,
                AwaitType.EVENT, AwaitStatus.WAITING, registeredAt, Optional.empty(), Optional.empty(),
                TimeoutAction.FAIL, Optional.of(event), Optional.empty(),
                "[{\"event\":\"charged\",\"payload\":{\"amount\":5}}]", Optional.empty(), Optional.empty());
    }

    /**
     * An enabled manual trigger starting flow {@code a}, created at {@code T0}, never fired.
     *
     * @param name trigger name
     * @return the trigger, not yet saved
     */
    protected static TriggerRecord manualTrigger(String name) {
        return new TriggerRecord(TriggerSpec.newBuilder(name, TriggerType.MANUAL).flow("a").description("test").build(),
                false, T0, 0, 0, Optional.empty(), Optional.empty());
    }

    /**
     * Asserts two JSON texts denote the same value.
     *
     * @param actual JSON text the store returned
     * @param expected JSON text the test stored
     */
    protected static void assertSameJson(String actual, String expected) {
        assertThat(JsonValues.canonical(actual)).as("JSON %s vs %s", actual, expected)
                .isEqualTo(JsonValues.canonical(expected));
    }

    /**
     * Asserts two awaits are equal, comparing their JSON fields as JSON values.
     *
     * @param actual the await the store returned
     * @param expected the await the test expects
     */
    protected static void assertSameAwait(AwaitRecord actual, AwaitRecord expected) {
        assertThat(withoutJson(actual)).isEqualTo(withoutJson(expected));
        assertSameJson(actual.held(), expected.held());
        assertThat(actual.data().map(JsonValues::canonical)).isEqualTo(expected.data().map(JsonValues::canonical));
    }

    private static AwaitRecord withoutJson(AwaitRecord a) {
        return new AwaitRecord(a.awaitId(), a.token(), a.runId(), a.flow(), a.step(), a.position(), a.type(),
                a.status(), a.registeredAt(), a.resolveAt(), a.timeoutAt(), a.timeoutAction(), a.event(),
                a.filterValue(), "", a.data().map(d -> ""), a.closedAt(), a.concurrencyLimit());
    }

    /** A clock stopped at {@code instant}. */
    private static Clock at(Instant instant) {
        return Clock.fixed(instant, ZoneOffset.UTC);
    }

    /**
     * Runs {@code body} on {@code threads} threads released together; see {@link Concurrently}.
     *
     * @param threads how many threads
     * @param body what each thread runs
     */
    protected static void runConcurrently(int threads, Concurrently.Body body) {
        Concurrently.run(threads, body);
    }

    // ------------------------------------------------------------------ concurrency keys

    /** A waiting await of {@code runId} for its turn under {@code key}, saved. */
    private AwaitRecord waitsForKey(String runId, String key, Instant registeredAt) {
        return waitsForKey(id("await"), runId, key, registeredAt);
    }

    private AwaitRecord waitsForKey(String awaitId, String runId, String key, Instant registeredAt) {
        return waitsForKey(awaitId, runId, key, registeredAt, 1);
    }

    /** A waiting await of {@code runId} for its turn under {@code key}, of the run's concurrency limit, saved. */
    private AwaitRecord waitsForKey(String awaitId, String runId, String key, Instant registeredAt, int limit) {
        AwaitRecord await = new AwaitRecord(awaitId, id("token"), runId, "sync", "sync-customer",
                AwaitPosition.BEFORE, AwaitType.CONCURRENCY_KEY, AwaitStatus.WAITING, registeredAt, Optional.empty(),
                Optional.empty(), TimeoutAction.FAIL, Optional.of(key), Optional.empty(), "[]", Optional.empty(),
                Optional.empty(), limit);
        store.saveAwait(await);
        return await;
    }

    /** The run waits for the key, gets it and goes on (its await resolved), as the engine lets a holder go on. */
    private void holds(String runId, String key) {
        AwaitRecord await = waitsForKey(runId, key, T0);
        assertThat(store.settleConcurrencyKey(flowStore(), key, T0)).contains(runId);
        store.closeAwait(await.awaitId(), AwaitStatus.RESOLVED, Optional.of("{}"), T0);
    }

    private void ends(String runId, RunStatus status) {
        flowStore().updateRun(runId, r -> Optional.of(new RunChange(r.withStatus(status, T0), List.of())));
    }

    @Test
    void aStoreThatHoldsNoConcurrencyKeysRefusesToSettleOneNamingItself() {
        assumeThat(holdsConcurrencyKeys()).as("the default implementation").isFalse();
        assertThatThrownBy(() -> store.settleConcurrencyKey(flowStore(), "k", T0))
                .isInstanceOf(io.nvent.UnsupportedByAdapterException.class)
                .hasMessageStartingWith(SchedulingStore.CONCURRENCY_KEYS_UNSUPPORTED + " scheduling store "
                        + store.getClass().getName());
    }

    @Test
    void keepsTheConcurrencyKeyARunWasStartedWith() {
        assumeThat(holdsConcurrencyKeys()).isTrue();
        String runId = id("run");
        flowStore().createRun(RunRecord.started(runId, "contract", "{}", Optional.empty(), T0)
                .withConcurrencyKey("customer-42"), List.of());

        assertThat(flowStore().findRun(runId).orElseThrow().concurrencyKey()).contains("customer-42");
    }

    @Test
    void theRunThatWaitedLongestGetsAFreeConcurrencyKeyAndKeepsItWhileItIsUnderWay() {
        assumeThat(holdsConcurrencyKeys()).isTrue();
        String key = id("key");
        String later = storedRun().runId();
        String first = storedRun().runId();
        waitsForKey(later, key, T0.plusSeconds(2));
        waitsForKey(first, key, T0.plusSeconds(1));

        assertThat(store.settleConcurrencyKey(flowStore(), key, T0)).contains(first);
        assertThat(store.settleConcurrencyKey(flowStore(), key, T0)).as("settled again").contains(first);
        assertThat(store.concurrencyKeyHolder(key)).contains(first);
        assertThat(store.settleConcurrencyKey(flowStore(), id("other-key"), T0)).as("a key nobody waits for")
                .isEmpty();
    }

    /**
     * A start delayed with a concurrency key waits on a time await that carries the key: the store keeps it, finds
     * it due, and neither gives the key to its run nor counts the key as waited for meanwhile.
     */
    @Test
    void keepsTheKeyOfADelayedStartsTimeAwaitAndGivesTheKeyToNoneForIt() {
        assumeThat(holdsConcurrencyKeys()).isTrue();
        String key = id("key");
        String delayed = storedRun().runId();
        AwaitRecord delay = new AwaitRecord(id("await"), id("token"), delayed, "sync", "sync-customer",
                AwaitPosition.BEFORE, AwaitType.TIME, AwaitStatus.WAITING, T0, Optional.of(T0.plusSeconds(60)),
                Optional.empty(), TimeoutAction.FAIL, Optional.of(key), Optional.empty(), "[]", Optional.empty(),
                Optional.empty());

        store.saveAwait(delay);

        assertSameAwait(store.findAwait(delay.awaitId()).orElseThrow(), delay);
        assertThat(store.dueAwaits(T0.plusSeconds(60), 10)).extracting(AwaitRecord::awaitId)
                .contains(delay.awaitId());
        assertThat(store.unsettledConcurrencyKeys(flowStore(), 100)).doesNotContain(key);
        assertThat(store.settleConcurrencyKey(flowStore(), key, T0)).isEmpty();
    }

    /** Instances ending one delayed start at once store its await for the key under one id: the second is refused. */
    @Test
    void refusesASecondAwaitWithTheIdOfOneItHoldsAndKeepsTheFirst() {
        assumeThat(holdsConcurrencyKeys()).isTrue();
        String runId = newRun();
        AwaitRecord first = webhookAwait(runId, T0);
        store.saveAwait(first);
        store.closeAwait(first.awaitId(), AwaitStatus.RESOLVED, Optional.of("{}"), T0.plusSeconds(1));
        AwaitRecord again = new AwaitRecord(first.awaitId(), id("token"), runId, first.flow(), first.step(),
                first.position(), first.type(), AwaitStatus.WAITING, T0.plusSeconds(2), Optional.empty(),
                Optional.empty(), TimeoutAction.FAIL, Optional.empty(), Optional.empty(), "[]", Optional.empty(),
                Optional.empty());

        assertThatThrownBy(() -> store.saveAwait(again)).isInstanceOf(RuntimeException.class);

        assertThat(store.findAwait(first.awaitId()).orElseThrow().status()).isEqualTo(AwaitStatus.RESOLVED);
        assertThat(store.findAwaitByToken(again.token())).isEmpty();
    }

    /** Ids as the engine makes them for these awaits (time-ordered UUIDs), saved in the other order. */
    @Test
    void ofRunsThatBeganWaitingForAKeyAtOneInstantTheOneWhoseAwaitIdSortsFirstGetsIt() {
        assumeThat(holdsConcurrencyKeys()).isTrue();
        String key = id("key");
        String later = storedRun().runId();
        String earlier = storedRun().runId();
        waitsForKey("0190f3a2-7c41-7002-8a5e-3f1c2b4d5e6f", later, key, T0);
        waitsForKey("0190f3a2-7c41-7001-b9d4-8e7f6a5b4c3d", earlier, key, T0);

        assertThat(store.settleConcurrencyKey(flowStore(), key, T0)).contains(earlier);
    }

    @Test
    void whenItsHolderEndsAConcurrencyKeyGoesToTheOldestWaiterStillUnderWayOrIsFreed() {
        assumeThat(holdsConcurrencyKeys()).isTrue();
        String key = id("key");
        String holder = storedRun().runId();
        String canceled = storedRun().runId();
        String next = storedRun().runId();
        AwaitRecord holding = waitsForKey(holder, key, T0);
        waitsForKey(canceled, key, T0.plusSeconds(1));
        AwaitRecord nextWaits = waitsForKey(next, key, T0.plusSeconds(2));
        assertThat(store.settleConcurrencyKey(flowStore(), key, T0)).contains(holder);
        store.closeAwait(holding.awaitId(), AwaitStatus.RESOLVED, Optional.of("{}"), T0);
        ends(canceled, RunStatus.CANCELED);

        ends(holder, RunStatus.FAILED);

        assertThat(store.settleConcurrencyKey(flowStore(), key, T0.plusSeconds(5))).contains(next);
        store.closeAwait(nextWaits.awaitId(), AwaitStatus.RESOLVED, Optional.of("{}"), T0);
        ends(next, RunStatus.COMPLETED);
        assertThat(store.settleConcurrencyKey(flowStore(), key, T0.plusSeconds(6))).as("nobody waits").isEmpty();
        assertThat(store.concurrencyKeyHolder(key)).isEmpty();
    }

    @Test
    void aConcurrencyKeyHandedToNoOneKeepsNoRowAndIsHeldAgainByTheNextRunWithIt() {
        assumeThat(holdsConcurrencyKeys()).isTrue();
        assumeThat(concurrencyKeysKept()).as("the test can count the keys kept").isPresent();
        int before = concurrencyKeysKept().getAsInt();
        String key = id("key");
        String first = storedRun().runId();
        holds(first, key);
        assertThat(concurrencyKeysKept()).as("held").hasValue(before + 1);

        ends(first, RunStatus.COMPLETED);

        assertThat(store.settleConcurrencyKey(flowStore(), key, T0.plusSeconds(1))).isEmpty();
        assertThat(concurrencyKeysKept()).as("free").hasValue(before);
        assertThat(store.concurrencyKeyHolder(key)).isEmpty();
        assertThat(store.unsettledConcurrencyKeys(flowStore(), 100)).doesNotContain(key);
        String second = storedRun().runId();
        holds(second, key);
        assertThat(store.concurrencyKeyHolder(key)).contains(second);
    }

    @Test
    void namesTheHoldersOfSeveralConcurrencyKeysAtOnce() {
        assumeThat(holdsConcurrencyKeys()).isTrue();
        String a = id("key-a");
        String b = id("key-b");
        String holderOfA = storedRun().runId();
        String holderOfB = storedRun().runId();
        holds(holderOfA, a);
        holds(holderOfB, b);

        assertThat(store.concurrencyKeyHolders(List.of(a, b, id("free-key"), a)))
                .containsExactlyInAnyOrderEntriesOf(Map.of(a, holderOfA, b, holderOfB));
        assertThat(store.concurrencyKeyHolders(List.of())).isEmpty();
    }

    /**
     * As the sweeps of several instances and the holder's end settle the key of a holder that ended, which nobody
     * waits for: the first frees it, deleting its row, while the others wait to lock that row.
     */
    @Test
    void ofSettlesOfAKeyWhoseHolderEndedAndThatNobodyWaitsForAtOnceEachFindsItFreeAndNoRowIsLeft() {
        assumeThat(holdsConcurrencyKeys()).isTrue();
        int threads = 6;
        for (int round = 0; round < 10; round++) {
            String key = id("idle");
            String holder = storedRun().runId();
            holds(holder, key);
            ends(holder, RunStatus.COMPLETED);
            List<Optional<String>> settled = Collections.synchronizedList(new ArrayList<>());

            runConcurrently(threads, thread -> settled.add(store.settleConcurrencyKey(flowStore(), key, T0)));

            assertThat(settled).as("race %d", round).hasSize(threads).containsOnly(Optional.empty());
            assertThat(store.concurrencyKeyHolder(key)).as("race %d", round).isEmpty();
        }
        concurrencyKeysKept().ifPresent(kept -> assertThat(kept).as("rows left").isZero());
    }

    /** A holder's end frees the key (no waiter seen) while runs that start with it settle it: one of them gets it. */
    @Test
    void aConcurrencyKeyFreedWhileRunsStartWithItGoesToOneOfThem() {
        assumeThat(holdsConcurrencyKeys()).isTrue();
        int threads = 4;
        for (int round = 0; round < 10; round++) {
            String key = id("freed");
            String holder = storedRun().runId();
            holds(holder, key);
            List<String> runs = IntStream.range(0, threads).mapToObj(thread -> storedRun().runId()).toList();
            List<Optional<String>> settled = Collections.synchronizedList(new ArrayList<>());

            runConcurrently(threads, thread -> {
                if (thread == 0) {
                    ends(holder, RunStatus.COMPLETED);
                } else {
                    waitsForKey(runs.get(thread), key, T0.plusMillis(thread));
                }
                settled.add(store.settleConcurrencyKey(flowStore(), key, T0.plusSeconds(1)));
            });

            Optional<String> next = store.concurrencyKeyHolder(key);
            assertThat(next).as("race %d", round).isPresent();
            assertThat(runs.subList(1, threads)).as("race %d", round).contains(next.get());
            assertThat(store.settleConcurrencyKey(flowStore(), key, T0.plusSeconds(2))).as("race %d", round)
                    .isEqualTo(next);
            // The end's own settle may find no waiter yet: it frees the key, and a start's settle takes it.
            assertThat(settled).as("race %d", round).hasSize(threads)
                    .allSatisfy(s -> assertThat(s).isIn(Optional.empty(), Optional.of(holder), next));
        }
    }

    @Test
    void aHolderThatEndedWhileAStepOfItHoldsItsLeaseKeepsTheKeyUntilTheLeaseIsGone() {
        assumeThat(holdsConcurrencyKeys()).isTrue();
        String key = id("key");
        String holder = storedRun().runId();
        String next = storedRun().runId();
        holds(holder, key);
        waitsForKey(next, key, T0.plusSeconds(1));
        assertThat(store.acquireLease(holder, "sync-customer", "node-a", T0.plusSeconds(30), T0)).isTrue();

        ends(holder, RunStatus.CANCELED);

        assertThat(store.settleConcurrencyKey(flowStore(), key, T0.plusSeconds(1))).as("its step still runs")
                .contains(holder);
        assertThat(store.unsettledConcurrencyKeys(flowStore(), 100)).doesNotContain(key);
        assertThat(store.settleConcurrencyKey(flowStore(), key, T0.plusSeconds(30))).as("its lease ran out")
                .contains(next);
        store.releaseLease(holder, "sync-customer", "node-a");
        String released = id("released");
        String third = keyedRun(released, 1);
        holds(third, released);
        waitsForKey(storedRun().runId(), released, T0.plusSeconds(1));
        store.acquireLease(third, "sync-customer", "node-a", T0.plusSeconds(30), T0);
        ends(third, RunStatus.FAILED);
        assertThat(store.settleConcurrencyKey(flowStore(), released, T0)).contains(third);
        store.releaseLease(third, "sync-customer", "node-a");
        assertThat(store.unsettledConcurrencyKeys(flowStore(), 100)).as("its step ended").contains(released);
    }

    @Test
    void aDeletedHolderHandsItsConcurrencyKeyOn() {
        assumeThat(holdsConcurrencyKeys()).isTrue();
        String key = id("key");
        String holder = keyedRun(key, 1);
        String next = storedRun().runId();
        holds(holder, key);
        waitsForKey(next, key, T0.plusSeconds(1));
        ends(holder, RunStatus.COMPLETED);
        flowStore().deleteFinishedRun(holder, flowStore().findRun(holder).orElseThrow().version());

        assertThat(store.unsettledConcurrencyKeys(flowStore(), 100)).contains(key);
        assertThat(store.settleConcurrencyKey(flowStore(), key, T0)).contains(next);
    }

    @Test
    void listsTheConcurrencyKeysTheSweepMustSettle() {
        assumeThat(holdsConcurrencyKeys()).isTrue();
        String settled = id("settled");
        String heldByEnded = id("held-by-ended");
        String neverSettled = id("never-settled");
        String holderStillWaits = id("holder-still-waits");
        holds(storedRun().runId(), settled);
        String b = keyedRun(heldByEnded, 1);
        holds(b, heldByEnded);
        ends(b, RunStatus.CANCELED);
        waitsForKey(storedRun().runId(), neverSettled, T0);
        String c = storedRun().runId();
        waitsForKey(c, holderStillWaits, T0);
        store.settleConcurrencyKey(flowStore(), holderStillWaits, T0);
        String endedWaiter = storedRun().runId();
        waitsForKey(endedWaiter, id("waited-for-by-an-ended-run"), T0);   // its instance stopped before closing it
        ends(endedWaiter, RunStatus.CANCELED);

        assertThat(store.unsettledConcurrencyKeys(flowStore(), 100))
                .containsExactlyInAnyOrder(heldByEnded, neverSettled, holderStillWaits);
        assertThat(store.unsettledConcurrencyKeys(flowStore(), 1)).hasSize(1);
    }

    /**
     * As after an earlier build of nvent 0.2, which kept a row of every key handed to no one (one key per order, say):
     * those rows take no places of keys the sweep must settle, and are not left for ever.
     */
    @Test
    void rowsOfFreeKeysAnEarlierBuildLeftKeepTheSweepFromNoKeyThatNeedsSettling() {
        assumeThat(holdsConcurrencyKeys()).isTrue();
        boolean freeRowsStored = IntStream.range(0, 5)
                .allMatch(i -> storeARowOfAFreeConcurrencyKey(id("free-" + i)));
        String heldByEnded = id("held-by-ended");
        String holder = keyedRun(heldByEnded, 1);
        holds(holder, heldByEnded);
        ends(holder, RunStatus.COMPLETED);
        String neverSettled = id("never-settled");
        String waiter = storedRun().runId();
        AwaitRecord waits = waitsForKey(waiter, neverSettled, T0);

        assertThat(store.unsettledConcurrencyKeys(flowStore(), 2)).as("free rows stored: %s", freeRowsStored)
                .containsExactlyInAnyOrder(heldByEnded, neverSettled);
        assertThat(store.settleConcurrencyKey(flowStore(), neverSettled, T0)).contains(waiter);
        store.closeAwait(waits.awaitId(), AwaitStatus.RESOLVED, Optional.of("{}"), T0);
        assertThat(store.settleConcurrencyKey(flowStore(), heldByEnded, T0)).isEmpty();
        assertThat(store.unsettledConcurrencyKeys(flowStore(), 100)).as("after the sweep").isEmpty();
        concurrencyKeysKept().ifPresent(kept -> assertThat(kept).as("rows kept: the key held").isEqualTo(1));
    }

    @Test
    void ofRunsSettlingOneFreeConcurrencyKeyAtOnceAllAgreeOnOneHolder() {
        racesForOneKey(true);
    }

    /** As the first runs ever started with a key: the settles race to store the key too. */
    @Test
    void ofRunsSettlingOneConcurrencyKeyNotYetStoredAtOnceAllAgreeOnOneHolder() {
        racesForOneKey(false);
    }

    /**
     * What a skipping trigger's fires on several instances ask at once (each its run stored waiting for the key, then
     * settled): exactly one finds its own run among the holders, the others another run, which they are skipped for.
     * With a run holding the key under way, every one finds that run.
     */
    @Test
    void ofRunsClaimingOneConcurrencyKeyAtOnceExactlyOneFindsItselfItsHolder() {
        assumeThat(holdsConcurrencyKeys()).isTrue();
        int threads = 4;
        for (int round = 0; round < 10; round++) {
            String key = id("claimed");
            Optional<String> underWay = round % 2 == 0 ? Optional.empty() : Optional.of(storedRun().runId());
            underWay.ifPresent(holder -> holds(holder, key));
            List<String> runs = IntStream.range(0, threads).mapToObj(thread -> storedRun().runId()).toList();
            Map<String, List<String>> answers = new java.util.concurrent.ConcurrentHashMap<>();

            runConcurrently(threads, thread -> {
                waitsForKey(runs.get(thread), key, T0.plusMillis(thread));
                answers.put(runs.get(thread), store.settleConcurrencyKeyHolders(flowStore(), key, T0));
            });

            List<String> winners = runs.stream().filter(run -> answers.get(run).contains(run)).toList();
            assertThat(winners).as("round %d", round).hasSize(underWay.isPresent() ? 0 : 1);
            String holder = underWay.orElseGet(() -> winners.get(0));
            assertThat(answers.values()).as("round %d", round).allSatisfy(held -> assertThat(held).containsExactly(holder));
            assertThat(store.concurrencyKeyHolderList(key)).containsExactly(holder);
        }
    }

    /**
     * What the racing fires of a trigger with overlap buffer-one or cancel-other ask once their runs wait for the key:
     * the store admits their claims in the order they come, whatever the runs' {@code registeredAt} (each instance's
     * clock) says, and each claim sees the ones admitted before it, not those after.
     */
    @Test
    void claimsToAConcurrencyKeysLineAreAdmittedInTheOrderTheyComeNotByTheirInstancesClocks() {
        assumeThat(store.keepsConcurrencyKeyClaims()).as("a store that keeps an order of claims").isTrue();
        String key = id("claimed-line");
        String holder = storedRun().runId();
        holds(holder, key);
        String ahead = storedRun().runId();
        String behind = storedRun().runId();
        waitsForKey(ahead, key, T0.plusSeconds(10));
        waitsForKey(behind, key, T0);   // began waiting earlier, by a clock 10 s behind

        assertThat(store.claimConcurrencyKeyLine(flowStore(), key, ahead, T0))
                .isEqualTo(new ConcurrencyKeyClaim(List.of(holder), List.of()));
        assertThat(store.claimConcurrencyKeyLine(flowStore(), key, behind, T0).claimedBefore()).containsExactly(ahead);
        assertThat(store.claimConcurrencyKeyLine(flowStore(), key, ahead, T0).claimedBefore())
                .as("claimed again, a run keeps its first place").isEmpty();
        store.awaitsOfRun(ahead).forEach(a -> store.closeAwait(a.awaitId(), AwaitStatus.CANCELED, Optional.empty(), T0));
        String third = storedRun().runId();
        waitsForKey(third, key, T0.plusSeconds(1));
        assertThat(store.claimConcurrencyKeyLine(flowStore(), key, third, T0).claimedBefore())
                .as("a run that left the line is claimed before none").containsExactly(behind);
        ends(holder, RunStatus.COMPLETED);
        assertThat(store.claimConcurrencyKeyLine(flowStore(), key, third, T0)).as("the key handed on, to the run that"
                + " began waiting first, which holds it now").isEqualTo(new ConcurrencyKeyClaim(List.of(behind),
                List.of(behind)));
    }

    /**
     * The key's holder ends while racing fires claim: the key goes to the run whose claim the store admitted, not to
     * one that began waiting earlier by a clock behind and has not claimed yet (it would go on, and the claimed run
     * after it: two runs of fires racing under overlap skip).
     */
    @Test
    void aKeyHandedOnGoesToTheRunWhoseClaimWasAdmittedNotToOneThatBeganWaitingEarlierByItsClock() {
        assumeThat(store.keepsConcurrencyKeyClaims()).isTrue();
        String key = id("handed-to-claimed");
        String holder = storedRun().runId();
        holds(holder, key);
        String unclaimed = storedRun().runId();
        String claimed = storedRun().runId();
        waitsForKey(unclaimed, key, T0);   // its instance's clock 10 s behind
        waitsForKey(claimed, key, T0.plusSeconds(10));
        store.claimConcurrencyKeyLine(flowStore(), key, claimed, T0);
        ends(holder, RunStatus.CANCELED);

        assertThat(store.settleConcurrencyKeyHolders(flowStore(), key, T0)).containsExactly(claimed);
        assertThat(store.claimConcurrencyKeyLine(flowStore(), key, unclaimed, T0))
                .isEqualTo(new ConcurrencyKeyClaim(List.of(claimed), List.of(claimed)));
    }

    /** A run not (yet) waiting for the key, as a delayed fire's during its delay, is admitted nowhere in its line. */
    @Test
    void theClaimOfARunWithNoAwaitForTheKeySeesNoClaimBeforeIt() {
        assumeThat(store.keepsConcurrencyKeyClaims()).isTrue();
        String key = id("claim-without-await");
        String holder = storedRun().runId();
        holds(holder, key);
        String waiting = storedRun().runId();
        waitsForKey(waiting, key, T0);
        store.claimConcurrencyKeyLine(flowStore(), key, waiting, T0);

        assertThat(store.claimConcurrencyKeyLine(flowStore(), key, storedRun().runId(), T0))
                .isEqualTo(new ConcurrencyKeyClaim(List.of(holder), List.of()));
    }

    /** Claims of racing instances are serialised: each sees every claim admitted before it, one sees none. */
    @Test
    void ofRunsClaimingOneConcurrencyKeysLineAtOnceEachSeesTheClaimsAdmittedBeforeIt() {
        assumeThat(store.keepsConcurrencyKeyClaims()).isTrue();
        int threads = 4;
        for (int round = 0; round < 5; round++) {
            String key = id("claimed-together");
            holds(storedRun().runId(), key);
            List<String> runs = IntStream.range(0, threads).mapToObj(thread -> storedRun().runId()).toList();
            Map<String, List<String>> before = new java.util.concurrent.ConcurrentHashMap<>();

            runConcurrently(threads, thread -> {
                waitsForKey(runs.get(thread), key, T0.plusMillis(threads - thread));
                before.put(runs.get(thread), store.claimConcurrencyKeyLine(flowStore(), key, runs.get(thread), T0)
                        .claimedBefore());
            });

            List<List<String>> inOrder = before.values().stream().sorted(Comparator.comparingInt(List::size)).toList();
            for (int i = 0; i < threads; i++) {
                assertThat(inOrder.get(i)).as("round %d, claim %d", round, i).hasSize(i);
                assertThat(inOrder.get(i).subList(0, Math.max(0, i - 1))).as("round %d, claim %d: those before the"
                        + " claim before it, then that one", round, i).isEqualTo(i == 0 ? List.of() : inOrder.get(i - 1));
            }
        }
    }

    @Test
    void aStoreThatKeepsNoOrderOfClaimsRefusesOneNamingItself() {
        assumeThat(store.keepsConcurrencyKeyClaims()).as("the default implementation").isFalse();
        assertThatThrownBy(() -> store.claimConcurrencyKeyLine(flowStore(), "k", "run", T0))
                .isInstanceOf(io.nvent.UnsupportedByAdapterException.class)
                .hasMessageContaining(store.getClass().getName());
    }

    private void racesForOneKey(boolean storedBefore) {
        assumeThat(holdsConcurrencyKeys()).isTrue();
        int threads = 6;
        for (int round = 0; round < 10; round++) {
            String key = id("raced");
            if (storedBefore) {
                // Known to the store and free, as a key is once its runs ended: nothing but the settle decides.
                assertThat(store.settleConcurrencyKey(flowStore(), key, T0)).isEmpty();
            }
            List<String> runs = IntStream.range(0, threads).mapToObj(thread -> storedRun().runId()).toList();
            List<Optional<String>> holders = Collections.synchronizedList(new ArrayList<>());

            runConcurrently(threads, thread -> {
                waitsForKey(runs.get(thread), key, T0.plusMillis(thread));
                holders.add(store.settleConcurrencyKey(flowStore(), key, T0));
            });

            assertThat(holders).as("race %d", round).hasSize(threads).doesNotContain(Optional.empty());
            assertThat(Set.copyOf(holders)).as("race %d", round).hasSize(1);
            assertThat(store.concurrencyKeyHolder(key)).isEqualTo(holders.get(0));
        }
    }

    // ------------------------------------------------------------------ concurrency limits

    /** Runs that waited for {@code key} with {@code limit}, one a second from {@link #T0}, in this order. */
    private List<String> waitingWithLimit(String key, int limit, int runs) {
        List<String> waiting = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            String runId = keyedRun(key, limit);
            waitsForKey(id("await"), runId, key, T0.plusSeconds(i), limit);
            waiting.add(runId);
        }
        return waiting;
    }

    /** The holders let go on, as the engine lets them: their awaits for the key resolved. */
    private void goOn(String key, List<String> holders) {
        for (String holder : holders) {
            store.awaitsOfRun(holder).stream().filter(a -> a.type() == AwaitType.CONCURRENCY_KEY
                            && a.status() == AwaitStatus.WAITING && a.event().filter(key::equals).isPresent())
                    .forEach(a -> store.closeAwait(a.awaitId(), AwaitStatus.RESOLVED, Optional.of("{}"), T0));
        }
    }

    @Test
    void keepsTheConcurrencyLimitOfARunAndOfItsAwaitForTheKey() {
        assumeThat(store.holdsConcurrencyLimits()).isTrue();
        String runId = id("run");
        flowStore().createRun(RunRecord.started(runId, "contract", "{}", Optional.empty(), T0)
                .withConcurrencyKey("customer-42", 7), List.of());
        AwaitRecord await = waitsForKey(id("await"), runId, "customer-42", T0, 7);

        assertThat(flowStore().findRun(runId).orElseThrow().concurrencyLimit()).isEqualTo(7);
        assertThat(store.findAwait(await.awaitId()).orElseThrow().concurrencyLimit()).isEqualTo(7);
        assertThat(store.awaitsOfRun(runId)).singleElement().extracting(AwaitRecord::concurrencyLimit).isEqualTo(7);
        assertThat(store.closeAwait(await.awaitId(), AwaitStatus.RESOLVED, Optional.of("{}"), T0).orElseThrow()
                .concurrencyLimit()).isEqualTo(7);
        String withoutLimit = storedRun().runId();
        assertThat(flowStore().findRun(withoutLimit).orElseThrow().concurrencyLimit()).as("a run without a key")
                .isEqualTo(1);
    }

    @Test
    void upToTheLimitOfTheRunAtTheHeadOfTheLineHoldAKeyAndTheNextGetsTheFirstPlaceFreed() {
        assumeThat(store.holdsConcurrencyLimits()).isTrue();
        String key = id("key");
        List<String> runs = waitingWithLimit(key, 2, 4);

        assertThat(store.settleConcurrencyKeyHolders(flowStore(), key, T0)).containsExactly(runs.get(0), runs.get(1));
        goOn(key, runs.subList(0, 2));
        assertThat(store.settleConcurrencyKeyHolders(flowStore(), key, T0)).as("settled again")
                .containsExactly(runs.get(0), runs.get(1));
        assertThat(store.settleConcurrencyKey(flowStore(), key, T0)).as("the first holder").contains(runs.get(0));
        assertThat(store.concurrencyKeyHolder(key)).contains(runs.get(0));
        assertThat(store.concurrencyKeyHolderList(key)).containsExactly(runs.get(0), runs.get(1));
        assertThat(store.concurrencyKeyHolderLists(List.of(key, id("free-key"))))
                .containsExactlyEntriesOf(Map.of(key, List.of(runs.get(0), runs.get(1))));
        assertThat(store.unsettledConcurrencyKeys(flowStore(), 100)).as("held to its limit").doesNotContain(key);

        ends(runs.get(0), RunStatus.COMPLETED);

        assertThat(store.unsettledConcurrencyKeys(flowStore(), 100)).contains(key);
        assertThat(store.settleConcurrencyKeyHolders(flowStore(), key, T0)).containsExactly(runs.get(1), runs.get(2));
        goOn(key, List.of(runs.get(2)));
        ends(runs.get(1), RunStatus.CANCELED);
        ends(runs.get(2), RunStatus.FAILED);
        assertThat(store.settleConcurrencyKeyHolders(flowStore(), key, T0)).containsExactly(runs.get(3));
        goOn(key, List.of(runs.get(3)));
        ends(runs.get(3), RunStatus.COMPLETED);
        assertThat(store.settleConcurrencyKeyHolders(flowStore(), key, T0)).isEmpty();
        assertThat(store.concurrencyKeyHolderList(key)).isEmpty();
        assertThat(store.unsettledConcurrencyKeys(flowStore(), 100)).doesNotContain(key);
    }

    @Test
    void aRunOfLimitOneAtTheHeadOfTheLineWaitsUntilNoRunHoldsTheKeyAndTheRunsBehindItWaitUntilItEnded() {
        assumeThat(store.holdsConcurrencyLimits()).isTrue();
        String key = id("key");
        List<String> holders = waitingWithLimit(key, 3, 2);
        store.settleConcurrencyKeyHolders(flowStore(), key, T0);
        goOn(key, holders);
        String alone = storedRun().runId();
        waitsForKey(id("await"), alone, key, T0.plusSeconds(10), 1);
        String behind = storedRun().runId();
        waitsForKey(id("await"), behind, key, T0.plusSeconds(11), 3);

        assertThat(store.settleConcurrencyKeyHolders(flowStore(), key, T0)).as("a free place, but not for the head")
                .containsExactlyElementsOf(holders);
        ends(holders.get(0), RunStatus.COMPLETED);
        assertThat(store.settleConcurrencyKeyHolders(flowStore(), key, T0)).containsExactly(holders.get(1));
        ends(holders.get(1), RunStatus.COMPLETED);
        assertThat(store.settleConcurrencyKeyHolders(flowStore(), key, T0)).as("the head has it alone, by its limit")
                .containsExactly(alone);
        ends(alone, RunStatus.COMPLETED);
        assertThat(store.settleConcurrencyKeyHolders(flowStore(), key, T0)).containsExactly(behind);
    }

    @Test
    void aHolderOfALimitedKeyKeepsItsPlaceWhileAStepOfItHoldsItsLease() {
        assumeThat(store.holdsConcurrencyLimits()).isTrue();
        String key = id("key");
        List<String> runs = waitingWithLimit(key, 2, 3);
        store.settleConcurrencyKeyHolders(flowStore(), key, T0);
        goOn(key, runs.subList(0, 2));
        assertThat(store.acquireLease(runs.get(0), "sync-customer", "node-a", T0.plusSeconds(30), T0)).isTrue();

        ends(runs.get(0), RunStatus.CANCELED);

        assertThat(store.settleConcurrencyKeyHolders(flowStore(), key, T0.plusSeconds(1))).as("its step still runs")
                .containsExactly(runs.get(0), runs.get(1));
        assertThat(store.unsettledConcurrencyKeys(flowStore(), 100)).doesNotContain(key);
        store.releaseLease(runs.get(0), "sync-customer", "node-a");
        assertThat(store.unsettledConcurrencyKeys(flowStore(), 100)).as("its step ended").contains(key);
        assertThat(store.settleConcurrencyKeyHolders(flowStore(), key, T0.plusSeconds(2)))
                .containsExactly(runs.get(1), runs.get(2));
    }

    @Test
    void aLimitedKeyHandedToNoOneKeepsNoRow() {
        assumeThat(store.holdsConcurrencyLimits()).isTrue();
        assumeThat(concurrencyKeysKept()).as("the test can count the keys kept").isPresent();
        int before = concurrencyKeysKept().getAsInt();
        String key = id("key");
        List<String> runs = waitingWithLimit(key, 3, 2);
        store.settleConcurrencyKeyHolders(flowStore(), key, T0);
        goOn(key, runs);
        assertThat(concurrencyKeysKept()).as("held").hasValue(before + 1);

        runs.forEach(run -> ends(run, RunStatus.COMPLETED));

        assertThat(store.settleConcurrencyKeyHolders(flowStore(), key, T0)).isEmpty();
        assertThat(concurrencyKeysKept()).as("free").hasValue(before);
    }

    /** As instances starting runs with one key and a limit at once: together they never let more than the limit in. */
    @Test
    void ofRunsSettlingOneLimitedKeyAtOnceNeverMoreThanTheLimitHoldIt() {
        assumeThat(store.holdsConcurrencyLimits()).isTrue();
        int threads = 6;
        int limit = 3;
        for (int round = 0; round < 10; round++) {
            String key = id("raced");
            List<String> runs = IntStream.range(0, threads).mapToObj(thread -> storedRun().runId()).toList();
            List<List<String>> settled = Collections.synchronizedList(new ArrayList<>());

            runConcurrently(threads, thread -> {
                waitsForKey(id("await"), runs.get(thread), key, T0.plusMillis(thread), limit);
                settled.add(store.settleConcurrencyKeyHolders(flowStore(), key, T0));
            });

            assertThat(settled).as("race %d", round).hasSize(threads)
                    .allSatisfy(holders -> assertThat(holders).hasSizeBetween(1, limit).doesNotHaveDuplicates());
            assertThat(store.concurrencyKeyHolderList(key)).as("race %d", round).hasSize(limit)
                    .doesNotHaveDuplicates().isSubsetOf(runs);
        }
    }

    // ------------------------------------------------------------------ review: mixed limits (each run's limit both ways)

    /** Runs of {@code limits} that got {@code key} (settled, let go on), one a second from {@link #T0}. */
    private List<String> holdingWithLimits(String key, int... limits) {
        List<String> holders = new ArrayList<>();
        for (int i = 0; i < limits.length; i++) {
            String runId = storedRun().runId();
            waitsForKey(id("await"), runId, key, T0.plusSeconds(i), limits[i]);
            holders.add(runId);
            store.settleConcurrencyKeyHolders(flowStore(), key, T0);
        }
        goOn(key, holders);
        assertThat(store.concurrencyKeyHolderList(key)).as("set up").containsExactlyElementsOf(holders);
        return holders;
    }

    @Test
    void reviewARunOfLimitTwoWaitsWhileARunOfLimitOneHoldsTheKey() {
        assumeThat(store.holdsConcurrencyLimits()).isTrue();
        String key = id("key");
        List<String> alone = holdingWithLimits(key, 1);
        String joiner = storedRun().runId();
        waitsForKey(id("await"), joiner, key, T0.plusSeconds(10), 2);

        assertThat(store.settleConcurrencyKeyHolders(flowStore(), key, T0))
                .as("the holder's starter asked for one run at a time").containsExactlyElementsOf(alone);
    }

    @Test
    void reviewARunOfLimitThreeWaitsWhileTwoRunsOfLimitTwoHoldTheKey() {
        assumeThat(store.holdsConcurrencyLimits()).isTrue();
        String key = id("key");
        List<String> holders = holdingWithLimits(key, 2, 2);
        String joiner = storedRun().runId();
        waitsForKey(id("await"), joiner, key, T0.plusSeconds(10), 3);

        assertThat(store.settleConcurrencyKeyHolders(flowStore(), key, T0))
                .as("each holder allows two at a time").containsExactlyElementsOf(holders);
    }

    @Test
    void reviewARunOfLimitTwoJoinsASingleHolderOfLimitThree() {
        assumeThat(store.holdsConcurrencyLimits()).isTrue();
        String key = id("key");
        List<String> holder = holdingWithLimits(key, 3);
        String joiner = storedRun().runId();
        waitsForKey(id("await"), joiner, key, T0.plusSeconds(10), 2);

        assertThat(store.settleConcurrencyKeyHolders(flowStore(), key, T0)).containsExactly(holder.get(0), joiner);
    }

    /**
     * A key whose head of the line cannot get a place is not for the sweep, however high the limit of a run behind the
     * head: settling it changes nothing, and such keys take the places of keys that need settling.
     */
    @Test
    void reviewAKeyWhoseHeadOfTheLineMustWaitIsNotUnsettledBecauseARunBehindItHasAHigherLimit() {
        assumeThat(store.holdsConcurrencyLimits()).isTrue();
        String key = id("key");
        List<String> holder = holdingWithLimits(key, 3);
        String head = storedRun().runId();
        waitsForKey(id("await"), head, key, T0.plusSeconds(10), 1);
        String behind = storedRun().runId();
        waitsForKey(id("await"), behind, key, T0.plusSeconds(11), 3);
        assertThat(store.settleConcurrencyKeyHolders(flowStore(), key, T0)).as("the head blocks")
                .containsExactlyElementsOf(holder);

        assertThat(store.unsettledConcurrencyKeys(flowStore(), 100)).doesNotContain(key);
    }
}
