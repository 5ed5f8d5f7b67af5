package io.nvent.jpa.internal.cdi;

import io.nvent.AwaitStatus;
import io.nvent.AwaitType;
import io.nvent.HistoryEvent;
import io.nvent.StepProgress;
import io.nvent.TriggerEvent;
import io.nvent.RunPosition;
import io.nvent.TriggerSpec;
import io.nvent.spi.Adapter;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.ConcurrencyKeyClaim;
import io.nvent.spi.AwaitlessRuns;
import io.nvent.spi.EventDraft;
import io.nvent.spi.FlowStore;
import io.nvent.spi.RateLimit;
import io.nvent.spi.RateLimitGroup;
import io.nvent.spi.RateLimitGroupStarts;
import io.nvent.spi.RequestKey;
import io.nvent.spi.RunMutation;
import io.nvent.spi.SchedulingStore;
import io.nvent.spi.StepLease;
import io.nvent.spi.StoredChange;
import io.nvent.spi.TickClaim;
import io.nvent.spi.TriggerRecord;
import io.nvent.spi.WebhookReceipt;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The JPA scheduling store as a CDI bean: {@code @Inject @Adapter("jpa") SchedulingStore store;},
 * chosen by the engine when {@code nvent.store.adapter=jpa}. It shares everything with the
 * {@code @Adapter("jpa")} flow store bean — datasource, configuration, persistence unit and JTA
 * transactions (joins the caller's, else a new one per call) — and starts with it.
 */
@ApplicationScoped
@Adapter("jpa")
public class JpaSchedulingStoreBean implements SchedulingStore {

    private final JpaFlowStoreBean flowStore;

    /** For the container's proxy. */
    protected JpaSchedulingStoreBean() {
        this.flowStore = null;
    }

    @Inject
    public JpaSchedulingStoreBean(@Adapter("jpa") JpaFlowStoreBean flowStore) {
        this.flowStore = flowStore;
    }

    private SchedulingStore delegate() {
        return flowStore.schedulingStore();
    }

    @Override
    public Optional<StoredChange> startStep(FlowStore runs, StepLease lease, Instant now, RunMutation mutation) {
        return delegate().startStep(unwrap(runs), lease, now, mutation);
    }

    @Override
    public Optional<StoredChange> finishStep(FlowStore runs, StepLease lease, RunMutation mutation) {
        return delegate().finishStep(unwrap(runs), lease, mutation);
    }

    @Override
    public Optional<StoredChange> finishStepHolding(FlowStore runs, StepLease lease, RunMutation mutation) {
        return delegate().finishStepHolding(unwrap(runs), lease, mutation);
    }

    @Override
    public List<HistoryEvent> appendEventsHolding(FlowStore runs, StepLease lease, List<EventDraft> events) {
        return delegate().appendEventsHolding(unwrap(runs), lease, events);
    }

    @Override
    public void putStateHolding(FlowStore runs, StepLease lease, String key, String json, Optional<Instant> expiresAt) {
        delegate().putStateHolding(unwrap(runs), lease, key, json, expiresAt);
    }

    @Override
    public void deleteStateHolding(FlowStore runs, StepLease lease, String key) {
        delegate().deleteStateHolding(unwrap(runs), lease, key);
    }

    /** The JPA store behind the bean, so that runs and leases change in one transaction. */
    private static FlowStore unwrap(FlowStore runs) {
        return runs instanceof JpaFlowStoreBean bean ? bean.implementation() : runs;
    }

    @Override
    public void saveAwait(AwaitRecord await) {
        delegate().saveAwait(await);
    }

    @Override
    public boolean savesAwaitsWithRunChanges(FlowStore runs) {
        return delegate().savesAwaitsWithRunChanges(unwrap(runs));
    }

    @Override
    public Optional<AwaitRecord> findAwait(String awaitId) {
        return delegate().findAwait(awaitId);
    }

    @Override
    public Optional<AwaitRecord> findAwaitByToken(String token) {
        return delegate().findAwaitByToken(token);
    }

    @Override
    public Optional<AwaitRecord> closeAwait(String awaitId, AwaitStatus status, Optional<String> data, Instant at) {
        return delegate().closeAwait(awaitId, status, data, at);
    }

    @Override
    public List<AwaitRecord> dueAwaits(Instant now, int limit) {
        return delegate().dueAwaits(now, limit);
    }

    @Override
    public List<AwaitRecord> waitingForEvent(String event) {
        return delegate().waitingForEvent(event);
    }

    @Override
    public List<AwaitRecord> awaitsOfRun(String runId) {
        return delegate().awaitsOfRun(runId);
    }

    @Override
    public List<AwaitRecord> listAwaits(boolean waitingOnly, int limit) {
        return delegate().listAwaits(waitingOnly, limit);
    }

    @Override
    public List<AwaitRecord> waitingAwaitsOfType(AwaitType type, Optional<String> afterAwaitId, int limit) {
        return delegate().waitingAwaitsOfType(type, afterAwaitId, limit);
    }

    @Override
    public int deleteAwaitsOfDeletedRuns(FlowStore runs) {
        return delegate().deleteAwaitsOfDeletedRuns(runs);
    }

    @Override
    public void saveTrigger(TriggerRecord trigger) {
        delegate().saveTrigger(trigger);
    }

    @Override
    public boolean insertTrigger(TriggerRecord trigger) {
        return delegate().insertTrigger(trigger);
    }

    @Override
    public boolean replaceTriggerSpec(TriggerSpec expected, TriggerSpec replacement) {
        return delegate().replaceTriggerSpec(expected, replacement);
    }

    @Override
    public boolean replaceTrigger(TriggerRecord expected, TriggerSpec replacement, boolean declared) {
        return delegate().replaceTrigger(expected, replacement, declared);
    }

    @Override
    public Optional<TriggerRecord> findTrigger(String name) {
        return delegate().findTrigger(name);
    }

    @Override
    public List<TriggerRecord> listTriggers() {
        return delegate().listTriggers();
    }

    @Override
    public boolean deleteTrigger(String name) {
        return delegate().deleteTrigger(name);
    }

    @Override
    public void recordFire(String name, Instant at, int runsStarted, Optional<String> error) {
        delegate().recordFire(name, at, runsStarted, error);
    }

    @Override
    public void recordRunsStarted(String name, int runsStarted, Optional<String> error) {
        delegate().recordRunsStarted(name, runsStarted, error);
    }

    @Override
    public TriggerEvent appendTriggerEvent(String name, String type, Instant at, String data) {
        return delegate().appendTriggerEvent(name, type, at, data);
    }

    @Override
    public List<TriggerEvent> triggerHistory(String name, int limit) {
        return delegate().triggerHistory(name, limit);
    }

    @Override
    public List<TriggerEvent> triggerHistory(String name, Set<String> types, OptionalLong before, int limit) {
        return delegate().triggerHistory(name, types, before, limit);
    }

    @Override
    public int trimTriggerHistory(int keep) {
        return delegate().trimTriggerHistory(keep);
    }

    @Override
    public boolean claimTick(String trigger, Instant scheduledAt) {
        return delegate().claimTick(trigger, scheduledAt);
    }

    @Override
    public TickClaim tryClaimTick(String trigger, Instant scheduledAt) {
        return delegate().tryClaimTick(trigger, scheduledAt);
    }

    @Override
    public int purgeTickClaims(Instant before) {
        return delegate().purgeTickClaims(before);
    }

    @Override
    public Optional<WebhookReceipt> recordWebhookRequest(WebhookReceipt receipt, Instant now) {
        return delegate().recordWebhookRequest(receipt, now);
    }

    @Override
    public Optional<RequestKey> claimRequestKey(RequestKey claim, Instant now) {
        return delegate().claimRequestKey(claim, now);
    }

    @Override
    public boolean answerRequestKey(RequestKey answered) {
        return delegate().answerRequestKey(answered);
    }

    @Override
    public boolean forgetRequestKey(RequestKey claim) {
        return delegate().forgetRequestKey(claim);
    }

    @Override
    public int purgeRequestKeys(Instant now) {
        return delegate().purgeRequestKeys(now);
    }

    @Override
    public boolean forgetWebhookRequest(String trigger, String request) {
        return delegate().forgetWebhookRequest(trigger, request);
    }

    @Override
    public boolean acquireLease(String runId, String step, String owner, Instant until, Instant now) {
        return delegate().acquireLease(runId, step, owner, until, now);
    }

    @Override
    public boolean acquireLease(StepLease lease, Instant now) {
        return delegate().acquireLease(lease, now);
    }

    @Override
    public void renewLeases(String owner, Instant until) {
        delegate().renewLeases(owner, until);
    }

    @Override
    public void renewLeases(String owner, Instant until, Instant renewedAt) {
        delegate().renewLeases(owner, until, renewedAt);
    }

    @Override
    public boolean recordProgress(StepLease lease, StepProgress progress, Instant now) {
        return delegate().recordProgress(lease, progress, now);
    }

    @Override
    public Map<String, StepProgress> progressOfRun(String runId) {
        return delegate().progressOfRun(runId);
    }

    @Override
    public boolean keepsHeartbeats() {
        return delegate().keepsHeartbeats();
    }

    @Override
    public void saveInstance(io.nvent.spi.InstanceRecord instance) {
        delegate().saveInstance(instance);
    }

    @Override
    public List<io.nvent.spi.InstanceRecord> instances(int limit) {
        return delegate().instances(limit);
    }

    @Override
    public int deleteInstancesSeenBefore(Instant seenBefore, int limit) {
        return delegate().deleteInstancesSeenBefore(seenBefore, limit);
    }

    @Override
    public boolean keepsQueueChanges() {
        return delegate().keepsQueueChanges();
    }

    @Override
    public boolean keepsInstances() {
        return delegate().keepsInstances();
    }

    @Override
    public Optional<String> schemaVersion() {
        return delegate().schemaVersion();
    }

    @Override
    public boolean keepsOwedCatchUps() {
        return delegate().keepsOwedCatchUps();
    }

    @Override
    public List<io.nvent.spi.OwedCatchUp> owedCatchUps() {
        return delegate().owedCatchUps();
    }

    @Override
    public boolean replaceOwedCatchUp(String trigger, java.util.Optional<io.nvent.spi.OwedCatchUp> expected,
                                      java.util.Optional<io.nvent.spi.OwedCatchUp> replacement) {
        return delegate().replaceOwedCatchUp(trigger, expected, replacement);
    }

    @Override
    public boolean recordHeartbeat(StepLease lease, Instant now) {
        return delegate().recordHeartbeat(lease, now);
    }

    @Override
    public Map<String, Instant> heartbeatsOfRun(String runId) {
        return delegate().heartbeatsOfRun(runId);
    }

    @Override
    public void releaseLease(String runId, String step, String owner) {
        delegate().releaseLease(runId, step, owner);
    }

    @Override
    public boolean releaseLease(StepLease lease) {
        return delegate().releaseLease(lease);
    }

    @Override
    public List<StepLease> expiredLeases(Instant now, int limit) {
        return delegate().expiredLeases(now, limit);
    }

    @Override
    public List<StepLease> leasesOfRun(String runId) {
        return delegate().leasesOfRun(runId);
    }

    @Override
    public List<StepLease> leasesOfOwners(String ownerPrefix, int limit) {
        return delegate().leasesOfOwners(ownerPrefix, limit);
    }

    @Override
    public void setQueuePaused(String queue, boolean paused) {
        delegate().setQueuePaused(queue, paused);
    }

    @Override
    public Set<String> pausedQueues() {
        return delegate().pausedQueues();
    }

    @Override
    public void setQueuePaused(String queue, boolean paused, io.nvent.spi.QueueChange change) {
        delegate().setQueuePaused(queue, paused, change);
    }

    @Override
    public Map<String, io.nvent.spi.QueueChange> queuePauseChanges() {
        return delegate().queuePauseChanges();
    }

    @Override
    public void setQueueWorkers(String queue, OptionalInt workers, io.nvent.spi.QueueChange change) {
        delegate().setQueueWorkers(queue, workers, change);
    }

    @Override
    public Map<String, io.nvent.spi.QueueChange> queueWorkersChanges() {
        return delegate().queueWorkersChanges();
    }

    @Override
    public void setQueueWorkers(String queue, OptionalInt workers) {
        delegate().setQueueWorkers(queue, workers);
    }

    @Override
    public Map<String, Integer> queueWorkers() {
        return delegate().queueWorkers();
    }

    @Override
    public boolean sharesRateLimits() {
        return delegate().sharesRateLimits();
    }

    @Override
    public Duration takeRateLimitedStart(RateLimitGroup starts, RateLimit limit, Clock clock) {
        return delegate().takeRateLimitedStart(starts, limit, clock);
    }

    @Override
    public Duration untilRateLimitAllows(RateLimitGroup starts, RateLimit limit, Instant now) {
        return delegate().untilRateLimitAllows(starts, limit, now);
    }

    @Override
    public Instant bookRateLimitedReturn(RateLimitGroup starts, RateLimit limit, Instant allowedAt) {
        return delegate().bookRateLimitedReturn(starts, limit, allowedAt);
    }

    @Override
    public List<RateLimitGroupStarts> busiestRateLimitGroups(String queue, Instant since, int most) {
        return delegate().busiestRateLimitGroups(queue, since, most);
    }

    @Override
    public int forgetIdleRateLimitGroups(Instant before) {
        return delegate().forgetIdleRateLimitGroups(before);
    }

    @Override
    public Optional<String> settleConcurrencyKey(FlowStore runs, String key, Instant now) {
        return delegate().settleConcurrencyKey(unwrap(runs), key, now);
    }

    @Override
    public Optional<String> concurrencyKeyHolder(String key) {
        return delegate().concurrencyKeyHolder(key);
    }

    @Override
    public Map<String, String> concurrencyKeyHolders(Collection<String> keys) {
        return delegate().concurrencyKeyHolders(keys);
    }

    @Override
    public AwaitlessRuns runsAwaitingWithoutAwait(FlowStore runs, Optional<RunPosition> after, int limit) {
        return delegate().runsAwaitingWithoutAwait(unwrap(runs), after, limit);
    }

    @Override
    public List<String> unsettledConcurrencyKeys(FlowStore runs, int limit) {
        return delegate().unsettledConcurrencyKeys(unwrap(runs), limit);
    }

    @Override
    public List<String> settleConcurrencyKeyHolders(FlowStore runs, String key, Instant now) {
        return delegate().settleConcurrencyKeyHolders(unwrap(runs), key, now);
    }

    @Override
    public List<String> concurrencyKeyHolderList(String key) {
        return delegate().concurrencyKeyHolderList(key);
    }

    @Override
    public Map<String, List<String>> concurrencyKeyHolderLists(Collection<String> keys) {
        return delegate().concurrencyKeyHolderLists(keys);
    }

    @Override
    public boolean holdsConcurrencyLimits() {
        return delegate().holdsConcurrencyLimits();
    }

    @Override
    public boolean keepsTriggerLabels() {
        return delegate().keepsTriggerLabels();
    }

    @Override
    public boolean keepsTriggerRunTimeouts() {
        return delegate().keepsTriggerRunTimeouts();
    }

    @Override
    public boolean keepsTriggerOverlap() {
        return delegate().keepsTriggerOverlap();
    }

    @Override
    public ConcurrencyKeyClaim claimConcurrencyKeyLine(FlowStore runs, String key, String runId, Instant now) {
        return delegate().claimConcurrencyKeyLine(unwrap(runs), key, runId, now);
    }

    @Override
    public boolean keepsConcurrencyKeyClaims() {
        return delegate().keepsConcurrencyKeyClaims();
    }

    @Override
    public boolean keepsTriggerExclusions() {
        return delegate().keepsTriggerExclusions();
    }

    @Override
    public boolean keepsTriggerDebounce() {
        return delegate().keepsTriggerDebounce();
    }

    @Override
    public boolean keepsTriggerBatches() {
        return delegate().keepsTriggerBatches();
    }

    @Override
    public java.util.Optional<io.nvent.spi.BatchedFire> appendBatch(String slot, String payloadJson,
                                                                   java.util.Optional<String> fireKey, int max,
                                                                   long maxBytes) {
        return delegate().appendBatch(slot, payloadJson, fireKey, max, maxBytes);
    }

    @Override
    public boolean openDebounce(String slot, String runId, String payloadJson, java.time.Instant at,
                                java.time.Instant dueAt) {
        return delegate().openDebounce(slot, runId, payloadJson, at, dueAt);
    }

    @Override
    public java.util.Optional<io.nvent.spi.DebouncedFire> foldDebounce(String slot, String payloadJson,
                                                                       java.time.Instant now, java.time.Duration window,
                                                                       java.util.Optional<java.time.Duration> max) {
        return delegate().foldDebounce(slot, payloadJson, now, window, max);
    }

    @Override
    public java.util.Optional<String> takeDebounced(String runId) {
        return delegate().takeDebounced(runId);
    }

    @Override
    public java.util.Optional<io.nvent.spi.PendingSlot> debounceSlotOf(String runId) {
        return delegate().debounceSlotOf(runId);
    }

    @Override
    public java.util.List<io.nvent.spi.PendingSlot> overdueDebounceSlots(java.time.Instant dueBefore, int limit) {
        return delegate().overdueDebounceSlots(dueBefore, limit);
    }

    @Override
    public java.util.List<io.nvent.spi.PendingSlot> overdueDebounceSlots(java.time.Instant dueBefore,
                                                                       Optional<io.nvent.spi.PendingSlot> after,
                                                                       int limit) {
        return delegate().overdueDebounceSlots(dueBefore, after, limit);
    }

    @Override
    public boolean moveAwait(String awaitId, java.time.Instant resolveAt) {
        return delegate().moveAwait(awaitId, resolveAt);
    }

    @Override
    public boolean moveAwaitLater(String awaitId, java.time.Instant resolveAt) {
        return delegate().moveAwaitLater(awaitId, resolveAt);
    }

    @Override
    public boolean movesAwaitTimeouts() {
        return delegate().movesAwaitTimeouts();
    }

    @Override
    public boolean moveAwaitTimeout(String awaitId, java.time.Instant from, java.time.Instant to) {
        return delegate().moveAwaitTimeout(awaitId, from, to);
    }

    @Override
    public Optional<AwaitRecord> timeOutAwait(String awaitId, java.time.Instant timeoutAt, java.time.Instant at) {
        return delegate().timeOutAwait(awaitId, timeoutAt, at);
    }

    @Override
    public void requireConcurrencyLimit(int limit) {
        delegate().requireConcurrencyLimit(limit);
    }
}
