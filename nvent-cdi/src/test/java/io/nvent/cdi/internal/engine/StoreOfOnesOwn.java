package io.nvent.cdi.internal.engine;

import io.nvent.AwaitStatus;
import io.nvent.TriggerEvent;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.SchedulingStore;
import io.nvent.spi.StepLease;
import io.nvent.spi.TriggerRecord;
import io.nvent.spi.WebhookReceipt;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A scheduling store of one's own that implements what {@link SchedulingStore} requires (in memory)
 * and leaves every method with a default body to it, the writes made under a step's lease among them.
 */
public class StoreOfOnesOwn implements SchedulingStore {

    final SchedulingStore kept = new MemorySchedulingStore();

    @Override
    public void saveAwait(AwaitRecord await) {
        kept.saveAwait(await);
    }

    @Override
    public Optional<AwaitRecord> findAwait(String awaitId) {
        return kept.findAwait(awaitId);
    }

    @Override
    public Optional<AwaitRecord> findAwaitByToken(String token) {
        return kept.findAwaitByToken(token);
    }

    @Override
    public Optional<AwaitRecord> closeAwait(String awaitId, AwaitStatus status, Optional<String> data, Instant at) {
        return kept.closeAwait(awaitId, status, data, at);
    }

    @Override
    public List<AwaitRecord> dueAwaits(Instant now, int limit) {
        return kept.dueAwaits(now, limit);
    }

    @Override
    public List<AwaitRecord> waitingForEvent(String event) {
        return kept.waitingForEvent(event);
    }

    @Override
    public List<AwaitRecord> awaitsOfRun(String runId) {
        return kept.awaitsOfRun(runId);
    }

    @Override
    public List<AwaitRecord> listAwaits(boolean waitingOnly, int limit) {
        return kept.listAwaits(waitingOnly, limit);
    }

    @Override
    public void saveTrigger(TriggerRecord trigger) {
        kept.saveTrigger(trigger);
    }

    @Override
    public Optional<TriggerRecord> findTrigger(String name) {
        return kept.findTrigger(name);
    }

    @Override
    public List<TriggerRecord> listTriggers() {
        return kept.listTriggers();
    }

    @Override
    public boolean deleteTrigger(String name) {
        return kept.deleteTrigger(name);
    }

    @Override
    public void recordFire(String name, Instant at, int runsStarted, Optional<String> error) {
        kept.recordFire(name, at, runsStarted, error);
    }

    @Override
    public TriggerEvent appendTriggerEvent(String name, String type, Instant at, String data) {
        return kept.appendTriggerEvent(name, type, at, data);
    }

    @Override
    public List<TriggerEvent> triggerHistory(String name, int limit) {
        return kept.triggerHistory(name, limit);
    }

    @Override
    public int trimTriggerHistory(int keep) {
        return kept.trimTriggerHistory(keep);
    }

    @Override
    public boolean claimTick(String trigger, Instant scheduledAt) {
        return kept.claimTick(trigger, scheduledAt);
    }

    @Override
    public int purgeTickClaims(Instant before) {
        return kept.purgeTickClaims(before);
    }

    @Override
    public Optional<WebhookReceipt> recordWebhookRequest(WebhookReceipt receipt, Instant now) {
        return kept.recordWebhookRequest(receipt, now);
    }

    @Override
    public boolean forgetWebhookRequest(String trigger, String request) {
        return kept.forgetWebhookRequest(trigger, request);
    }

    @Override
    public boolean acquireLease(String runId, String step, String owner, Instant until, Instant now) {
        return kept.acquireLease(runId, step, owner, until, now);
    }

    @Override
    public void renewLeases(String owner, Instant until) {
        kept.renewLeases(owner, until);
    }

    @Override
    public void releaseLease(String runId, String step, String owner) {
        kept.releaseLease(runId, step, owner);
    }

    @Override
    public List<StepLease> expiredLeases(Instant now, int limit) {
        return kept.expiredLeases(now, limit);
    }

    @Override
    public List<StepLease> leasesOfRun(String runId) {
        return kept.leasesOfRun(runId);
    }
}
