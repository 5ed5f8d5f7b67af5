package io.nvent.jpa.internal;

import io.nvent.EventQuery;
import io.nvent.FlowStats;
import io.nvent.HistoryEvent;
import io.nvent.IllegalRunTransitionException;
import io.nvent.NventException;
import io.nvent.RunNotFoundException;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.jpa.JpaFlowStore;
import io.nvent.jpa.JpaStoreOptions;
import io.nvent.jpa.RetentionPolicy;
import io.nvent.spi.ChildRunCounts;
import io.nvent.spi.EventDraft;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunMutation;
import io.nvent.spi.RetentionPurge;
import io.nvent.spi.RunDeadline;
import io.nvent.spi.RunRecord;
import io.nvent.spi.SchedulingStore;
import io.nvent.spi.StoredChange;
import io.nvent.spi.internal.PageLimits;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceException;
import jakarta.persistence.TypedQuery;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.Set;
import java.util.concurrent.ThreadFactory;
import java.util.function.Function;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.hibernate.Session;
import org.hibernate.exception.ConstraintViolationException;

/**
 * The {@link JpaFlowStore} implementation, for both transaction modes.
 *
 * <p>Concurrency: every write to a run first takes that run's row lock (a locking read or an
 * {@code UPDATE}) and keeps it until commit, so writes to one run are serialised by the database.
 * Sequence numbers come from the run's {@code last_seq} column, advanced under that lock in the
 * same transaction as the entries are inserted: a rollback returns them, and no two transactions
 * can hand out the same numbers. Locking, rather than only optimistic version checks, matters
 * because a transaction the store joins cannot be retried by the store. The {@code version} column
 * is still maintained and checked (by Hibernate, or by the {@code WHERE} of a grouped commit's
 * update), guarding against writers that bypass the lock.
 *
 * <p>Writes of concurrent callers share transactions through {@link GroupCommit}; inside such a
 * group, run creations and changes work on the group's {@link RunBatch} and are written with plain
 * JDBC, while a write running alone (and every write in a container's transaction) uses the
 * entities.
 */
public final class JpaFlowStoreImpl implements JpaFlowStore {

    /** The condition of a write that has none: see {@link #appendEvents(String, List, Consumer)}. */
    private static final Consumer<EntityManager> NO_CONDITION = em -> { };

    private static final System.Logger LOG = System.getLogger(JpaFlowStore.class.getName());
    /** Most writes one grouped commit carries. */
    private static final int MAX_GROUP = 64;
    /** Runs under way whose latest state the grouped commits keep (see {@link RunCache}): ~1 KB each. */
    private static final int CACHED_RUNS = 10_000;
    private static final String STATE_VALUE = "select s.payload from NventState s where s.runId = :runId"
            + " and s.key = :key and (s.expiresAt is null or s.expiresAt > :now)";
    private static final Set<RunStatus> FINISHED = EnumSet.of(RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELED);
    private static final int PURGE_CHUNK = 500;
    /**
     * How far before the last check of the count per flow the next looks for runs that ended: a run's
     * end time is taken before its commit, and on another instance's clock.
     */
    private static final Duration ENDED_RUNS_OVERLAP = Duration.ofMinutes(1);

    private final Transactions transactions;
    private final GroupCommit commits;
    private final JpaStoreOptions options;
    private final Payloads payloads;
    private final Database database;
    private final String runTable;
    private final JpaSchedulingStoreImpl scheduling;

    /** Reads runs with plain JDBC: the engine reads the run before each step, and the entity loader costs far more. */
    private final RunTables tables;
    /**
     * When the sweep's retention purge began that last found and purged the flows over the count per
     * flow; the next only looks at the flows with runs ended since. Empty until one has, after a start.
     */
    private volatile Optional<Instant> perFlowCheckedAt = Optional.empty();

    private JpaFlowStoreImpl(Transactions transactions, GroupCommit commits, JpaStoreOptions options,
                             Database database) {
        this.transactions = transactions;
        this.commits = commits;
        this.options = options;
        this.database = database;
        this.payloads = new Payloads(options.maxPayloadBytes());
        this.runTable = tablesOf(options) + "run";
        this.tables = new RunTables(database, tablesOf(options));
        this.scheduling = new JpaSchedulingStoreImpl(transactions, commits, database, options, this);
    }

    /** A store with local transactions on a data source. */
    public static JpaFlowStoreImpl resourceLocal(DataSource dataSource, JpaStoreOptions options) {
        Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(options, "options");
        Database database = Database.detect(dataSource);
        SchemaMigrator.prepare(dataSource, database, options);
        EntityManagerFactory emf = PersistenceBootstrap.resourceLocal(dataSource, options);
        return resourceLocal(new ResourceLocalTransactions(emf, options.maxAttempts(), Optional.of(dataSource),
                new Failures(Failures.backendOf(dataSource, Optional.empty()))), options, database);
    }

    /** A store with local transactions on a JDBC URL. */
    public static JpaFlowStoreImpl resourceLocal(String url, String user, String password, JpaStoreOptions options) {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(options, "options");
        DataSource unpooled = new UrlDataSource(url, user, password);
        Database database = Database.detect(unpooled);
        SchemaMigrator.prepare(unpooled, database, options);
        EntityManagerFactory emf = PersistenceBootstrap.resourceLocal(url, user, password, options);
        return resourceLocal(new ResourceLocalTransactions(emf, options.maxAttempts(), Optional.empty(),
                new Failures(Failures.address(url))), options, database);
    }

    /**
     * A store on a container's JTA datasource. Call outside any transaction: the migration needs
     * connections of its own.
     *
     * @param dataSourceName the datasource's JNDI name, which the store's failures name it by
     */
    static JpaFlowStoreImpl jta(DataSource dataSource, String dataSourceName, ContainerJta jta,
                                TransactionDemarcation demarcation, JpaStoreOptions options,
                                Optional<ThreadFactory> containerThreads) {
        Database database = Database.detect(dataSource);
        SchemaMigrator.prepare(dataSource, database, options);
        EntityManagerFactory emf = PersistenceBootstrap.jta(dataSource, jta, options);
        // Writes join callers' transactions; the others are grouped into container-begun ones, on
        // the container's threads (a thread of our own may not use its transactions and naming).
        Transactions transactions = new JtaTransactions(emf, jta.registry(), demarcation, options.maxAttempts(),
                new Failures(Failures.backendOf(dataSource, Optional.of(dataSourceName))));
        GroupCommit commits = containerThreads.map(threads -> groupCommit(transactions, options, database, threads))
                .orElseGet(() -> GroupCommit.none(transactions));
        return started(transactions, commits, options, database, "JTA");
    }

    /** Grouped commits on {@code threads}, with the run cache; none if the options ask for no committer threads. */
    private static GroupCommit groupCommit(Transactions transactions, JpaStoreOptions options, Database database,
                                           ThreadFactory threads) {
        return options.groupCommitThreads() == 0 ? GroupCommit.none(transactions)
                : new GroupCommit(transactions, new RunTables(database, tablesOf(options)),
                        Optional.of(new RunCache(CACHED_RUNS)), options.groupCommitThreads(), MAX_GROUP,
                        options.slowWriteWarning(), threads);
    }

    private static JpaFlowStoreImpl resourceLocal(Transactions transactions, JpaStoreOptions options,
                                                  Database database) {
        GroupCommit commits = groupCommit(transactions, options, database, Thread::new);
        // The first HQL query initialises Hibernate's query parser (a few hundred ms of CPU on a
        // cold JVM): do it now rather than in the first step that reads its run's state, under load.
        transactions.read(em -> em.createQuery(STATE_VALUE));
        return started(transactions, commits, options, database, "RESOURCE_LOCAL");
    }

    private static JpaFlowStoreImpl started(Transactions transactions, GroupCommit commits, JpaStoreOptions options,
                                            Database database, String mode) {
        LOG.log(System.Logger.Level.INFO, "NVENT-0310 JPA flow store ready: {0}, {1} transactions, tables {2}*, {3}",
                database, mode, tablesOf(options), commits.threads() == 0 ? "each write committed alone"
                        : "writes grouped by " + commits.threads() + " committer threads");
        return new JpaFlowStoreImpl(transactions, commits, options, database);
    }

    /** Schema (with its dot) and prefix of the store's tables. */
    private static String tablesOf(JpaStoreOptions options) {
        return options.schema().map(s -> s + ".").orElse("") + options.tablePrefix();
    }

    @Override
    public JpaStoreOptions options() {
        return options;
    }

    @Override
    public SchedulingStore schedulingStore() {
        return scheduling;
    }

    // ------------------------------------------------------------------ runs

    /** In the column run.labels_text and the table run_label (V28). */
    @Override
    public boolean keepsLabels() {
        return true;
    }

    @Override
    public List<HistoryEvent> createRun(RunRecord run, List<EventDraft> events) {
        payloads.checkRun(run, null);
        payloads.checkEvents(run.runId(), events);
        return commits.write(run.runId(), Transactions.Contended.run(run.runId()), false, em -> {
            Optional<RunBatch> batch = GroupCommit.batch(em);
            if (batch.isPresent()) {
                // A run in the database with the same id fails the batch's insert, and the error
                // shows when the write runs again alone.
                if (batch.get().find(run.runId()).isPresent()) {
                    throw duplicate(run.runId(), null);
                }
                return batch.get().create(run, events);
            }
            return insertRun(em, run, events, Optional.empty());
        });
    }

    /**
     * Not in a grouped commit: another run holding the key would fail the whole group's insert, and
     * keyed starts are few.
     */
    @Override
    public List<HistoryEvent> createRun(RunRecord run, List<EventDraft> events, String idempotencyKey) {
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        payloads.checkRun(run, null);
        payloads.checkEvents(run.runId(), events);
        return transactions.write(Transactions.Contended.run(run.runId()), em -> {
            // Creators of one key take turns, and a later one finds the key taken: no insert fails on
            // the unique index, whose error the driver and Hibernate log with the run's input.
            Optional<RunTables.StoredRun> holder = em.unwrap(Session.class).doReturningWork(connection -> {
                tables.lockKey(connection, idempotencyKey);
                return tables.findByKey(connection, idempotencyKey);
            });
            if (holder.isPresent()) {
                throw new NventException("NVENT-0327 run '" + run.runId() + "' not created: run '"
                        + holder.get().run().runId() + "' holds its idempotency key");
            }
            return insertRun(em, run, events, Optional.of(idempotencyKey));
        });
    }

    private List<HistoryEvent> insertRun(EntityManager em, RunRecord run, List<EventDraft> events,
                                         Optional<String> idempotencyKey) {
        if (em.find(RunEntity.class, run.runId()) != null) {
            throw duplicate(run.runId(), null);
        }
        RunEntity entity = RunEntity.of(run, events.size());
        entity.idempotencyKey = idempotencyKey.orElse(null);
        em.persist(entity);
        List<HistoryEvent> stored = persistEvents(em, run.runId(), 1, events);
        try {
            em.flush();
            if (!run.labels().isEmpty()) {
                em.unwrap(Session.class).doWork(connection -> tables.insertLabels(connection, List.of(run)));
            }
        } catch (PersistenceException e) {
            // Lost a race with a creator of the same id, or of the same key, between the check and the insert.
            if (causedBy(e, ConstraintViolationException.class)) {
                throw idempotencyKey.isPresent()
                        ? new NventException("NVENT-0327 run '" + run.runId() + "' not created: it exists, or "
                                + "another run holds its idempotency key", e)
                        : duplicate(run.runId(), e);
            }
            throw e;
        }
        return stored;
    }

    @Override
    public Optional<RunRecord> findRunByKey(String idempotencyKey) {
        return transactions.readJdbc(connection -> tables.findByKey(connection, idempotencyKey))
                .map(RunTables.StoredRun::run);
    }

    @Override
    public Optional<RunRecord> findRun(String runId) {
        Optional<RunTables.StoredRun> found = transactions.readJdbc(connection -> tables.find(connection, runId));
        // The engine reads a run before each step, and then changes it: spare that change a locking
        // read. Not inside the caller's transaction, whose writes the row may show and never commit.
        if (!transactions.inCallerTransaction()) {
            found.ifPresent(commits::remember);
        }
        return found.map(RunTables.StoredRun::run);
    }

    @Override
    public List<RunRecord> readRuns(Collection<String> runIds) {
        if (runIds.isEmpty()) {
            return List.of();
        }
        List<RunTables.StoredRun> found = transactions.readJdbc(connection -> {
            List<RunTables.StoredRun> rows = new ArrayList<>(runIds.size());
            tables.read(connection, new LinkedHashSet<>(runIds), rows::add);
            return rows;
        });
        // As findRun: the engine reads these runs because steps of them are about to change them.
        if (!transactions.inCallerTransaction()) {
            found.forEach(commits::remember);
        }
        return found.stream().map(RunTables.StoredRun::run).toList();
    }

    /**
     * From the states the grouped commits keep: the runs this instance committed or read lately
     * (none when writes are not grouped: no committer threads, or a container without a managed
     * thread factory).
     */
    @Override
    public Optional<RunRecord> recentRun(String runId, long minVersion, Duration maxAge) {
        if (maxAge.isNegative()) {
            throw new IllegalArgumentException("maxAge must not be negative, was " + maxAge);
        }
        return commits.recent(runId, minVersion, maxAge).map(RunTables.StoredRun::run);
    }

    @Override
    public Optional<StoredChange> updateRun(String runId, RunMutation mutation) {
        Objects.requireNonNull(mutation, "mutation");
        return commits.write(runId, Transactions.Contended.run(runId), true, em -> changeRun(em, runId, mutation));
    }

    /** The work of {@link #updateRun}, inside a transaction; also used by the scheduling store's step start/finish. */
    Optional<StoredChange> changeRun(EntityManager em, String runId, RunMutation mutation) {
        Optional<RunBatch> batch = GroupCommit.batch(em);
        if (batch.isPresent()) {
            // Locked by the batch up front (or created by it); written at its end.
            RunRecord current = batch.get().find(runId).orElseThrow(() -> new RunNotFoundException(runId));
            Optional<RunChange> change = checkedChange(runId, current, mutation);
            if (change.isEmpty()) {
                batch.get().checkRefusal(runId);
            }
            return change.map(c -> {
                StoredChange stored = batch.get().change(c.updated(), c.events());
                // In the group's transaction: the awaits commit with the change, or the group runs its writes alone.
                scheduling.saveAwaits(em, c.awaits());
                return stored;
            });
        }
        // Written outside the groups: what the cache holds of the run is about to fall behind.
        commits.forget(runId);
        RunEntity entity = em.find(RunEntity.class, runId, LockModeType.PESSIMISTIC_WRITE);
        if (entity == null) {
            throw new RunNotFoundException(runId);
        }
        RunRecord current = entity.toRecord();
        Optional<RunChange> change = checkedChange(runId, current, mutation);
        if (change.isEmpty()) {
            return Optional.empty();
        }
        RunRecord next = change.get().updated();
        markKeysLeftByEnd(em, current, next);
        List<EventDraft> drafts = change.get().events();
        long firstSeq = entity.lastSeq + 1;
        boolean changed = entity.update(current, next);
        if (!drafts.isEmpty()) {
            entity.lastSeq += drafts.size();
        } else if (!changed) {
            // Nothing to write, but every update counts: bump the version now, under our lock.
            em.lock(entity, LockModeType.PESSIMISTIC_FORCE_INCREMENT);
        }
        List<HistoryEvent> stored = persistEvents(em, runId, firstSeq, drafts);
        em.flush();
        scheduling.saveAwaits(em, change.get().awaits());
        return Optional.of(new StoredChange(next.withVersion(entity.version), stored));
    }

    /**
     * Marks the concurrency keys the run may hold to settle when the run ends (leaves the statuses under way), in the
     * transaction of its end ({@link RunBatch#write} does so for a grouped commit): the settle that follows normally
     * hands the key on, but an instance stopping in between would leave it held, and the maintenance sweep reads only
     * marked keys (and all keys only now and then).
     */
    private void markKeysLeftByEnd(EntityManager em, RunRecord before, RunRecord after) {
        if (KeysToSettle.ends(before, after) && after.concurrencyKey().isPresent()) {
            em.unwrap(Session.class).doWork(connection -> tables.keysToSettle().markHeldBy(connection, List.of(after)));
        }
    }

    /** The marks of the concurrency keys that may need settling, shared with the scheduling store. */
    KeysToSettle keysToSettle() {
        return tables.keysToSettle();
    }

    /** What {@code mutation} makes of the run, refused if it is not a legal change with valid payloads. */
    private Optional<RunChange> checkedChange(String runId, RunRecord current, RunMutation mutation) {
        Optional<RunChange> change = mutation.apply(current);
        if (change.isEmpty()) {
            return change;
        }
        RunRecord next = change.get().updated();
        if (!next.runId().equals(runId)) {
            throw new IllegalArgumentException("a mutation of run '" + runId + "' returned run '" + next.runId() + "'");
        }
        if (next.status() != current.status() && !current.status().canTransitionTo(next.status())) {
            throw new IllegalRunTransitionException(runId, current.status(), "become " + next.status().wireName());
        }
        payloads.checkRun(next, current);
        payloads.checkEvents(runId, change.get().events());
        return change;
    }

    // ------------------------------------------------------------------ history

    @Override
    public List<HistoryEvent> appendEvents(String runId, List<EventDraft> events) {
        if (events.isEmpty()) {
            if (findRun(runId).isEmpty()) {
                throw new RunNotFoundException(runId);
            }
            return List.of();
        }
        return appendEvents(runId, events, NO_CONDITION);
    }

    /**
     * Appends as {@link #appendEvents(String, List)} does, in a transaction in which {@code condition}
     * runs after the entries are written (the scheduling store's check of a step's lease); an exception
     * it throws rolls the entries back.
     */
    List<HistoryEvent> appendEvents(String runId, List<EventDraft> events, Consumer<EntityManager> condition) {
        payloads.checkEvents(runId, events);
        commits.forget(runId);
        return transactions.write(runId, em -> {
            long lastSeq = allocate(em, runId, events.size());
            List<HistoryEvent> stored = persistEvents(em, runId, lastSeq - events.size() + 1, events);
            condition.accept(em);
            return stored;
        });
    }

    /**
     * Advances the run's {@code last_seq} by {@code count} and returns the new value. The
     * {@code UPDATE} takes the run's row lock, held until commit, which is what makes the numbers
     * gapless and unique under concurrency.
     */
    private long allocate(EntityManager em, String runId, int count) {
        if (database == Database.POSTGRESQL) {
            // One round trip instead of two.
            @SuppressWarnings("unchecked")
            List<Number> result = em.createNativeQuery(
                            "update " + runTable + " set last_seq = last_seq + ?1 where run_id = ?2 returning last_seq")
                    .setParameter(1, count).setParameter(2, runId).getResultList();
            if (result.isEmpty()) {
                throw new RunNotFoundException(runId);
            }
            return result.get(0).longValue();
        }
        // A bulk update leaves the version alone: appending does not change the run.
        int updated = em.createQuery("update NventRun r set r.lastSeq = r.lastSeq + :count where r.runId = :runId")
                .setParameter("count", (long) count).setParameter("runId", runId).executeUpdate();
        if (updated == 0) {
            throw new RunNotFoundException(runId);
        }
        return em.createQuery("select r.lastSeq from NventRun r where r.runId = :runId", Long.class)
                .setParameter("runId", runId).getSingleResult();
    }

    private static List<HistoryEvent> persistEvents(EntityManager em, String runId, long firstSeq,
                                                    List<EventDraft> drafts) {
        List<HistoryEvent> stored = new ArrayList<>(drafts.size());
        long seq = firstSeq;
        for (EventDraft draft : drafts) {
            EventEntity entity = new EventEntity(runId, seq++, draft);
            em.persist(entity);
            stored.add(entity.toEvent());
        }
        return stored;
    }

    @Override
    public List<HistoryEvent> readEvents(String runId, EventQuery query) {
        StringBuilder jpql = new StringBuilder("select e from NventEvent e where e.runId = :runId and e.seq > :after"
                + " and e.seq < :before");
        if (!query.types().isEmpty()) {
            jpql.append(" and e.type in :types");
        }
        jpql.append(query.newestFirst() ? " order by e.seq desc" : " order by e.seq");
        return transactions.read(em -> {
            TypedQuery<EventEntity> q = em.createQuery(jpql.toString(), EventEntity.class)
                    .setParameter("runId", runId).setParameter("after", query.afterSeq())
                    .setParameter("before", query.beforeSeq())
                    .setMaxResults(query.limit());
            if (!query.types().isEmpty()) {
                q.setParameter("types", query.types());
            }
            return q.getResultList().stream().map(EventEntity::toEvent).toList();
        });
    }

    // ------------------------------------------------------------------ queries

    @Override
    public List<RunRecord> findRuns(RunQuery query) {
        // Plain JDBC: the lost-job check pages through every running run, and entities cost far more.
        return transactions.readJdbc(connection -> tables.find(connection, query));
    }

    /** Its run tables, for the queries of the scheduling store over runs and their awaits. */
    RunTables tables() {
        return tables;
    }

    @Override
    public FlowStats stats(String flow) {
        // Plain JDBC: the monitoring UI asks often, and on a cold JVM Hibernate's first translation
        // of this query took ~100 ms (a few hundred classes) in the middle of the first request.
        return transactions.readJdbc(connection -> tables.stats(connection, flow));
    }

    /** Through run_parent_started_idx; whether one is under way through run_parent_under_way_idx (V30). */
    @Override
    public boolean countsChildRuns() {
        return true;
    }

    @Override
    public ChildRunCounts childRunCounts(String parentRunId) {
        Objects.requireNonNull(parentRunId, "parentRunId");
        return transactions.readJdbc(connection -> tables.childRunCounts(connection, parentRunId));
    }

    /** Recursive queries down run_parent_started_idx (V19), asking run_parent_under_way_idx (V30) on the way. */
    @Override
    public boolean countsDescendantRuns() {
        return true;
    }

    @Override
    public ChildRunCounts descendantRunCounts(String rootRunId) {
        Objects.requireNonNull(rootRunId, "rootRunId");
        return transactions.readJdbc(connection -> tables.descendantRunCounts(connection, rootRunId));
    }

    @Override
    public boolean hasDescendantRunsBeyondDepthLimit(String rootRunId) {
        Objects.requireNonNull(rootRunId, "rootRunId");
        return transactions.readJdbc(connection -> tables.hasDescendantRunsBeyondDepthLimit(connection, rootRunId));
    }

    @Override
    public boolean hasDescendantRunsUnderWay(String rootRunId) {
        Objects.requireNonNull(rootRunId, "rootRunId");
        return transactions.readJdbc(connection -> tables.hasDescendantRunsUnderWay(connection, rootRunId));
    }

    /** On a JTA persistence unit a write joins the caller's transaction; on a resource-local one it commits alone. */
    @Override
    public boolean joinsCallerTransaction() {
        return transactions instanceof JtaTransactions;
    }

    /** In the columns run.run_timeout_ms and run.deadline, found through run_deadline_idx (V31). */
    @Override
    public boolean keepsDeadlines() {
        return true;
    }

    @Override
    public List<RunDeadline> runsPastDeadline(Instant now, Optional<RunDeadline> after, int limit) {
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(after, "after");
        PageLimits.requireAtLeastOne(limit);
        return transactions.readJdbc(connection -> tables.runsPastDeadline(connection, now, after, limit));
    }

    @Override
    public boolean hasChildRunsUnderWay(String parentRunId) {
        Objects.requireNonNull(parentRunId, "parentRunId");
        return transactions.readJdbc(connection -> tables.hasChildRunsUnderWay(connection, parentRunId));
    }

    @Override
    public List<RunRecord> childRunsLeadingToRunsUnderWay(String parentRunId, Optional<String> afterRunId,
                                                          int limit) {
        Objects.requireNonNull(parentRunId, "parentRunId");
        Objects.requireNonNull(afterRunId, "afterRunId");
        PageLimits.requireAtLeastOne(limit);
        return transactions.readJdbc(connection -> tables.childRunsLeadingToRunsUnderWay(connection, parentRunId,
                afterRunId, limit));
    }

    // ------------------------------------------------------------------ state

    @Override
    public Optional<String> getState(String runId, String key, Instant now) {
        Objects.requireNonNull(now, "now");
        return transactions.read(em -> em.createQuery(STATE_VALUE, String.class)
                .setParameter("runId", runId).setParameter("key", key).setParameter("now", now)
                .getResultStream().findFirst());
    }

    @Override
    public void putState(String runId, String key, String json, Optional<Instant> expiresAt) {
        putState(runId, key, json, expiresAt, NO_CONDITION);
    }

    /**
     * Sets a state value as {@link #putState(String, String, String, Optional)} does, in a transaction in
     * which {@code condition} runs once the run is locked (see {@link #appendEvents(String, List, Consumer)}).
     */
    void putState(String runId, String key, String json, Optional<Instant> expiresAt,
                  Consumer<EntityManager> condition) {
        Objects.requireNonNull(expiresAt, "expiresAt");
        Payloads.checkName(key, "state key");
        payloads.check(json, "state '" + key + "' of run '" + runId + "'");
        transactions.write(runId, em -> {
            // The run's row lock makes concurrent writers of one key take turns (no duplicate insert)
            // and proves the run exists.
            lockRun(em, runId);
            condition.accept(em);
            StateEntity entity = em.find(StateEntity.class, new StateKey(runId, key));
            if (entity == null) {
                em.persist(new StateEntity(runId, key, json, expiresAt.orElse(null)));
            } else {
                entity.payload = json;
                entity.expiresAt = expiresAt.orElse(null);
            }
            return null;
        });
    }

    private void lockRun(EntityManager em, String runId) {
        String lock = database == Database.POSTGRESQL ? " for no key update" : " for update";
        List<?> found = em.createNativeQuery("select run_id from " + runTable + " where run_id = ?1" + lock)
                .setParameter(1, runId).getResultList();
        if (found.isEmpty()) {
            throw new RunNotFoundException(runId);
        }
    }

    @Override
    public void deleteState(String runId, String key) {
        deleteState(runId, key, NO_CONDITION);
    }

    /**
     * Deletes a state value as {@link #deleteState(String, String)} does, in a transaction in which
     * {@code condition} runs first (see {@link #appendEvents(String, List, Consumer)}).
     */
    void deleteState(String runId, String key, Consumer<EntityManager> condition) {
        transactions.write(runId, em -> {
            condition.accept(em);
            return em.createQuery("delete from NventState s where s.runId = :runId and s.key = :key")
                    .setParameter("runId", runId).setParameter("key", key).executeUpdate();
        });
    }

    @Override
    public void clearState(String runId) {
        transactions.write(runId, em -> em.createQuery("delete from NventState s where s.runId = :runId")
                .setParameter("runId", runId).executeUpdate());
    }

    @Override
    public int purgeExpiredState(Instant now) {
        Objects.requireNonNull(now, "now");
        // Plain JDBC: the maintenance sweep runs it from the start, and on a cold JVM Hibernate's
        // first translation of a bulk delete took ~100 ms just as the first runs came in.
        return transactions.write("(state purge)", em -> em.unwrap(Session.class)
                .doReturningWork(connection -> tables.deleteExpiredState(connection, now)));
    }

    // ------------------------------------------------------------------ retention

    @Override
    public int purgeFinishedRuns(Instant now) {
        return purgeFinishedRuns(options.retention(), now);
    }

    @Override
    public RetentionPurge startRetentionPurge(Instant now) {
        return new ChunkedPurge(options.retention(), now, true);
    }

    @Override
    public int purgeFinishedRuns(RetentionPolicy policy, Instant now) {
        RetentionPurge purge = new ChunkedPurge(policy, now, false);
        int deleted = 0;
        for (OptionalInt chunk = purge.nextChunk(); chunk.isPresent(); chunk = purge.nextChunk()) {
            deleted += chunk.getAsInt();
        }
        if (deleted > 0) {
            LOG.log(System.Logger.Level.INFO, "NVENT-0312 deleted {0} finished run(s) with their history ({1})",
                    deleted, policy);
        }
        return deleted;
    }

    @Override
    public int deleteFinishedRuns(String flow) {
        int deleted = deleteFinished(flow, Integer.MAX_VALUE);
        LOG.log(System.Logger.Level.INFO, "NVENT-0326 deleted {0} finished run(s) of flow {1} with their history",
                deleted, flow);
        return deleted;
    }

    @Override
    public int deleteFinishedRuns(String flow, int max) {
        int deleted = deleteFinished(flow, max);
        // Called a step at a time by a bounded clear, which the engine logs once.
        LOG.log(System.Logger.Level.DEBUG, "NVENT-0326 deleted {0} finished run(s) of flow {1} with their history",
                deleted, flow);
        return deleted;
    }

    @Override
    public OptionalLong deleteFinishedRun(String runId, long version) {
        Objects.requireNonNull(runId, "runId");
        // As a chunk of a cleared history: state, awaits and leases go with the run (on delete cascade).
        // Judged once locked: a run retried or restarted since the caller read it is kept.
        return transactions.write(runId, em -> em.unwrap(Session.class).doReturningWork(connection ->
                tables.deleteFinished(connection, runId, run -> isFinished(run) && run.version() == version)));
    }

    /**
     * Chunk by chunk, each a transaction of its own. A chunk is read in the order of the index on
     * {@code (flow, ended_at, run_id)} (schema V11), from its start. Ordered by run id, PostgreSQL read
     * each chunk along the primary key through the runs of every flow: for a flow with a tenth of
     * 90,000 runs, 82,800 rows of other flows and deleted chunks for nothing, 89 ms against 11 ms
     * through the flow's index (QA: 54,549 runs in 110 chunks, one 90-second request).
     */
    private int deleteFinished(String flow, int max) {
        Objects.requireNonNull(flow, "flow");
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1; was " + max);
        }
        int deleted = 0;
        while (deleted < max) {
            int chunk = Math.min(PURGE_CHUNK, max - deleted);
            List<String> ids = transactions.read(em -> em.createQuery("select r.runId from NventRun r"
                            + " where r.flow = :flow and r.status in :finished order by r.endedAt, r.runId", String.class)
                    .setParameter("flow", flow).setParameter("finished", FINISHED).setMaxResults(chunk)
                    .getResultList());
            if (ids.isEmpty()) {
                break;
            }
            // The history is deleted here; state, awaits and leases go with the run (on delete cascade).
            // A run retried since it was read is no longer finished once locked, and is kept.
            deleted += transactions.write("(clear history)", em -> em.unwrap(Session.class)
                    .doReturningWork(connection -> tables.deleteFinished(connection, ids, JpaFlowStoreImpl::isFinished)));
            if (ids.size() < chunk) {
                break;
            }
        }
        return deleted;
    }

    /** Where a purge reads its next chunk of run ids, and what a run read there must still be once locked. */
    private record PurgeSource(Function<EntityManager, List<String>> nextChunk, Predicate<RunRecord> stillDoomed) {
    }

    /**
     * A retention purge: by age first, then by count per flow. Every select reads an index range from
     * its start and stops at a chunk: finished runs by {@code (status, ended_at)}, a flow's by
     * {@code (flow, ended_at, run_id)} (schema V11); a chunk's runs are deleted before the next is read.
     * A finished run always has its end time in practice; one stored without it counts from its start,
     * read through {@code ended_at is null}, which the same indexes find. (The age select used to be
     * on {@code coalesce(ended_at, started_at)}, which no index has: every sweep walked the table.)
     */
    private final class ChunkedPurge implements RetentionPurge {
        private final RetentionPolicy policy;
        private final Instant now;
        private final boolean sweep;
        private final Deque<PurgeSource> sources = new ArrayDeque<>();
        private boolean flowsRead;

        /**
         * @param sweep whether it is the sweep's purge, which looks only at the flows with runs ended
         *     since the last one (see {@link #flowsOverTheLimit}); a purge called for on its own looks at all
         */
        ChunkedPurge(RetentionPolicy policy, Instant now, boolean sweep) {
            this.policy = Objects.requireNonNull(policy, "policy");
            this.now = Objects.requireNonNull(now, "now");
            this.sweep = sweep;
            policy.maxAge().ifPresent(maxAge -> {
                Instant cutoff = now.minus(maxAge);
                // Checked again under the lock: a run retried or ended again since it was read ended within the age.
                Predicate<RunRecord> endedBefore = run -> isFinished(run)
                        && run.endedAt().orElse(run.startedAt()).isBefore(cutoff);
                // One status at a time: in the order of the index, which PostgreSQL then reads from its
                // start rather than scanning the table (as it chose for half the table due), where
                // the runs of chunks already deleted would lie in its way until the next vacuum.
                for (RunStatus finished : FINISHED) {
                    sources.add(new PurgeSource(em -> em.createQuery("select r.runId from NventRun r"
                                    + " where r.status = :finished and r.endedAt < :cutoff order by r.endedAt", String.class)
                            .setParameter("finished", finished).setParameter("cutoff", cutoff)
                            .setMaxResults(PURGE_CHUNK).getResultList(), endedBefore));
                }
                // Ordered as the index (status, ended_at) holds them, which the select then reads from
                // the start of the null end times of each finished status: unordered, PostgreSQL
                // expected runs without an end time among the finished ones as often as among all
                // and walked the whole table to find there are none (150 ms at 500,000 runs, every
                // sweep's minute check), the end times being null for every row the select finds.
                sources.add(new PurgeSource(em -> em.createQuery("select r.runId from NventRun r"
                                + " where r.status in :finished and r.endedAt is null and r.startedAt < :cutoff"
                                + " order by r.status, r.endedAt", String.class)
                        .setParameter("finished", FINISHED).setParameter("cutoff", cutoff)
                        .setMaxResults(PURGE_CHUNK).getResultList(), endedBefore));
            });
        }

        @Override
        public OptionalInt nextChunk() {
            while (true) {
                PurgeSource source = sources.peek();
                if (source == null) {
                    if (flowsRead && sweep) {
                        perFlowCheckedAt = Optional.of(now);
                    }
                    if (flowsRead || policy.maxFinishedRunsPerFlow().isEmpty()) {
                        return OptionalInt.empty();
                    }
                    // Read once the age purge is done, so that its cut-offs count only the runs it left.
                    flowsRead = true;
                    sources.addAll(perFlowSources(policy.maxFinishedRunsPerFlow().getAsInt()));
                    continue;
                }
                List<String> ids = transactions.read(source.nextChunk());
                if (ids.size() < PURGE_CHUNK) {
                    sources.remove();
                }
                if (!ids.isEmpty()) {
                    // The history is deleted here; state, awaits and leases go with the run (on delete cascade).
                    return OptionalInt.of(transactions.write("(retention)", em -> em.unwrap(Session.class)
                            .doReturningWork(connection -> tables.deleteFinished(connection, ids,
                                    source.stillDoomed()))));
                }
            }
        }

        /**
         * For each flow with more than {@code keep} finished runs, the runs that ended before its
         * {@code keep}-th newest (found once, through the index, instead of skipping the newest {@code keep}
         * in a sorted scan of the flow for every chunk).
         */
        private List<PurgeSource> perFlowSources(int keep) {
            List<String> flows = flowsOverTheLimit(keep);
            List<PurgeSource> perFlow = new ArrayList<>();
            for (String flow : flows) {
                Optional<RunTables.Ended> newestKept = transactions.readJdbc(connection ->
                        tables.nthNewestFinished(connection, flow, keep));
                if (newestKept.isEmpty()) {
                    continue; // no more than keep finished runs with an end time: all are kept
                }
                Instant cutoff = newestKept.get().endedAt();
                String cutoffRun = newestKept.get().runId();
                // Checked again under the lock: a run retried and ended again since it was read ended
                // after the cut-off, and is kept.
                Predicate<RunRecord> notNewer = run -> isFinished(run)
                        && !run.endedAt().orElse(run.startedAt()).isAfter(cutoff);
                perFlow.add(new PurgeSource(em -> em.createQuery("select r.runId from NventRun r"
                                + " where r.flow = :flow and r.status in :finished and r.endedAt <= :cutoff"
                                + " and (r.endedAt < :cutoff or r.runId < :cutoffRun) order by r.endedAt, r.runId",
                                String.class)
                        .setParameter("flow", flow).setParameter("finished", FINISHED)
                        .setParameter("cutoff", cutoff).setParameter("cutoffRun", cutoffRun)
                        .setMaxResults(PURGE_CHUNK).getResultList(), notNewer));
                perFlow.add(new PurgeSource(em -> em.createQuery("select r.runId from NventRun r"
                                + " where r.flow = :flow and r.status in :finished and r.endedAt is null"
                                + " and r.startedAt < :cutoff", String.class)
                        .setParameter("flow", flow).setParameter("finished", FINISHED).setParameter("cutoff", cutoff)
                        .setMaxResults(PURGE_CHUNK).getResultList(), notNewer));
            }
            return perFlow;
        }

        /**
         * The flows that may have more than {@code keep} finished runs; their cut-offs, each read
         * through the index of a flow's finished runs ({@code run_flow_finished_idx}, V21) and no
         * further than the {@code keep}-th newest (or the flow's last finished run), then show whether
         * they are. A flow goes over the limit only when one of its runs ends,
         * so the sweep's purge, once one has looked at every flow, looks only at those with runs ended
         * since the last that did (through the index on {@code (status, ended_at)}). The first look (at a
         * start, or a purge called for from code) takes every flow with runs, found one index probe a
         * flow ({@link #flowsWithRuns}), instead of counting the finished runs of every flow in a grouped
         * scan of the whole table (~90 ms at 200,000 runs, a time that grows with the store).
         */
        private List<String> flowsOverTheLimit(int keep) {
            Optional<Instant> checked = sweep ? perFlowCheckedAt : Optional.empty();
            if (checked.isPresent()) {
                Instant since = checked.get().minus(ENDED_RUNS_OVERLAP);
                return transactions.read(em -> em.createQuery("select distinct r.flow from NventRun r"
                                + " where r.status in :finished and r.endedAt >= :since", String.class)
                        .setParameter("finished", FINISHED).setParameter("since", since).getResultList());
            }
            return flowsWithRuns();
        }

        /**
         * Every flow with a stored run, in name order: each the least name after the one before, which
         * an index led by the flow answers from one end of its range (a loose index scan: one probe a
         * flow, however many runs each has).
         */
        private List<String> flowsWithRuns() {
            return transactions.read(em -> {
                List<String> flows = new ArrayList<>();
                String next = em.createQuery("select min(r.flow) from NventRun r", String.class).getSingleResult();
                while (next != null) {
                    flows.add(next);
                    next = em.createQuery("select min(r.flow) from NventRun r where r.flow > :after", String.class)
                            .setParameter("after", next).getSingleResult();
                }
                return flows;
            });
        }
    }

    private static boolean isFinished(RunRecord run) {
        return FINISHED.contains(run.status());
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public void close() {
        commits.close();
        transactions.close();
    }

    private static NventException duplicate(String runId, Throwable cause) {
        return new NventException("NVENT-0301 run '" + runId + "' exists already", cause);
    }

    private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** A non-pooling data source for the migration and the database check in URL mode. */
    private record UrlDataSource(String url, String user, String password) implements DataSource {

        @Override
        public Connection getConnection() throws SQLException {
            return DriverManager.getConnection(url, user, password);
        }

        @Override
        public Connection getConnection(String otherUser, String otherPassword) throws SQLException {
            return DriverManager.getConnection(url, otherUser, otherPassword);
        }

        @Override
        public java.io.PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(java.io.PrintWriter out) {
            // not used
        }

        @Override
        public void setLoginTimeout(int seconds) {
            // not used
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public java.util.logging.Logger getParentLogger() {
            return java.util.logging.Logger.getLogger(UrlDataSource.class.getName());
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }

        @Override
        public String toString() {
            return "UrlDataSource[" + url + "]"; // never the password
        }
    }
}
