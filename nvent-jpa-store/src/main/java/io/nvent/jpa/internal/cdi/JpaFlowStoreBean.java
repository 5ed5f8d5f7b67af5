package io.nvent.jpa.internal.cdi;

import io.nvent.EventQuery;
import io.nvent.FlowStats;
import io.nvent.HistoryEvent;
import io.nvent.RunQuery;
import io.nvent.jpa.JpaFlowStore;
import io.nvent.jpa.JpaStoreOptions;
import io.nvent.jpa.RetentionPolicy;
import io.nvent.jpa.internal.ContainerStores;
import io.nvent.jpa.internal.JpaFlowStoreImpl;
import io.nvent.jpa.internal.StoreSettings;
import io.nvent.spi.Adapter;
import io.nvent.spi.ChildRunCounts;
import io.nvent.spi.EventDraft;
import io.nvent.spi.RetentionPurge;
import io.nvent.spi.RunMutation;
import io.nvent.spi.RunDeadline;
import io.nvent.spi.RunRecord;
import io.nvent.spi.SchedulingStore;
import io.nvent.spi.StoredChange;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.Startup;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The JPA store as a CDI bean: {@code @Inject @Adapter("jpa") FlowStore store;}. JTA transactions
 * on the datasource named by {@code nvent.store.datasource}.
 *
 * <p>Started on first use, or at application startup when {@code nvent.store.adapter=jpa}, so that
 * a misconfiguration fails the deployment rather than the first run. An application that selects
 * another store never touches the database.
 */
@ApplicationScoped
@Adapter("jpa")
public class JpaFlowStoreBean implements JpaFlowStore {

    private static final System.Logger LOG = System.getLogger(JpaFlowStore.class.getName());

    private final ContainerTransactions transactions;
    private volatile JpaFlowStoreImpl store;
    /** Once the application stops, the store is not started again by a late caller. */
    private volatile boolean shutDown;

    /** For the container's proxy. */
    protected JpaFlowStoreBean() {
        this.transactions = null;
    }

    @Inject
    public JpaFlowStoreBean(ContainerTransactions transactions) {
        this.transactions = transactions;
    }

    void onStartup(@Observes Startup startup) {
        if (StoreSettings.lookup(StoreSettings.ADAPTER).map(String::trim).filter("jpa"::equals).isPresent()) {
            delegate();
        }
    }

    /** The store this bean stands for; lets the scheduling store bean change runs and leases in one transaction. */
    public JpaFlowStoreImpl implementation() {
        return delegate();
    }

    private JpaFlowStoreImpl delegate() {
        JpaFlowStoreImpl started = store;
        if (started == null) {
            synchronized (this) {
                started = store;
                if (shutDown) {
                    throw io.nvent.jpa.internal.StoreException.shutDown();
                }
                if (started == null) {
                    started = ContainerStores.start(StoreSettings.fromEnvironment(), transactions);
                    store = started;
                }
            }
        }
        return started;
    }

    @PreDestroy
    void shutdown() {
        JpaFlowStoreImpl started;
        synchronized (this) {
            shutDown = true;
            started = store;
            store = null;
        }
        if (started != null) {
            try {
                started.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "NVENT-0313 closing the JPA flow store failed", e);
            }
        }
    }

    @Override
    public List<HistoryEvent> createRun(RunRecord run, List<EventDraft> events) {
        return delegate().createRun(run, events);
    }

    @Override
    public List<HistoryEvent> createRun(RunRecord run, List<EventDraft> events, String idempotencyKey) {
        return delegate().createRun(run, events, idempotencyKey);
    }

    @Override
    public Optional<RunRecord> findRun(String runId) {
        return delegate().findRun(runId);
    }

    @Override
    public Optional<RunRecord> findRunByKey(String idempotencyKey) {
        return delegate().findRunByKey(idempotencyKey);
    }

    @Override
    public List<RunRecord> readRuns(Collection<String> runIds) {
        return delegate().readRuns(runIds);
    }

    @Override
    public boolean keepsLabels() {
        return delegate().keepsLabels();
    }

    @Override
    public boolean countsChildRuns() {
        return delegate().countsChildRuns();
    }

    @Override
    public ChildRunCounts childRunCounts(String parentRunId) {
        return delegate().childRunCounts(parentRunId);
    }

    @Override
    public boolean hasChildRunsUnderWay(String parentRunId) {
        return delegate().hasChildRunsUnderWay(parentRunId);
    }

    @Override
    public boolean countsDescendantRuns() {
        return delegate().countsDescendantRuns();
    }

    @Override
    public ChildRunCounts descendantRunCounts(String rootRunId) {
        return delegate().descendantRunCounts(rootRunId);
    }

    @Override
    public boolean hasDescendantRunsBeyondDepthLimit(String rootRunId) {
        return delegate().hasDescendantRunsBeyondDepthLimit(rootRunId);
    }

    @Override
    public boolean hasDescendantRunsUnderWay(String rootRunId) {
        return delegate().hasDescendantRunsUnderWay(rootRunId);
    }

    @Override
    public List<RunRecord> childRunsLeadingToRunsUnderWay(String parentRunId, Optional<String> afterRunId,
                                                          int limit) {
        return delegate().childRunsLeadingToRunsUnderWay(parentRunId, afterRunId, limit);
    }

    @Override
    public void requireLabels(String flow, java.util.Set<String> labels) {
        delegate().requireLabels(flow, labels);
    }

    @Override
    public boolean joinsCallerTransaction() {
        return delegate().joinsCallerTransaction();
    }

    @Override
    public boolean keepsDeadlines() {
        return delegate().keepsDeadlines();
    }

    @Override
    public void requireDeadlines(String flow, Duration timeout) {
        delegate().requireDeadlines(flow, timeout);
    }

    @Override
    public List<RunDeadline> runsPastDeadline(Instant now, Optional<RunDeadline> after, int limit) {
        return delegate().runsPastDeadline(now, after, limit);
    }

    @Override
    public Optional<RunRecord> recentRun(String runId, long minVersion, Duration maxAge) {
        return delegate().recentRun(runId, minVersion, maxAge);
    }

    @Override
    public Optional<StoredChange> updateRun(String runId, RunMutation mutation) {
        return delegate().updateRun(runId, mutation);
    }

    @Override
    public List<HistoryEvent> appendEvents(String runId, List<EventDraft> events) {
        return delegate().appendEvents(runId, events);
    }

    @Override
    public List<HistoryEvent> readEvents(String runId, EventQuery query) {
        return delegate().readEvents(runId, query);
    }

    @Override
    public List<RunRecord> findRuns(RunQuery query) {
        return delegate().findRuns(query);
    }

    @Override
    public FlowStats stats(String flow) {
        return delegate().stats(flow);
    }

    @Override
    public Optional<String> getState(String runId, String key, Instant now) {
        return delegate().getState(runId, key, now);
    }

    @Override
    public void putState(String runId, String key, String json, Optional<Instant> expiresAt) {
        delegate().putState(runId, key, json, expiresAt);
    }

    @Override
    public void deleteState(String runId, String key) {
        delegate().deleteState(runId, key);
    }

    @Override
    public void clearState(String runId) {
        delegate().clearState(runId);
    }

    @Override
    public int purgeExpiredState(Instant now) {
        return delegate().purgeExpiredState(now);
    }

    @Override
    public JpaStoreOptions options() {
        return delegate().options();
    }

    @Override
    public SchedulingStore schedulingStore() {
        return delegate().schedulingStore();
    }

    @Override
    public int purgeFinishedRuns(Instant now) {
        return delegate().purgeFinishedRuns(now);
    }

    @Override
    public RetentionPurge startRetentionPurge(Instant now) {
        return delegate().startRetentionPurge(now);
    }

    @Override
    public int deleteFinishedRuns(String flow) {
        return delegate().deleteFinishedRuns(flow);
    }

    @Override
    public int deleteFinishedRuns(String flow, int max) {
        return delegate().deleteFinishedRuns(flow, max);
    }

    @Override
    public OptionalLong deleteFinishedRun(String runId, long version) {
        return delegate().deleteFinishedRun(runId, version);
    }

    @Override
    public int purgeFinishedRuns(RetentionPolicy policy, Instant now) {
        return delegate().purgeFinishedRuns(policy, now);
    }

    /** Ignored: the container closes this store when the application stops. */
    @Override
    public void close() {
        // container-managed
    }
}
