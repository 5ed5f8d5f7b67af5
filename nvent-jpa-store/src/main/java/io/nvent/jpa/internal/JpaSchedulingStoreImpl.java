package io.nvent.jpa.internal;

import static io.nvent.jpa.internal.JdbcValues.getInstant;
import static io.nvent.jpa.internal.JdbcValues.setInstant;

import io.nvent.AwaitPosition;
import io.nvent.AwaitStatus;
import io.nvent.AwaitType;
import io.nvent.Batch;
import io.nvent.Debounce;
import io.nvent.Misfire;
import io.nvent.Overlap;
import io.nvent.NventException;
import io.nvent.HistoryEvent;
import io.nvent.InvalidPayloadException;
import io.nvent.RunNotFoundException;
import io.nvent.RunPosition;
import io.nvent.StaleExecutionException;
import io.nvent.StepProgress;
import io.nvent.TimeoutAction;
import io.nvent.TriggerEvent;
import io.nvent.TriggerNotFoundException;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.jpa.JpaStoreOptions;
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
import io.nvent.spi.RunMutation;
import io.nvent.spi.RunRecord;
import io.nvent.spi.SchedulingStore;
import io.nvent.spi.StepLease;
import io.nvent.spi.StoredChange;
import io.nvent.spi.TickClaim;
import io.nvent.spi.TriggerRecord;
import io.nvent.spi.WebhookReceipt;
import io.nvent.spi.internal.PageLimits;
import jakarta.persistence.EntityManager;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.hibernate.Session;

/**
 * The JPA store's {@link SchedulingStore}: awaits, triggers with their history, schedule-tick claims
 * and step leases in the tables of the V1 migration, on the flow store's persistence unit and
 * transactions (so it joins the caller's JTA transaction like the flow store does).
 *
 * <p>Plain JDBC on the persistence unit's connection ({@link Session#doReturningWork}) rather than
 * entities, because every operation is one or two single-row statements whose atomicity comes from
 * the SQL itself:
 * <ul>
 *   <li>{@code closeAwait}: {@code UPDATE ... WHERE status = 'waiting'} — the database lets one
 *       caller change the row; the others update nothing.</li>
 *   <li>{@code claimTick}: the primary key of {@code schedule_tick} — PostgreSQL
 *       {@code INSERT ... ON CONFLICT DO NOTHING}; on H2 the duplicate-key error of the losers is
 *       caught (H2 rolls back only the failed statement). A claim that meets another transaction's
 *       claim of the tick not yet ended waits for it at most {@link JpaStoreOptions#triggerLockWait()}
 *       on PostgreSQL ({@code lock_timeout}, under a savepoint), then answers
 *       {@link TickClaim#IN_DOUBT}.</li>
 *   <li>{@code acquireLease}: PostgreSQL {@code INSERT ... ON CONFLICT DO UPDATE ... WHERE owner is
 *       the same or the lease expired}; elsewhere a conditional {@code UPDATE}, else an
 *       {@code INSERT} whose duplicate-key error means "held".</li>
 *   <li>{@code insertTrigger}: the primary key of {@code flow_trigger}, as for a tick claim;
 *       {@code replaceTriggerSpec} and {@code replaceTrigger}: the row read {@code FOR UPDATE}, compared,
 *       then updated in one transaction.</li>
 *   <li>{@code recordFire}: {@code fires = fires + 1} in one {@code UPDATE}; {@code recordRunsStarted}
 *       likewise {@code runs_started = runs_started + ?}.</li>
 *   <li>Trigger history numbers: {@code last_seq} of the trigger advanced by an {@code UPDATE} that
 *       holds the trigger's row lock until commit, like run histories.</li>
 *   <li>Both wait for the trigger's row lock at most {@link JpaStoreOptions#triggerLockWait()}, as a
 *       tick claim does: then the fire is not counted, and the history entry fails.</li>
 * </ul>
 * Expected failures (a lost tick or lease) never reach Hibernate, so they cannot mark the caller's
 * JTA transaction for rollback, and on PostgreSQL they never happen at all (a failed statement would
 * abort the whole transaction there). Nothing is cached in a persistence context, so a conditional
 * update and the read after it cannot disagree. Instants are bound as UTC {@link OffsetDateTime}s
 * into {@code timestamp with time zone} columns, independent of JVM and server zones.
 */
public final class JpaSchedulingStoreImpl implements SchedulingStore {

    private static final String AWAIT_COLUMNS = "await_id, token, run_id, flow, step_name, await_position, "
            + "await_type, status, registered_at, resolve_at, timeout_at, timeout_action, event_name, filter_value, "
            + "held, payload, closed_at, concurrency_limit";
    private static final String TRIGGER_COLUMNS = "trigger_name, trigger_type, flows, cron, every_s, time_zone, "
            + "event_name, "
            + "description, enabled, declared, created_at, fires, runs_started, last_fired_at, last_error, event_filter, "
            + "misfire_policy, misfire_grace_s, concurrency_key, concurrency_key_from, concurrency_key_prefix, "
            + "concurrency_limit, labels_text, run_timeout_ms, overlap_policy, exclude_rules, debounce_s, debounce_key_from, debounce_max_s, "
            + "batch_max, batch_window_s, batch_key_from";
    private static final String LEASE_COLUMNS = "run_id, step_name, owner, expires_at, renewed_at, attempt,"
            + " execution";
    /** The columns of the progress kept with a lease (schema V16), and of its last heartbeat (V37). */
    private static final List<String> PROGRESS_COLUMNS = List.of("progress_done", "progress_total", "progress_message",
            "progress_at", "heartbeat_at");
    private static final String WAITING = "waiting";
    private static final int MAX_TRIGGER_NAME = 100;
    private static final int MAX_QUEUE_NAME = 200;
    private static final int MAX_EVENT_TYPE = 32;
    private static final int MAX_ZONE = 64;
    private static final System.Logger LOG = System.getLogger(JpaSchedulingStoreImpl.class.getName());
    /** PostgreSQL's lock_not_available, which lock_timeout raises. */
    private static final String LOCK_NOT_AVAILABLE = "55P03";

    private final Transactions transactions;
    private final GroupCommit commits;
    private final JpaFlowStoreImpl runStore;
    private final Database database;
    private final Payloads payloads;
    private final boolean postgres;
    private final Duration triggerLockWait;
    private final String runs;
    private final String awaits;
    private final String concurrencyKeys;
    /** The runs holding a key besides the one its {@link #concurrencyKeys} row names (schema V23). */
    private final String furtherHolders;
    private final String triggers;
    private final String history;
    private final String ticks;
    private final String webhookRequests;
    private final String requestKeys;
    /** The pending runs of debounced triggers (V35). */
    private final String debounces;
    private final String leases;
    private final String pauses;
    /** The records of the starts of instances (V40). */
    private final String instances;
    /** The fire-all catch-ups not done yet (V44). */
    private final String owedCatchUps;
    private final String queueWorkers;
    private final String rateLimits;
    private final String rateStarts;
    private final KeysToSettle keysToSettle;
    /** The calls of {@link #unsettledConcurrencyKeys} so far, which decide the full passes. */
    private final java.util.concurrent.atomic.AtomicLong sweeps = new java.util.concurrent.atomic.AtomicLong();

    JpaSchedulingStoreImpl(Transactions transactions, GroupCommit commits, Database database,
                           JpaStoreOptions options, JpaFlowStoreImpl runStore) {
        this.transactions = transactions;
        this.commits = commits;
        this.runStore = runStore;
        this.database = database;
        this.payloads = new Payloads(options.maxPayloadBytes());
        this.postgres = database == Database.POSTGRESQL;
        this.triggerLockWait = options.triggerLockWait();
        String tables = options.schema().map(s -> s + ".").orElse("") + options.tablePrefix();
        this.runs = tables + "run";
        this.awaits = tables + "run_await";
        this.concurrencyKeys = tables + "concurrency_key";
        this.furtherHolders = tables + "concurrency_key_holder";
        this.triggers = tables + "flow_trigger";
        this.history = tables + "trigger_event";
        this.ticks = tables + "schedule_tick";
        this.webhookRequests = tables + "webhook_request";
        this.requestKeys = tables + "request_key";
        this.debounces = tables + "trigger_debounce";
        this.leases = tables + "step_lease";
        this.pauses = tables + "queue_pause";
        this.instances = tables + "instance";
        this.owedCatchUps = tables + "owed_catch_up";
        this.queueWorkers = tables + "queue_workers";
        this.rateLimits = tables + "rate_limit";
        this.rateStarts = tables + "rate_start";
        this.keysToSettle = runStore.keysToSettle();
    }

    // ------------------------------------------------------------------ awaits

    @Override
    public void saveAwait(AwaitRecord await) {
        checkAwait(await);
        write("await '" + await.awaitId() + "'", connection -> {
            insertAwait(connection, await);
            return null;
        });
    }

    /** The changes of its own flow store save their awaits here, in the change's transaction (see {@link #saveAwaits}). */
    @Override
    public boolean savesAwaitsWithRunChanges(FlowStore runs) {
        return runs == runStore;
    }

    /**
     * Saves the awaits of a change of their run ({@link io.nvent.spi.RunChange#awaits}) in the change's transaction,
     * as {@link #saveAwait} does: inside a grouped commit on the group's connection, so that they commit (or roll
     * back) with the change and its group. One refused for its own sake refuses the change: a failed statement
     * aborts the transaction (on PostgreSQL), so the group falls back to running its writes alone, and this change
     * then fails alone, leaving its run as it was.
     *
     * @throws AwaitNotSavedException for an await refused for its own sake (too large, held already)
     */
    void saveAwaits(EntityManager em, List<AwaitRecord> changed) {
        for (AwaitRecord await : changed) {
            try {
                checkAwait(await);
                em.unwrap(Session.class).doWork(connection -> insertAwait(connection, await));
            } catch (InvalidPayloadException | IllegalArgumentException | IllegalStateException refused) {
                throw new AwaitNotSavedException("NVENT-0353 the change of run '" + await.runId() + "' is not stored:"
                        + " the store refuses its " + await.type().name().toLowerCase() + " await '" + await.awaitId()
                        + "' of step '" + await.step() + "' (" + refused.getMessage() + ")", await, refused);
            }
        }
    }

    /** What {@link #saveAwait} refuses before it writes: names too long, held events or data past the limit. */
    private void checkAwait(AwaitRecord await) {
        Objects.requireNonNull(await, "await");
        Payloads.checkName(await.awaitId(), "await id");
        Payloads.checkName(await.token(), "await token");
        Payloads.checkName(await.runId(), "run id");
        Payloads.checkName(await.flow(), "flow name");
        Payloads.checkName(await.step(), "step name");
        await.event().ifPresent(event -> Payloads.checkName(event, "event name"));
        payloads.check(await.held(), "held emissions of await '" + await.awaitId() + "'");
        await.data().ifPresent(data -> payloads.check(data, "data of await '" + await.awaitId() + "'"));
    }

    /** Inserts a new await, checked ({@link #checkAwait}), on {@code connection}, in the caller's transaction. */
    private void insertAwait(Connection connection, AwaitRecord await) throws SQLException {
        // Insert only for an existing run, and an id not stored yet: a missing run, or an await saved already
        // (instances ending one delayed start with a key at once), is reported as such rather than as a
        // foreign-key or duplicate-key violation, which on PostgreSQL would also abort a joined transaction.
        String insert = "insert into " + awaits + " (" + AWAIT_COLUMNS + ", version) select ?, ?, ?, ?, ?, ?, ?,"
                + " ?, ?, ?, ?, ?, ?, ?, " + json() + ", " + json() + ", ?, ?, 0 from " + runs + " where run_id = ?";
        int inserted;
        try (PreparedStatement statement = connection.prepareStatement(
                postgres ? insert + " on conflict (await_id) do nothing" : insert)) {
            int i = bindAwait(statement, 1, await);
            statement.setString(i, await.runId());
            inserted = statement.executeUpdate();
        } catch (SQLException e) {
            if (!isDuplicateKey(e)) {   // not PostgreSQL: only this statement failed
                throw e;
            }
            inserted = 0;
        }
        if (inserted == 0) {
            if (first(selectAwaits(connection, "where await_id = ?", await.awaitId())).isPresent()) {
                throw new IllegalStateException("NVENT-0337 await '" + await.awaitId() + "' is stored already:"
                        + " an await is saved once, when it is new");
            }
            throw new RunNotFoundException(await.runId());
        }
        if (await.type() == AwaitType.CONCURRENCY_KEY && await.status() == AwaitStatus.WAITING) {
            // The settle that follows normally lets the run in or leaves it in line; until then it may need one.
            keysToSettle.mark(connection, List.of(await.event().orElseThrow()));
        }
    }

    @Override
    public Optional<AwaitRecord> findAwait(String awaitId) {
        return read(connection -> first(selectAwaits(connection, "where await_id = ?", awaitId)));
    }

    @Override
    public Optional<AwaitRecord> findAwaitByToken(String token) {
        return read(connection -> first(selectAwaits(connection, "where token = ?", token)));
    }

    @Override
    public Optional<AwaitRecord> closeAwait(String awaitId, AwaitStatus status, Optional<String> data, Instant at) {
        return close(awaitId, status, data, at, Optional.empty());
    }

    @Override
    public Optional<AwaitRecord> timeOutAwait(String awaitId, Instant timeoutAt, Instant at) {
        return close(awaitId, AwaitStatus.TIMED_OUT, Optional.empty(), at, Optional.of(timeoutAt));
    }

    /** Closes a waiting await; with {@code timeoutAt}, only if it still times out then. */
    private Optional<AwaitRecord> close(String awaitId, AwaitStatus status, Optional<String> data, Instant at,
                                        Optional<Instant> timeoutAt) {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(at, "at");
        if (status == AwaitStatus.WAITING) {
            throw new IllegalArgumentException("an await cannot be closed as " + status);
        }
        data.ifPresent(json -> payloads.check(json, "data of await '" + awaitId + "'"));
        return write("await '" + awaitId + "'", connection -> {
            String update = "update " + awaits + " set status = ?, payload = " + json()
                    + ", closed_at = ?, version = version + 1 where await_id = ? and status = '" + WAITING + "'"
                    + (timeoutAt.isPresent() ? " and timeout_at = ?" : "");
            // Only one caller's update finds the row still waiting: the database serialises the
            // updates of one row and re-checks the condition for the later ones.
            if (postgres) {
                try (PreparedStatement statement = connection.prepareStatement(update + " returning " + AWAIT_COLUMNS)) {
                    bindClose(statement, status, data, at, awaitId, timeoutAt);
                    try (ResultSet rows = statement.executeQuery()) {
                        return rows.next() ? Optional.of(await(rows)) : Optional.<AwaitRecord>empty();
                    }
                }
            }
            try (PreparedStatement statement = connection.prepareStatement(update)) {
                bindClose(statement, status, data, at, awaitId, timeoutAt);
                if (statement.executeUpdate() == 0) {
                    return Optional.<AwaitRecord>empty();
                }
            }
            return first(selectAwaits(connection, "where await_id = ?", awaitId));
        });
    }

    @Override
    public List<AwaitRecord> dueAwaits(Instant now, int limit) {
        Objects.requireNonNull(now, "now");
        return read(connection -> selectAwaits(connection, "where status = '" + WAITING
                + "' and (resolve_at <= ? or timeout_at <= ?) order by registered_at, await_id " + limit(limit),
                now, now));
    }

    @Override
    public List<AwaitRecord> waitingForEvent(String event) {
        return read(connection -> selectAwaits(connection, "where event_name = ? and status = '" + WAITING
                + "' order by registered_at, await_id", event));
    }

    /** From run_await_type_idx (V20): the waiting awaits of one type, not every await. */
    @Override
    public List<AwaitRecord> waitingAwaitsOfType(AwaitType type, Optional<String> afterAwaitId, int limit) {
        Objects.requireNonNull(type, "type");
        PageLimits.requireAtLeastOne(limit);
        return read(connection -> selectAwaits(connection, "where await_type = '" + wire(type) + "' and status = '"
                + WAITING + "' and await_id > ? order by await_id " + limit(limit), afterAwaitId.orElse("")));
    }

    @Override
    public List<AwaitRecord> awaitsOfRun(String runId) {
        return read(connection -> selectAwaits(connection, "where run_id = ? order by registered_at, await_id",
                runId));
    }

    // ------------------------------------------------------------------ concurrency keys

    /** The run statuses of a run under way, which holds its concurrency key. */
    private static final String UNDER_WAY = "('running', 'awaiting', 'stalled', 'compensating')";

    /** The first run holding the key ({@link #settleConcurrencyKeyHolders}). */
    @Override
    public Optional<String> settleConcurrencyKey(FlowStore runStore, String key, Instant now) {
        return settleConcurrencyKeyHolders(runStore, key, now).stream().findFirst();
    }

    /**
     * Locks the key's row (inserting it if there is none), so that settles of one key take turns; then keeps the
     * holders under way (or holding a step's lease), lets the runs that waited longest in while fewer hold the key than
     * the smallest limit among the head of the line and the holders, or frees the key, deleting its row: the tables
     * keep only keys held. The row names the run that got the key first, its limit and how many further ones hold it,
     * which are rows of {@code concurrency_key_holder} (V23), each with its limit: a holder's limit is the one its
     * await for the key carried, as the head's is. The holders' status is one read; a key whose holders
     * leave no place (a holder of limit 1 under way, say) is settled without reading its line, in three statements as
     * before limits. A settle that finds the row deleted by another settle between its insert (which found the row
     * there) and its lock inserts it again.
     */
    @Override
    public List<String> settleConcurrencyKeyHolders(FlowStore runStore, String key, Instant now) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(now, "now");
        return write("concurrency key '" + key + "'", connection -> settleLocking(connection, key, now));
    }

    /** The body of {@link #settleConcurrencyKeyHolders}, in the caller's transaction: the key's row stays locked. */
    private List<String> settleLocking(Connection connection, String key, Instant now) throws SQLException {
        KeyRow row = lockConcurrencyKey(connection, key);
        List<String> before = new ArrayList<>();
        Map<String, Integer> limits = new HashMap<>();
        row.holder().ifPresent(holder -> {
            before.add(holder);
            limits.put(holder, row.limit());
        });
        Map<String, Instant> heldSince = row.furtherHolders() > 0
                ? furtherHoldersOf(connection, key, limits) : Map.of();
        before.addAll(heldSince.keySet());
        List<String> holders = keptHolders(connection, before, now);
        int smallest = holders.stream().mapToInt(limits::get).min()
                .orElse(io.nvent.StartOptions.MAX_CONCURRENCY_LIMIT);
        if (holders.size() < smallest) {
            letTheLineIn(connection, key, holders, smallest, limits);
        }
        // A key held by none keeps no row: also the one this settle inserted to lock it.
        if (holders.isEmpty() || !holders.equals(before)) {
            storeHolders(connection, key, before, holders, heldSince, limits, now);
        }
        return holders;
    }

    /**
     * Settles the key ({@link #settleConcurrencyKeyHolders}) and, in the same transaction, its row still locked, gives
     * the run's awaits for the key a place in its line ({@code run_await.line_claim}, V42): the key's highest place
     * plus one, once. Then reads the runs of lower places still waiting (through the index of the waiting awaits by
     * type, V20) or holding the key (by their run ids): not the places of the awaits of runs that left the line.
     */
    @Override
    public ConcurrencyKeyClaim claimConcurrencyKeyLine(FlowStore runStore, String key, String runId, Instant now) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(now, "now");
        return write("claim of run " + runId + " to concurrency key '" + key + "'", connection -> {
            List<String> holders = settleLocking(connection, key, now);
            String ofRun = " where run_id = ? and event_name = ? and await_type = '" + wire(AwaitType.CONCURRENCY_KEY)
                    + "'";
            try (PreparedStatement statement = connection.prepareStatement("update " + awaits + " set line_claim ="
                    + " (select coalesce(max(c.line_claim), 0) + 1 from " + awaits + " c where c.event_name = ? and"
                    + " c.line_claim is not null)" + ofRun + " and line_claim is null")) {
                statement.setString(1, key);
                statement.setString(2, runId);
                statement.setString(3, key);
                statement.executeUpdate();
            }
            long place;
            try (PreparedStatement statement = connection.prepareStatement("select min(line_claim) from " + awaits
                    + ofRun)) {
                statement.setString(1, runId);
                statement.setString(2, key);
                try (ResultSet rows = statement.executeQuery()) {
                    Long found = rows.next() ? rows.getObject(1, Long.class) : null;
                    if (found == null) {
                        return new ConcurrencyKeyClaim(holders, List.of());   // no await of the run for the key
                    }
                    place = found;
                }
            }
            Map<String, Long> before = new HashMap<>();
            claimsBefore(connection, "await_type = '" + wire(AwaitType.CONCURRENCY_KEY) + "' and status = '" + WAITING
                    + "' and event_name = ?", List.of(key), place, before);
            if (!holders.isEmpty()) {
                List<String> values = new ArrayList<>(holders);
                values.add(key);
                claimsBefore(connection, "run_id in (" + String.join(", ", Collections.nCopies(holders.size(), "?"))
                        + ") and event_name = ? and await_type = '" + wire(AwaitType.CONCURRENCY_KEY) + "'", values,
                        place, before);
            }
            before.remove(runId);
            return new ConcurrencyKeyClaim(holders, before.entrySet().stream().sorted(Map.Entry.comparingByValue())
                    .map(Map.Entry::getKey).toList());
        });
    }

    /** Collects the runs of the awaits the condition selects whose place in the line is below {@code place}. */
    private void claimsBefore(Connection connection, String condition, List<String> values, long place,
                              Map<String, Long> into) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("select run_id, line_claim from " + awaits
                + " where " + condition + " and line_claim < ?")) {
            for (int i = 0; i < values.size(); i++) {
                statement.setString(i + 1, values.get(i));
            }
            statement.setLong(values.size() + 1, place);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    into.merge(rows.getString(1), rows.getLong(2), Math::min);
                }
            }
        }
    }

    /** In the column run_await.line_claim (V42). */
    @Override
    public boolean keepsConcurrencyKeyClaims() {
        return true;
    }

    /** The row of a locked key: the run that got it first, if any, its limit, and how many further runs hold it. */
    private record KeyRow(Optional<String> holder, int limit, int furtherHolders) {
    }

    /**
     * The holders that keep their place, in their order: those under way, and those of which a step holds a lease that
     * runs out after {@code now}. One read of all their runs; the leases are read only for holders not under way, one
     * by one, as before limits.
     */
    private List<String> keptHolders(Connection connection, List<String> holders, Instant now) throws SQLException {
        Set<String> underWay = new HashSet<>();
        if (!holders.isEmpty()) {
            try (PreparedStatement statement = connection.prepareStatement("select run_id from " + runs
                    + " where run_id in (" + String.join(", ", Collections.nCopies(holders.size(), "?"))
                    + ") and status in " + UNDER_WAY)) {
                for (int i = 0; i < holders.size(); i++) {
                    statement.setString(i + 1, holders.get(i));
                }
                collectStrings(statement, underWay);
            }
        }
        List<String> kept = new ArrayList<>();
        for (String holder : holders) {
            if (underWay.contains(holder) || holdsLease(connection, holder, now)) {
                kept.add(holder);
            }
        }
        return kept;
    }

    /**
     * Adds the runs waiting for the key, in line order, while fewer hold it than the smallest limit among the run at
     * the head of the line and the holders: the head blocks the runs behind it, and each run's limit holds both ways.
     * A holder whose await still waits (it got the key, and was not let go on yet) keeps its place, not a second one.
     * The line's order: the awaits claimed ({@link #claimConcurrencyKeyLine}) in the order admitted, then the others by
     * when they began waiting (the rows of the key are sorted either way: no index gives that order).
     */
    private void letTheLineIn(Connection connection, String key, List<String> holders, int smallestOfHolders,
                              Map<String, Integer> limits) throws SQLException {
        // The holders still in the line, the runs let in and the one that stops the rest: at most the limit, and one.
        int rowsNeeded = Math.min(smallestOfHolders, io.nvent.StartOptions.MAX_CONCURRENCY_LIMIT) + 1;
        try (PreparedStatement statement = connection.prepareStatement("select a.run_id, a.concurrency_limit from "
                + awaits + " a join " + runs + " r on r.run_id = a.run_id where a.event_name = ? and a.status = '"
                + WAITING + "' and a.await_type = '" + wire(AwaitType.CONCURRENCY_KEY) + "' and r.status in "
                + UNDER_WAY + " order by case when a.line_claim is null then 1 else 0 end, a.line_claim, a.registered_at,"
                + " a.await_id " + limit(rowsNeeded))) {
            statement.setString(1, key);
            statement.setFetchSize(Math.min(rowsNeeded, holders.size() + 2));
            int smallest = smallestOfHolders;
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    String runId = rows.getString(1);
                    if (holders.contains(runId)) {
                        continue;
                    }
                    int limit = Optional.ofNullable(rows.getObject(2, Integer.class)).orElse(1);
                    smallest = Math.min(smallest, limit);
                    if (holders.size() >= smallest) {
                        return;
                    }
                    holders.add(runId);
                    limits.put(runId, limit);
                }
            }
        }
    }

    /**
     * The runs holding the key besides the first, in the order they got it, each with when it got it; their limits
     * go to {@code limits}.
     */
    private Map<String, Instant> furtherHoldersOf(Connection connection, String key, Map<String, Integer> limits)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("select holder_run_id, held_since,"
                + " concurrency_limit from " + furtherHolders + " where concurrency_key = ? order by place")) {
            statement.setString(1, key);
            Map<String, Instant> found = new LinkedHashMap<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    found.put(rows.getString(1), getInstant(rows, 2).orElse(Instant.EPOCH));
                    limits.put(rows.getString(1), Optional.ofNullable(rows.getObject(3, Integer.class)).orElse(1));
                }
            }
            return found;
        }
    }

    /**
     * Writes the holders of the locked key: the first in its row (deleting the row if none holds it), the further
     * ones in {@code concurrency_key_holder}. A holder keeps its {@code held_since} (when it got the key), also one
     * that moves up to the row.
     */
    private void storeHolders(Connection connection, String key, List<String> before, List<String> holders,
                              Map<String, Instant> heldSince, Map<String, Integer> limits, Instant now)
            throws SQLException {
        // A row of the key was free or new: rows of further holders left without it (by hand, or by an earlier build)
        // go, unless the key gets one holder only, the common start of a run, which would pay a statement for them.
        if (before.size() > 1 || before.isEmpty() && holders.size() != 1) {
            try (PreparedStatement statement = connection.prepareStatement("delete from " + furtherHolders
                    + " where concurrency_key = ?")) {
                statement.setString(1, key);
                statement.executeUpdate();
            }
        }
        if (holders.isEmpty()) {
            try (PreparedStatement statement = connection.prepareStatement("delete from " + concurrencyKeys
                    + " where concurrency_key = ?")) {
                statement.setString(1, key);
                statement.executeUpdate();
            }
            return;
        }
        if (before.isEmpty() || !before.get(0).equals(holders.get(0)) || before.size() != holders.size()) {
            try (PreparedStatement statement = connection.prepareStatement("update " + concurrencyKeys
                    + " set holder_run_id = ?, held_since = ?, concurrency_limit = ?, further_holders = ?"
                    + " where concurrency_key = ?")) {
                statement.setString(1, holders.get(0));
                setInstant(statement, 2, Optional.of(heldSince.getOrDefault(holders.get(0), now)), database);
                // Null for 1 and for none, as in every row stored before schema V23.
                setLimit(statement, 3, limits.get(holders.get(0)));
                statement.setObject(4, holders.size() == 1 ? null : holders.size() - 1, Types.INTEGER);
                statement.setString(5, key);
                statement.executeUpdate();
            }
        }
        if (holders.size() > 1) {
            try (PreparedStatement statement = connection.prepareStatement("insert into " + furtherHolders
                    + " (concurrency_key, holder_run_id, held_since, place, concurrency_limit)"
                    + " values (?, ?, ?, ?, ?)")) {
                for (int place = 1; place < holders.size(); place++) {
                    statement.setString(1, key);
                    statement.setString(2, holders.get(place));
                    setInstant(statement, 3, Optional.of(heldSince.getOrDefault(holders.get(place), now)), database);
                    statement.setInt(4, place);
                    setLimit(statement, 5, limits.get(holders.get(place)));
                    statement.addBatch();
                }
                statement.executeBatch();
            }
        }
    }

    /** A concurrency limit as stored: null for 1, as in every row stored before schema V23. */
    private static void setLimit(PreparedStatement statement, int index, int limit) throws SQLException {
        statement.setObject(index, limit == 1 ? null : limit, Types.INTEGER);
    }

    @Override
    public boolean holdsConcurrencyLimits() {
        return true;
    }

    /** In the column flow_trigger.run_timeout_ms (V32). */
    @Override
    public boolean keepsTriggerRunTimeouts() {
        return true;
    }

    /** In the column flow_trigger.exclude_rules (V34). */
    @Override
    public boolean keepsTriggerExclusions() {
        return true;
    }

    /** In the columns flow_trigger.debounce_s, debounce_key_from, debounce_max_s and the table trigger_debounce (V35). */
    @Override
    public boolean keepsTriggerDebounce() {
        return true;
    }

    @Override
    public boolean openDebounce(String slot, String runId, String payloadJson, Instant at, Instant dueAt) {
        Objects.requireNonNull(payloadJson, "payloadJson");
        return write("debounce slot of run '" + runId + "'", connection -> insertUnlessKeyTaken(connection,
                "insert into " + debounces + " (slot_digest, trigger_name, run_id, payload, first_at, due_at, folded,"
                        + " slot_text) values (?, ?, ?, ?, ?, ?, 0, ?)", statement -> {
                    bind(statement, slotDigest(slot), slot.substring(0, Math.max(0, slot.indexOf('\u0000'))), runId);
                    setText(statement, 4, Optional.of(payloadJson));
                    setInstant(statement, 5, Optional.of(at), database);
                    setInstant(statement, 6, Optional.of(dueAt), database);
                    setText(statement, 7, Optional.of(java.net.URLEncoder.encode(slot,
                            java.nio.charset.StandardCharsets.UTF_8)));
                }));
    }

    @Override
    public Optional<DebouncedFire> foldDebounce(String slot, String payloadJson, Instant now, Duration window,
                                                Optional<Duration> max) {
        Objects.requireNonNull(payloadJson, "payloadJson");
        String digest = slotDigest(slot);
        return write("debounce slot", connection -> {
            // Locked, so that a start taking the slot, or another fold, comes before or after this one as a whole.
            String runId;
            Instant firstAt;
            int folded;
            try (PreparedStatement select = connection.prepareStatement("select run_id, first_at, folded from "
                    + debounces + " where slot_digest = ? for update")) {
                select.setString(1, digest);
                try (ResultSet row = select.executeQuery()) {
                    if (!row.next()) {
                        return Optional.<DebouncedFire>empty();
                    }
                    runId = row.getString(1);
                    firstAt = getInstant(row, 2).orElseThrow();
                    folded = row.getInt(3) + 1;
                }
            }
            Instant due = now.plus(window);
            Optional<Instant> bound = max.map(firstAt::plus);
            if (bound.filter(due::isAfter).isPresent()) {
                due = bound.get();
            }
            try (PreparedStatement update = connection.prepareStatement("update " + debounces
                    + " set payload = ?, due_at = ?, folded = ? where slot_digest = ?")) {
                setText(update, 1, Optional.of(payloadJson));
                setInstant(update, 2, Optional.of(due), database);
                update.setInt(3, folded);
                update.setString(4, digest);
                update.executeUpdate();
            }
            return Optional.of(new DebouncedFire(runId, firstAt, due, folded));
        });
    }

    /** In the columns flow_trigger.batch_max, batch_window_s, batch_key_from and the table trigger_debounce (V38). */
    @Override
    public boolean keepsTriggerBatches() {
        return true;
    }

    @Override
    public Optional<BatchedFire> appendBatch(String slot, String payloadJson, Optional<String> fireKey, int max,
                                             long maxBytes) {
        Objects.requireNonNull(payloadJson, "payloadJson");
        Objects.requireNonNull(fireKey, "fireKey");
        String digest = slotDigest(slot);
        return write("batch slot", connection -> {
            // Locked, so that a start taking the batch, or another append, comes before or after this one as a whole.
            String runId;
            Instant firstAt;
            Instant dueAt;
            int count;
            String array;
            List<String> keys;
            try (PreparedStatement select = connection.prepareStatement("select run_id, first_at, due_at, folded,"
                    + " payload, fire_keys from " + debounces + " where slot_digest = ? for update")) {
                select.setString(1, digest);
                try (ResultSet row = select.executeQuery()) {
                    if (!row.next()) {
                        return Optional.<BatchedFire>empty();
                    }
                    runId = row.getString(1);
                    firstAt = getInstant(row, 2).orElseThrow();
                    dueAt = getInstant(row, 3).orElseThrow();
                    count = row.getInt(4) + 1;
                    array = row.getString(5);
                    keys = row.getString(6) == null ? List.of() : List.of(row.getString(6).split("\n"));
                }
            }
            if (fireKey.filter(keys::contains).isPresent()) {
                return Optional.of(new BatchedFire(runId, firstAt, dueAt, count, false, false));
            }
            String appended = array.substring(0, array.length() - 1) + ',' + payloadJson + ']';
            boolean fits = appended.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= maxBytes;
            int now = fits ? count + 1 : count;
            boolean closed = !fits || now >= max;
            List<String> kept = new ArrayList<>(keys);
            // A key with a line break in it is kept by no line: such a retry is appended again.
            fireKey.filter(key -> fits && key.indexOf('\n') < 0).ifPresent(kept::add);
            try (PreparedStatement update = connection.prepareStatement("update " + debounces
                    + " set slot_digest = ?, payload = ?, folded = ?, fire_keys = ? where slot_digest = ?")) {
                // A closed batch is kept for its run's takeDebounced under a key no fire looks for.
                update.setString(1, closed ? slotDigest(slot + "\u0000closed\u0000" + runId) : digest);
                setText(update, 2, Optional.of(fits ? appended : array));
                update.setInt(3, now - 1);
                setText(update, 4, kept.isEmpty() ? Optional.empty() : Optional.of(String.join("\n", kept)));
                update.setString(5, digest);
                update.executeUpdate();
            }
            return Optional.of(new BatchedFire(runId, firstAt, dueAt, now, fits, closed));
        });
    }

    @Override
    public Optional<String> takeDebounced(String runId) {
        Objects.requireNonNull(runId, "runId");
        return write("debounce slot of run '" + runId + "'", connection -> {
            Optional<String> payload = Optional.empty();
            try (PreparedStatement select = connection.prepareStatement("select payload from " + debounces
                    + " where run_id = ? for update")) {
                select.setString(1, runId);
                try (ResultSet row = select.executeQuery()) {
                    if (row.next()) {
                        payload = Optional.of(row.getString(1));
                    }
                }
            }
            if (payload.isPresent()) {
                try (PreparedStatement delete = connection.prepareStatement("delete from " + debounces
                        + " where run_id = ?")) {
                    delete.setString(1, runId);
                    delete.executeUpdate();
                }
            }
            return payload;
        });
    }

    /** From trigger_debounce_run_idx (V35), with slot_text (V39). */
    @Override
    public Optional<PendingSlot> debounceSlotOf(String runId) {
        Objects.requireNonNull(runId, "runId");
        return read(connection -> first(selectSlots(connection, "where run_id = ? and slot_text is not null", runId)));
    }

    /** From trigger_debounce_due_idx (V39): the few slots overdue, not every pending one. */
    @Override
    public List<PendingSlot> overdueDebounceSlots(Instant dueBefore, int limit) {
        Objects.requireNonNull(dueBefore, "dueBefore");
        PageLimits.requireAtLeastOne(limit);
        return read(connection -> selectSlots(connection, "where due_at < ? and slot_text is not null order by due_at, "
                + "slot_digest " + limit(limit), dueBefore));
    }

    /** From trigger_debounce_due_idx (V39): the next overdue slots after the one the sweep looked at last. */
    @Override
    public List<PendingSlot> overdueDebounceSlots(Instant dueBefore, Optional<PendingSlot> after, int limit) {
        Objects.requireNonNull(dueBefore, "dueBefore");
        Objects.requireNonNull(after, "after");
        PageLimits.requireAtLeastOne(limit);
        if (after.isEmpty()) {
            return read(connection -> selectSlots(connection, "where due_at < ? and slot_text is not null order by"
                    + " due_at, run_id " + limit(limit), dueBefore));
        }
        return read(connection -> selectSlots(connection, "where due_at < ? and slot_text is not null and (due_at > ?"
                + " or due_at = ? and run_id > ?) order by due_at, run_id " + limit(limit), dueBefore,
                after.get().dueAt(), after.get().dueAt(), after.get().runId()));
    }

    private List<PendingSlot> selectSlots(Connection connection, String where, Object... parameters)
            throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("select slot_digest, slot_text, run_id, payload,"
                + " first_at, due_at, folded from " + debounces + " " + where)) {
            for (int i = 0; i < parameters.length; i++) {
                if (parameters[i] instanceof Instant at) {
                    setInstant(select, i + 1, Optional.of(at), database);
                } else {
                    select.setString(i + 1, (String) parameters[i]);
                }
            }
            List<PendingSlot> slots = new ArrayList<>();
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    String slot = java.net.URLDecoder.decode(row.getString(2), java.nio.charset.StandardCharsets.UTF_8);
                    String runId = row.getString(3);
                    // A closed batch is kept under its run's key, not the slot's (appendBatch).
                    boolean closed = !row.getString(1).equals(slotDigest(slot));
                    slots.add(new PendingSlot(slot, runId, row.getString(4), getInstant(row, 5).orElseThrow(),
                            getInstant(row, 6).orElseThrow(), row.getInt(7), closed));
                }
            }
            return slots;
        }
    }

    @Override
    public boolean moveAwait(String awaitId, Instant resolveAt) {
        return moveWaitingAwait(awaitId, resolveAt, false);
    }

    @Override
    public boolean moveAwaitLater(String awaitId, Instant resolveAt) {
        return moveWaitingAwait(awaitId, resolveAt, true);
    }

    @Override
    public boolean movesAwaitTimeouts() {
        return true;
    }

    @Override
    public boolean moveAwaitTimeout(String awaitId, Instant from, Instant to) {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        return write("await '" + awaitId + "'", connection -> {
            // One conditional write: of two moves from the same time the database lets one find it still there.
            try (PreparedStatement update = connection.prepareStatement("update " + awaits + " set timeout_at = ?,"
                    + " version = version + 1 where await_id = ? and status = '" + WAITING + "' and timeout_at = ?")) {
                setInstant(update, 1, Optional.of(to), database);
                update.setString(2, awaitId);
                setInstant(update, 3, Optional.of(from), database);
                return update.executeUpdate() == 1;
            }
        });
    }

    /** Moves a waiting await to {@code resolveAt}; {@code onlyLater}: only if that is later than its current one. */
    private boolean moveWaitingAwait(String awaitId, Instant resolveAt, boolean onlyLater) {
        Objects.requireNonNull(resolveAt, "resolveAt");
        return write("await '" + awaitId + "'", connection -> {
            try (PreparedStatement update = connection.prepareStatement("update " + awaits + " set resolve_at = ?,"
                    + " version = version + 1 where await_id = ? and status = '" + WAITING + "'"
                    + (onlyLater ? " and resolve_at < ?" : ""))) {
                setInstant(update, 1, Optional.of(resolveAt), database);
                update.setString(2, awaitId);
                if (onlyLater) {
                    setInstant(update, 3, Optional.of(resolveAt), database);
                }
                return update.executeUpdate() == 1;
            }
        });
    }

    /** The key of a debounce slot: the slot may be longer than a key and hold U+0000, which PostgreSQL's text cannot. */
    private static String slotDigest(String slot) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(slot.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }

    /** In the column flow_trigger.overlap_policy (V33). */
    @Override
    public boolean keepsHeartbeats() {
        return true;
    }

    @Override
    public boolean keepsTriggerOverlap() {
        return true;
    }

    /** In the column flow_trigger.labels_text (V29). */
    @Override
    public boolean keepsTriggerLabels() {
        return true;
    }

    /**
     * Inserts the key's row unless it is there, and locks it; again if another settle deleted the row (freeing
     * the key) after the insert found it there.
     *
     * @return the run holding the key (empty if none does) and how many hold it besides
     */
    private KeyRow lockConcurrencyKey(Connection connection, String key) throws SQLException {
        String insert = "insert into " + concurrencyKeys + " (concurrency_key) values (?)";
        while (true) {
            try (PreparedStatement statement = connection.prepareStatement(
                    postgres ? insert + " on conflict do nothing" : insert)) {
                statement.setString(1, key);
                statement.executeUpdate();
            } catch (SQLException e) {
                if (!isDuplicateKey(e)) {   // not PostgreSQL: another settle inserted it (only this statement failed)
                    throw e;
                }
            }
            try (PreparedStatement statement = connection.prepareStatement("select k.holder_run_id,"
                    + " k.concurrency_limit, k.further_holders from " + concurrencyKeys
                    + " k where k.concurrency_key = ? for update")) {
                statement.setString(1, key);
                try (ResultSet rows = statement.executeQuery()) {
                    if (rows.next()) {
                        Optional<String> holder = Optional.ofNullable(rows.getString(1));
                        int limit = Optional.ofNullable(rows.getObject(2, Integer.class)).orElse(1);
                        int further = Optional.ofNullable(rows.getObject(3, Integer.class)).orElse(0);
                        return new KeyRow(holder, limit, holder.isPresent() ? further : 0);
                    }
                }
            }
        }
    }

    /**
     * Whether a step of the run still holds a lease that runs out after {@code now}: a holder canceled or failed
     * while a step runs keeps its key until that step has ended.
     */
    private boolean holdsLease(Connection connection, String runId, Instant now) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("select 1 from " + leases
                + " where run_id = ? and expires_at > ?")) {
            statement.setString(1, runId);
            setInstant(statement, 2, Optional.of(now), database);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next();
            }
        }
    }

    @Override
    public Optional<String> concurrencyKeyHolder(String key) {
        Objects.requireNonNull(key, "key");
        return read(connection -> {
            try (PreparedStatement statement = connection.prepareStatement("select holder_run_id from "
                    + concurrencyKeys + " where concurrency_key = ?")) {
                statement.setString(1, key);
                try (ResultSet rows = statement.executeQuery()) {
                    return rows.next() ? Optional.ofNullable(rows.getString(1)) : Optional.<String>empty();
                }
            }
        });
    }

    @Override
    public List<String> concurrencyKeyHolderList(String key) {
        return concurrencyKeyHolderLists(List.of(key)).getOrDefault(key, List.of());
    }

    /**
     * One read of the keys' rows per 500 keys (an operator's page of awaits has at most 1,000), and one of their
     * further holders.
     */
    @Override
    public Map<String, List<String>> concurrencyKeyHolderLists(Collection<String> keys) {
        Map<String, List<String>> holders = new HashMap<>();
        concurrencyKeyHolders(keys).forEach((key, first) -> holders.put(key, new ArrayList<>(List.of(first))));
        readHolderRows(furtherHolders, "", "order by concurrency_key, place", holders.keySet(),
                (key, holder) -> holders.get(key).add(holder));
        Map<String, List<String>> copied = new HashMap<>();
        holders.forEach((key, ofKey) -> copied.put(key, List.copyOf(ofKey)));
        return copied;
    }

    /** One read of the keys' rows per 500 keys (an operator's page of awaits has at most 1,000). */
    @Override
    public Map<String, String> concurrencyKeyHolders(Collection<String> keys) {
        Map<String, String> holders = new HashMap<>();
        readHolderRows(concurrencyKeys, "holder_run_id is not null and", "", keys, holders::put);
        return holders;
    }

    /** Hands on each (key, holder) row of the table for the keys, read 500 keys at a time. */
    private void readHolderRows(String table, String condition, String order, Collection<String> keys,
                                java.util.function.BiConsumer<String, String> row) {
        List<String> distinct = keys.stream().distinct().toList();
        for (int from = 0; from < distinct.size(); from += 500) {
            List<String> chunk = distinct.subList(from, Math.min(distinct.size(), from + 500));
            read(connection -> {
                try (PreparedStatement statement = connection.prepareStatement("select concurrency_key, holder_run_id"
                        + " from " + table + " where " + condition + " concurrency_key in ("
                        + String.join(", ", Collections.nCopies(chunk.size(), "?")) + ") " + order)) {
                    for (int i = 0; i < chunk.size(); i++) {
                        statement.setString(i + 1, chunk.get(i));
                    }
                    try (ResultSet rows = statement.executeQuery()) {
                        while (rows.next()) {
                            row.accept(rows.getString(1), rows.getString(2));
                        }
                    }
                }
                return null;
            });
        }
    }

    /**
     * Keys held by a run that ended or is gone (and holds no step lease), as their first or a further holder; and keys
     * waited for that no run holds, or whose holder still waits for them, or (for a waiting run with a limit above 1)
     * with fewer holders than that limit. Only keys marked to settle (V27) are looked at, and a mark is deleted once
     * its key was found settled: keys whose holders are under way and whose line must wait cost nothing. Every
     * {@value #FULL_PASS_EVERY}th call, the first included, looks at every key held and every run waiting for one
     * instead, for keys that no mark names: those left by an earlier build, which marks nothing (a rolling upgrade), or
     * by hand.
     * Rows of keys no run holds (left by an earlier build of nvent 0.2, or by its instances during a rolling upgrade)
     * are not listed: each call first deletes up to {@value #FREE_KEY_ROWS_DELETED_PER_SWEEP} of them in one
     * statement, so that they neither take the places of keys that need settling nor cost a settle each.
     */
    @Override
    public List<String> unsettledConcurrencyKeys(FlowStore runStore, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
        deleteFreeConcurrencyKeyRows();
        if (sweeps.getAndIncrement() % FULL_PASS_EVERY == 0) {
            return read(connection -> unsettledKeys(connection, "", limit(limit), true).stream().limit(limit).toList());
        }
        return write("concurrency keys to settle", connection -> {
            // Read before the keys' state: a mark written after this read, by a write this call may not see, keeps its
            // new id and is not deleted below; one written before it is seen with the write that wrote it.
            Map<String, String> marks = keysToSettle.read(connection, MARKS_READ_PER_SWEEP);
            if (marks.isEmpty()) {
                return List.<String>of();
            }
            String marked = " in (select concurrency_key from " + keysToSettle.table() + ")";
            Set<String> unsettled = unsettledKeys(connection, marked, "", true);
            // A holder that ended while a step of it still holds its lease keeps the key until the lease is gone:
            // not to settle yet, but its mark stays.
            Set<String> keep = new HashSet<>(unsettled);
            keep.addAll(unsettledKeys(connection, marked, "", false));
            Map<String, String> settled = new HashMap<>(marks);
            settled.keySet().removeAll(keep);
            keysToSettle.clear(connection, settled);
            return unsettled.stream().limit(limit).toList();
        });
    }

    /** One call in this many of {@link #unsettledConcurrencyKeys} is a full pass: every 10 minutes at 5 s a sweep. */
    static final int FULL_PASS_EVERY = 120;

    /** The most marked keys one call of {@link #unsettledConcurrencyKeys} reads (and may delete the marks of). */
    static final int MARKS_READ_PER_SWEEP = 10_000;

    /**
     * The keys {@link #unsettledConcurrencyKeys} lists, among those whose key is {@code in} the given set (all if it is
     * empty), each query ending with {@code limit}.
     *
     * @param unlessLeased whether a key whose ended holder's step still holds a lease is left out; without it, only
     *                     the keys of ended or gone holders are listed
     */
    private Set<String> unsettledKeys(Connection connection, String in, String limit, boolean unlessLeased)
            throws SQLException {
        Set<String> keys = new java.util.LinkedHashSet<>();
        collectKeysOfGoneHolders(connection, concurrencyKeys, false, in, limit, unlessLeased, keys);
        // The same of the further holders (V23), whose places are free once they ended.
        collectKeysOfGoneHolders(connection, furtherHolders, true, in, limit, unlessLeased, keys);
        if (!unlessLeased) {
            return keys;
        }
        // Only awaits of runs under way: one left waiting by a run that ended is no reason to settle. A key
        // held by none, or whose holder still waits; or (V23) whose head of the line could get a place:
        // fewer hold it than the smallest limit among the head and the holders. A run behind a head that must
        // wait changes nothing, whatever its limit.
        String held = "1 + coalesce(k.further_holders, 0)";
        try (PreparedStatement statement = connection.prepareStatement("select distinct a.event_name from "
                + awaits + " a join " + runs + " r on r.run_id = a.run_id left join " + concurrencyKeys
                + " k on k.concurrency_key = a.event_name where a.await_type = '"
                + wire(AwaitType.CONCURRENCY_KEY) + "' and a.status = '" + WAITING + "' and r.status in "
                + UNDER_WAY + (in.isEmpty() ? "" : " and a.event_name" + in)
                + " and (k.holder_run_id is null or k.holder_run_id = a.run_id"
                + " or (k.further_holders is not null and exists (select 1 from " + furtherHolders
                + " h where h.concurrency_key = a.event_name and h.holder_run_id = a.run_id))"
                + " or (coalesce(a.concurrency_limit, 1) > " + held
                + " and not exists (select 1 from " + awaits + " b join " + runs + " rb on rb.run_id = b.run_id"
                + " where b.event_name = a.event_name and b.await_type = a.await_type and b.status = a.status"
                + " and rb.status in " + UNDER_WAY + " and (b.registered_at < a.registered_at"
                + " or b.registered_at = a.registered_at and b.await_id < a.await_id))"
                + " and " + held + " < coalesce(k.concurrency_limit, 1)"
                + " and not exists (select 1 from " + furtherHolders + " h where h.concurrency_key"
                + " = a.event_name and coalesce(h.concurrency_limit, 1) <= " + held + "))) " + limit)) {
            collectStrings(statement, keys);
        }
        return keys;
    }

    /**
     * Adds the keys of a table of holders ({@code concurrency_key}, {@code holder_run_id}) whose holder ended or is
     * gone, among those {@code in} the given set (all if it is empty): with {@code unlessLeased}, only those whose
     * holder holds no step lease: a step still holding its lease keeps the key with its run (an expired one: until the
     * sweep takes the lease over).
     *
     * @param rowsPerHolder whether the table has a row per holder of a key, so that a key may be listed more than once
     */
    private void collectKeysOfGoneHolders(Connection connection, String table, boolean rowsPerHolder, String in,
                                          String limit, boolean unlessLeased, Set<String> keys) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("select " + (rowsPerHolder ? "distinct " : "")
                + "h.concurrency_key from " + table + " h left join " + runs + " r on r.run_id = h.holder_run_id"
                + " where h.holder_run_id is not null and (r.run_id is null or r.status not in " + UNDER_WAY + ")"
                + (in.isEmpty() ? "" : " and h.concurrency_key" + in)
                + (unlessLeased ? " and not exists (select 1 from " + leases + " l where l.run_id = h.holder_run_id)"
                        : "")
                + " " + limit)) {
            collectStrings(statement, keys);
        }
    }

    /** The most rows of free keys {@link #unsettledConcurrencyKeys} deletes in one call. */
    static final int FREE_KEY_ROWS_DELETED_PER_SWEEP = 10_000;

    /**
     * Deletes rows of keys no run holds, which a settle would only delete one by one. Safe beside settles: a
     * settle's own row is not seen before it commits, and one it locked is checked again ({@code holder_run_id is
     * null} on the row deleted, not only in the subquery) once its settle ended, and kept if it got a holder; a
     * settle that finds its row deleted before it locked it stores it again.
     */
    private void deleteFreeConcurrencyKeyRows() {
        write("free concurrency keys", connection -> {
            try (PreparedStatement statement = connection.prepareStatement("delete from " + concurrencyKeys
                    + " where holder_run_id is null and concurrency_key in (select f.concurrency_key from "
                    + concurrencyKeys + " f where f.holder_run_id is null " + limit(FREE_KEY_ROWS_DELETED_PER_SWEEP)
                    + ")")) {
                return statement.executeUpdate();
            }
        });
    }

    private static void collectStrings(PreparedStatement statement, Set<String> into) throws SQLException {
        try (ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                into.add(rows.getString(1));
            }
        }
    }

    /**
     * One statement on this store's tables ({@link RunTables#awaitingWithoutWaitingAwait}), whatever the number of runs
     * awaiting: they are anti-joined to the waiting awaits (on PostgreSQL all at once, in a hash), none sent here but
     * those found. Paired with a flow store other than its own, the default's page of runs and their awaits.
     */
    @Override
    public AwaitlessRuns runsAwaitingWithoutAwait(FlowStore runStore, Optional<RunPosition> after, int limit) {
        if (runStore != this.runStore) {
            return SchedulingStore.super.runsAwaitingWithoutAwait(runStore, after, limit);
        }
        Objects.requireNonNull(after, "after");
        PageLimits.requireAtLeastOne(limit);
        List<RunRecord> found = read(connection -> this.runStore.tables().awaitingWithoutWaitingAwait(connection,
                awaits, after, limit));
        RunRecord last = found.isEmpty() ? null : found.get(found.size() - 1);
        return new AwaitlessRuns(found, found.size() < limit ? Optional.empty()
                : Optional.of(new RunPosition(last.startedAt(), last.runId())));
    }

    @Override
    public List<AwaitRecord> listAwaits(boolean waitingOnly, int limit) {
        return read(connection -> selectAwaits(connection, (waitingOnly ? "where status = '" + WAITING + "' " : "")
                + "order by registered_at desc, await_id desc " + limit(limit)));
    }

    private int bindAwait(PreparedStatement statement, int first, AwaitRecord await) throws SQLException {
        int i = first;
        statement.setString(i++, await.awaitId());
        statement.setString(i++, await.token());
        statement.setString(i++, await.runId());
        statement.setString(i++, await.flow());
        statement.setString(i++, await.step());
        statement.setString(i++, wire(await.position()));
        statement.setString(i++, wire(await.type()));
        statement.setString(i++, wire(await.status()));
        setInstant(statement, i++, Optional.of(await.registeredAt()), database);
        setInstant(statement, i++, await.resolveAt(), database);
        setInstant(statement, i++, await.timeoutAt(), database);
        statement.setString(i++, wire(await.timeoutAction()));
        statement.setString(i++, await.event().orElse(null));
        setText(statement, i++, await.filterValue());
        setJson(statement, i++, Optional.of(await.held()));
        setJson(statement, i++, await.data());
        setInstant(statement, i++, await.closedAt(), database);
        // Null for 1, as in every row stored before schema V23.
        statement.setObject(i++, await.concurrencyLimit() == 1 ? null : await.concurrencyLimit(), Types.INTEGER);
        return i;
    }

    private void bindClose(PreparedStatement statement, AwaitStatus status, Optional<String> data, Instant at,
                           String awaitId, Optional<Instant> timeoutAt) throws SQLException {
        statement.setString(1, wire(status));
        setJson(statement, 2, data);
        setInstant(statement, 3, Optional.of(at), database);
        statement.setString(4, awaitId);
        if (timeoutAt.isPresent()) {
            setInstant(statement, 5, timeoutAt, database);
        }
    }

    private List<AwaitRecord> selectAwaits(Connection connection, String condition, Object... parameters)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("select " + AWAIT_COLUMNS + " from " + awaits
                + " " + condition)) {
            bind(statement, parameters);
            try (ResultSet rows = statement.executeQuery()) {
                List<AwaitRecord> found = new ArrayList<>();
                while (rows.next()) {
                    found.add(await(rows));
                }
                return found;
            }
        }
    }

    private static AwaitRecord await(ResultSet row) throws SQLException {
        return new AwaitRecord(row.getString(1), row.getString(2), row.getString(3), row.getString(4),
                row.getString(5), AwaitPosition.valueOf(unwire(row.getString(6))),
                AwaitType.valueOf(unwire(row.getString(7))), AwaitStatus.valueOf(unwire(row.getString(8))),
                getInstant(row, 9).orElseThrow(), getInstant(row, 10), getInstant(row, 11),
                TimeoutAction.valueOf(unwire(row.getString(12))), Optional.ofNullable(row.getString(13)),
                Optional.ofNullable(row.getString(14)), row.getString(15), Optional.ofNullable(row.getString(16)),
                getInstant(row, 17), Optional.ofNullable(row.getObject(18, Integer.class)).orElse(1));
    }

    // ------------------------------------------------------------------ triggers

    @Override
    public void saveTrigger(TriggerRecord trigger) {
        Objects.requireNonNull(trigger, "trigger");
        TriggerSpec spec = trigger.spec();
        checkSpec(spec);
        write("trigger '" + spec.name() + "'", connection -> {
            if (postgres) {
                // Statistics as given; the history counter (last_seq) stays with the existing row.
                try (PreparedStatement upsert = connection.prepareStatement("insert into " + triggers + " as t ("
                        + TRIGGER_COLUMNS + ", last_seq, version) values (?, ?, " + json()
                        + ", ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0) on conflict (trigger_name) do update set "
                        + "trigger_type = excluded.trigger_type, flows = excluded.flows, cron = excluded.cron, "
                        + "every_s = excluded.every_s, time_zone = excluded.time_zone, event_name = excluded.event_name, "
                        + "description = excluded.description, enabled = excluded.enabled, "
                        + "declared = excluded.declared, created_at = excluded.created_at, fires = excluded.fires, "
                        + "runs_started = excluded.runs_started, last_fired_at = excluded.last_fired_at, "
                        + "last_error = excluded.last_error, event_filter = excluded.event_filter, "
                        + "misfire_policy = excluded.misfire_policy, misfire_grace_s = excluded.misfire_grace_s, "
                        + "concurrency_key = excluded.concurrency_key, "
                        + "concurrency_key_from = excluded.concurrency_key_from, "
                        + "concurrency_key_prefix = excluded.concurrency_key_prefix, "
                        + "concurrency_limit = excluded.concurrency_limit, labels_text = excluded.labels_text, "
                        + "run_timeout_ms = excluded.run_timeout_ms, overlap_policy = excluded.overlap_policy, "
                        + "exclude_rules = excluded.exclude_rules, "
                        + "debounce_s = excluded.debounce_s, debounce_key_from = excluded.debounce_key_from, "
                        + "debounce_max_s = excluded.debounce_max_s, batch_max = excluded.batch_max, "
                        + "batch_window_s = excluded.batch_window_s, batch_key_from = excluded.batch_key_from, "
                        + "version = t.version + 1")) {
                    bindTrigger(upsert, trigger);
                    upsert.executeUpdate();
                }
                return null;
            }
            // Elsewhere: update, else insert; a concurrent first save makes the insert fail, and then
            // the row exists and the update applies.
            if (updateTrigger(connection, trigger) == 0 && !insertTrigger(connection, trigger)
                    && updateTrigger(connection, trigger) == 0) {
                throw new StoreException("NVENT-0338 trigger '" + spec.name() + "' could not be saved: its insert"
                        + " met a trigger of that name, which its update then did not find", null, true);
            }
            return null;
        });
    }

    /**
     * An {@code INSERT} of the trigger that meets one of its name already as nothing to do: on PostgreSQL
     * {@code ON CONFLICT DO NOTHING}, which waits for a concurrent insert of the name to end and then
     * inserts nothing; elsewhere the duplicate-key error is caught (H2 rolls back only the failed
     * statement).
     */
    @Override
    public boolean insertTrigger(TriggerRecord trigger) {
        Objects.requireNonNull(trigger, "trigger");
        checkSpec(trigger.spec());
        return write("trigger '" + trigger.spec().name() + "'", connection -> insertTrigger(connection, trigger));
    }

    /** @return whether it was inserted; {@code false} if a trigger of that name exists */
    private boolean insertTrigger(Connection connection, TriggerRecord trigger) throws SQLException {
        String insert = "insert into " + triggers + " (" + TRIGGER_COLUMNS + ", last_seq, version) values (?, ?, "
                + json() + ", ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)";
        try (PreparedStatement statement = connection.prepareStatement(
                postgres ? insert + " on conflict (trigger_name) do nothing" : insert)) {
            bindTrigger(statement, trigger);
            return statement.executeUpdate() == 1;
        } catch (SQLException e) {
            if (isDuplicateKey(e)) {
                return false;
            }
            throw e;
        }
    }

    /**
     * The row read {@code FOR UPDATE} and compared with {@code expected} in the transaction that updates
     * it: a fire counted, or another change stored, waits for it or is waited for, and is not undone.
     */
    @Override
    public boolean replaceTriggerSpec(TriggerSpec expected, TriggerSpec replacement) {
        Objects.requireNonNull(expected, "expected");
        return replaceIf(expected, replacement, current -> current.spec().equals(expected),
                current -> current.withSpec(replacement));
    }

    /** As {@link #replaceTriggerSpec}: the row read {@code FOR UPDATE}, compared, then updated in one transaction. */
    @Override
    public boolean replaceTrigger(TriggerRecord expected, TriggerSpec replacement, boolean declared) {
        Objects.requireNonNull(expected, "expected");
        return replaceIf(expected.spec(), replacement, current -> current.sameDefinition(expected),
                current -> current.withSpec(replacement).withDeclared(declared));
    }

    /** Updates the trigger to {@code change} of the row read {@code FOR UPDATE}, if that row is {@code expected}. */
    private boolean replaceIf(TriggerSpec expected, TriggerSpec replacement, Predicate<TriggerRecord> isExpected,
                              UnaryOperator<TriggerRecord> change) {
        Objects.requireNonNull(replacement, "replacement");
        TriggerRecord.requireSameTrigger(expected, replacement);
        checkSpec(replacement);
        return write("trigger '" + expected.name() + "'", connection -> {
            Optional<TriggerRecord> current = first(selectTriggers(connection, "where trigger_name = ? for update",
                    expected.name()));
            return current.isPresent() && isExpected.test(current.get())
                    && updateTrigger(connection, change.apply(current.get())) == 1;
        });
    }

    private static void checkSpec(TriggerSpec spec) {
        spec.flows().forEach(flow -> Payloads.checkName(flow, "flow name"));
        spec.cron().ifPresent(cron -> Payloads.checkName(cron, "cron expression"));
        spec.event().ifPresent(event -> Payloads.checkName(event, "event name"));
        if (spec.timezone().getId().length() > MAX_ZONE) {
            throw new IllegalArgumentException("time zone id must have at most " + MAX_ZONE + " characters, was "
                    + spec.timezone().getId());
        }
    }

    private int updateTrigger(Connection connection, TriggerRecord trigger) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("update " + triggers + " set trigger_type = ?, "
                + "flows = " + json() + ", cron = ?, every_s = ?, time_zone = ?, event_name = ?, description = ?, enabled = ?, "
                + "declared = ?, created_at = ?, fires = ?, runs_started = ?, last_fired_at = ?, last_error = ?, "
                + "event_filter = ?, misfire_policy = ?, misfire_grace_s = ?, concurrency_key = ?, "
                + "concurrency_key_from = ?, concurrency_key_prefix = ?, concurrency_limit = ?, labels_text = ?, "
                + "run_timeout_ms = ?, overlap_policy = ?, exclude_rules = ?, debounce_s = ?, debounce_key_from = ?,"
                + " debounce_max_s = ?, batch_max = ?, batch_window_s = ?, batch_key_from = ?, version = version + 1 "
                + "where trigger_name = ?")) {
            int i = bindTriggerValues(update, 1, trigger);
            update.setString(i, trigger.spec().name());
            return update.executeUpdate();
        }
    }

    private void bindTrigger(PreparedStatement statement, TriggerRecord trigger) throws SQLException {
        statement.setString(1, trigger.spec().name());
        bindTriggerValues(statement, 2, trigger);
    }

    /** Binds every trigger column but the name, in {@link #TRIGGER_COLUMNS} order. */
    private int bindTriggerValues(PreparedStatement statement, int first, TriggerRecord trigger) throws SQLException {
        TriggerSpec spec = trigger.spec();
        int i = first;
        statement.setString(i++, spec.type().wireName());
        setJson(statement, i++, Optional.of(Json.strings(spec.flows())));
        statement.setString(i++, spec.cron().orElse(null));
        statement.setObject(i++, spec.every().map(Duration::getSeconds).orElse(null), Types.BIGINT);
        statement.setString(i++, spec.timezone().getId());
        statement.setString(i++, spec.event().orElse(null));
        setText(statement, i++, Optional.of(spec.description()));
        statement.setBoolean(i++, spec.enabled());
        statement.setBoolean(i++, trigger.declared());
        setInstant(statement, i++, Optional.of(trigger.createdAt()), database);
        statement.setLong(i++, trigger.fires());
        statement.setLong(i++, trigger.runsStarted());
        setInstant(statement, i++, trigger.lastFiredAt(), database);
        setText(statement, i++, trigger.lastError());
        setText(statement, i++, spec.filter());
        // Null inherits the deployment's setting, as for every trigger stored before schema V12.
        statement.setString(i++, spec.misfire() == Misfire.INHERIT ? null : spec.misfire().wireName());
        statement.setObject(i++, spec.misfireGrace().map(Duration::getSeconds).orElse(null), Types.BIGINT);
        statement.setString(i++, spec.concurrencyKey().orElse(null));
        statement.setString(i++, spec.concurrencyKeyFrom().orElse(null));
        statement.setString(i++, spec.concurrencyKeyPrefix().orElse(null));
        // Null for 1, as for every trigger stored before schema V25.
        setLimit(statement, i++, spec.concurrencyLimit());
        // As the run's labels are kept (V28); null without labels, as for every trigger stored before schema V29.
        statement.setString(i++, RunEntity.labelsText(spec.labels()));
        // As the run's timeout is kept (V31); null without one, as for every trigger stored before schema V32.
        statement.setObject(i++, spec.runTimeout().map(Duration::toMillis).orElse(null), Types.BIGINT);
        // Null for allow-all, as for every trigger stored before schema V33.
        statement.setString(i++, spec.overlap() == Overlap.ALLOW_ALL ? null : spec.overlap().wireName());
        // One rule a line (a rule holds no line break); null for none, as for every trigger stored before schema V34.
        statement.setString(i++, spec.exclude().isEmpty() ? null : String.join("\n", spec.exclude()));
        // Null for none, as for every trigger stored before schema V35.
        statement.setObject(i++, spec.debounce().map(d -> d.window().getSeconds()).orElse(null), Types.BIGINT);
        statement.setString(i++, spec.debounce().flatMap(Debounce::keyFrom).orElse(null));
        statement.setObject(i++, spec.debounce().flatMap(Debounce::max).map(Duration::getSeconds).orElse(null),
                Types.BIGINT);
        // Null for none, as for every trigger stored before schema V38.
        statement.setObject(i++, spec.batch().map(Batch::max).orElse(null), Types.INTEGER);
        statement.setObject(i++, spec.batch().map(b -> b.window().getSeconds()).orElse(null), Types.BIGINT);
        statement.setString(i++, spec.batch().flatMap(Batch::keyFrom).orElse(null));
        return i;
    }

    @Override
    public Optional<TriggerRecord> findTrigger(String name) {
        return read(connection -> first(selectTriggers(connection, "where trigger_name = ?", name)));
    }

    @Override
    public List<TriggerRecord> listTriggers() {
        return read(connection -> selectTriggers(connection, "order by trigger_name"));
    }

    @Override
    public boolean deleteTrigger(String name) {
        // The history goes with the trigger (on delete cascade).
        return write("trigger '" + name + "'", connection -> {
            try (PreparedStatement delete = connection.prepareStatement("delete from " + triggers
                    + " where trigger_name = ?")) {
                delete.setString(1, name);
                return delete.executeUpdate() > 0;
            }
        });
    }

    @Override
    public void recordFire(String name, Instant at, int runsStarted, Optional<String> error) {
        Objects.requireNonNull(at, "at");
        addToStatistics(name, Optional.of(at), runsStarted, error, "the fire of trigger " + name + " at " + at + " is");
    }

    @Override
    public void recordRunsStarted(String name, int runsStarted, Optional<String> error) {
        addToStatistics(name, Optional.empty(), runsStarted, error, "the " + runsStarted
                + " runs the retry of a fire of trigger " + name + " started are");
    }

    /**
     * Adds runs, and with {@code firedAt} a fire, to a trigger's statistics.
     *
     * @param counted what is counted, for the warning when it is not ("the fire of … is")
     */
    private void addToStatistics(String name, Optional<Instant> firedAt, int runsStarted, Optional<String> error,
                                 String counted) {
        Objects.requireNonNull(error, "error");
        write("trigger '" + name + "'", connection -> waitingForLocksAtMost(connection, locked -> {
            // One statement: concurrent fires queue on the row lock and each adds its own.
            try (PreparedStatement update = locked.prepareStatement("update " + triggers
                    + " set runs_started = runs_started + ?"
                    + (firedAt.isPresent() ? ", fires = fires + 1, last_fired_at = ?" : "")
                    + (error.isPresent() ? ", last_error = ?" : "") + " where trigger_name = ?")) {
                int i = 1;
                update.setLong(i++, runsStarted);
                if (firedAt.isPresent()) {
                    setInstant(update, i++, firedAt, database);
                }
                if (error.isPresent()) {
                    setText(update, i++, error);
                }
                update.setString(i, name);
                update.executeUpdate();
            }
            return null;
        }, () -> {
            // A count is not worth holding up the fire, whose runs are started and whose history says so.
            LOG.log(System.Logger.Level.WARNING, "NVENT-0332 " + counted + " not counted in its statistics: "
                    + lockedFor("its row"));
            return null;
        }));
    }

    private List<TriggerRecord> selectTriggers(Connection connection, String condition, Object... parameters)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("select " + TRIGGER_COLUMNS + " from "
                + triggers + " " + condition)) {
            bind(statement, parameters);
            try (ResultSet rows = statement.executeQuery()) {
                List<TriggerRecord> found = new ArrayList<>();
                while (rows.next()) {
                    found.add(trigger(rows));
                }
                return found;
            }
        }
    }

    private static TriggerRecord trigger(ResultSet row) throws SQLException {
        long everySeconds = row.getLong(5);
        Optional<Duration> every = row.wasNull() ? Optional.empty() : Optional.of(Duration.ofSeconds(everySeconds));
        String name = row.getString(1);
        String policy = row.getString(17);
        Misfire misfire = policy == null ? Misfire.INHERIT : Misfire.ofWireName(policy).orElseThrow(() ->
                new IllegalStateException("trigger '" + name + "' has misfire policy '" + policy
                        + "' in the store, which this version does not know"));
        long graceSeconds = row.getLong(18);
        Optional<Duration> grace = row.wasNull() ? Optional.empty() : Optional.of(Duration.ofSeconds(graceSeconds));
        Optional<String> concurrencyKey = Optional.ofNullable(row.getString(19));
        Optional<String> concurrencyKeyFrom = Optional.ofNullable(row.getString(20));
        // A build before schema V25 that removes the key leaves the limit it does not know: without a key it is 1.
        int concurrencyLimit = concurrencyKey.isEmpty() && concurrencyKeyFrom.isEmpty() ? 1
                : Optional.ofNullable(row.getObject(22, Integer.class)).orElse(1);
        TriggerSpec spec = new TriggerSpec(name, TriggerType.valueOf(unwire(row.getString(2))),
                Json.strings(row.getString(3)), Optional.ofNullable(row.getString(4)), every,
                ZoneId.of(row.getString(6)), Optional.ofNullable(row.getString(7)),
                Optional.ofNullable(row.getString(16)), row.getString(8), row.getBoolean(9), misfire, grace,
                concurrencyKey, concurrencyKeyFrom, Optional.ofNullable(row.getString(21)), concurrencyLimit,
                RunEntity.labels(row.getString(23)),
                Optional.ofNullable(row.getObject(24, Long.class)).map(Duration::ofMillis),
                overlap(name, row.getString(25), concurrencyLimit),
                row.getString(26) == null ? List.of() : List.of(row.getString(26).split("\n")), debounce(row),
                batch(row));
        return new TriggerRecord(spec, row.getBoolean(10), getInstant(row, 11).orElseThrow(), row.getLong(12),
                row.getLong(13), getInstant(row, 14), Optional.ofNullable(row.getString(15)));
    }

    /** A trigger's debounce as columns flow_trigger.debounce_s, debounce_key_from and debounce_max_s (V35) hold it. */
    private static Optional<Debounce> debounce(ResultSet row) throws SQLException {
        Long window = row.getObject(27, Long.class);
        if (window == null) {
            return Optional.empty();
        }
        return Optional.of(new Debounce(Duration.ofSeconds(window), Optional.ofNullable(row.getString(28)),
                Optional.ofNullable(row.getObject(29, Long.class)).map(Duration::ofSeconds)));
    }

    /** A trigger's batching as columns flow_trigger.batch_max, batch_window_s and batch_key_from (V38) hold it. */
    private static Optional<Batch> batch(ResultSet row) throws SQLException {
        Integer max = row.getObject(30, Integer.class);
        if (max == null) {
            return Optional.empty();
        }
        return Optional.of(new Batch(max, Duration.ofSeconds(row.getLong(31)), Optional.ofNullable(row.getString(32))));
    }

    /**
     * A trigger's overlap policy as column flow_trigger.overlap_policy (V33) holds it: null for allow-all. A build before
     * schema V33 that gives the trigger a concurrency limit above 1 leaves the policy it does not know: with such a
     * limit it is allow-all, as no other policy goes with one.
     */
    private static Overlap overlap(String name, String column, int concurrencyLimit) {
        if (column == null || concurrencyLimit > 1) {
            return Overlap.ALLOW_ALL;
        }
        return Overlap.ofWireName(column).orElseThrow(() -> new IllegalStateException("trigger '" + name
                + "' has overlap policy '" + column + "' in the store, which this version does not know"));
    }

    // ------------------------------------------------------------------ trigger history

    @Override
    public TriggerEvent appendTriggerEvent(String name, String type, Instant at, String data) {
        checkTriggerName(name);
        Objects.requireNonNull(at, "at");
        if (type == null || type.isEmpty() || type.length() > MAX_EVENT_TYPE) {
            throw new IllegalArgumentException("trigger history type must have 1.." + MAX_EVENT_TYPE
                    + " characters, was " + type);
        }
        payloads.check(data, type + " entry of trigger '" + name + "'");
        return write("trigger '" + name + "'", connection -> waitingForLocksAtMost(connection,
                locked -> appendTriggerEvent(locked, name, type, at, data), () -> {
                    // Not retryable: a retry would wait as long again behind the same transaction.
                    throw new StoreException("NVENT-0332 the " + type + " entry of trigger " + name + " at " + at
                            + " is not recorded in its history: " + lockedFor("the trigger's row"), null, false);
                }));
    }

    private TriggerEvent appendTriggerEvent(Connection connection, String name, String type, Instant at, String data)
            throws SQLException {
        // Takes the trigger's row lock until commit: numbers are unique and a rollback returns them.
        long seq;
        if (postgres) {
            try (PreparedStatement next = connection.prepareStatement("update " + triggers
                    + " set last_seq = last_seq + 1 where trigger_name = ? returning last_seq")) {
                next.setString(1, name);
                try (ResultSet row = next.executeQuery()) {
                    if (!row.next()) {
                        throw new TriggerNotFoundException(name);
                    }
                    seq = row.getLong(1);
                }
            }
        } else {
            try (PreparedStatement next = connection.prepareStatement("update " + triggers
                    + " set last_seq = last_seq + 1 where trigger_name = ?")) {
                next.setString(1, name);
                if (next.executeUpdate() == 0) {
                    throw new TriggerNotFoundException(name);
                }
            }
            try (PreparedStatement current = connection.prepareStatement("select last_seq from " + triggers
                    + " where trigger_name = ?")) {
                current.setString(1, name);
                try (ResultSet row = current.executeQuery()) {
                    row.next();
                    seq = row.getLong(1);
                }
            }
        }
        try (PreparedStatement insert = connection.prepareStatement("insert into " + history
                + " (trigger_name, seq, event_type, occurred_at, payload) values (?, ?, ?, ?, " + json() + ")")) {
            insert.setString(1, name);
            insert.setLong(2, seq);
            insert.setString(3, type);
            setInstant(insert, 4, Optional.of(at), database);
            setJson(insert, 5, Optional.of(data));
            insert.executeUpdate();
        }
        return new TriggerEvent(name, seq, type, at, data);
    }

    @Override
    public List<TriggerEvent> triggerHistory(String name, int limit) {
        return triggerHistory(name, Set.of(), OptionalLong.empty(), limit);
    }

    @Override
    public List<TriggerEvent> triggerHistory(String name, Set<String> types, OptionalLong before, int limit) {
        // The primary key (trigger_name, seq) is walked down from "before": a page reads its entries and the ones
        // of other types among them, never the older history.
        List<String> listed = List.copyOf(types);
        String sql = "select trigger_name, seq, event_type, occurred_at, payload from " + history
                + " where trigger_name = ?" + (before.isPresent() ? " and seq < ?" : "")
                + (listed.isEmpty() ? "" : " and event_type in (" + String.join(", ", Collections.nCopies(listed.size(), "?")) + ")")
                + " order by seq desc " + limit(limit);
        return read(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                int parameter = 1;
                statement.setString(parameter++, name);
                if (before.isPresent()) {
                    statement.setLong(parameter++, before.getAsLong());
                }
                for (String type : listed) {
                    statement.setString(parameter++, type);
                }
                try (ResultSet rows = statement.executeQuery()) {
                    List<TriggerEvent> found = new ArrayList<>();
                    while (rows.next()) {
                        found.add(new TriggerEvent(rows.getString(1), rows.getLong(2), rows.getString(3),
                                getInstant(rows, 4).orElseThrow(), rows.getString(5)));
                    }
                    return found;
                }
            }
        });
    }

    @Override
    public int trimTriggerHistory(int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("entries to keep per trigger must be at least 1, was " + keep);
        }
        return write("trigger history", connection -> {
            // Numbers are gapless per trigger up to last_seq, so "seq <= last_seq - keep" leaves the
            // newest keep; each delete is a range of the primary key.
            Map<String, Long> oldestKept = new LinkedHashMap<>();
            try (PreparedStatement select = connection.prepareStatement("select trigger_name, last_seq from "
                    + triggers + " where last_seq > ?")) {
                select.setLong(1, keep);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        oldestKept.put(rows.getString(1), rows.getLong(2) - keep + 1);
                    }
                }
            }
            int removed = 0;
            try (PreparedStatement delete = connection.prepareStatement("delete from " + history
                    + " where trigger_name = ? and seq < ?")) {
                for (Map.Entry<String, Long> trigger : oldestKept.entrySet()) {
                    delete.setString(1, trigger.getKey());
                    delete.setLong(2, trigger.getValue());
                    removed += delete.executeUpdate();
                }
            }
            return removed;
        });
    }

    // ------------------------------------------------------------------ instances

    /** store_schema and nvent_commit since V45: null in a row an older nvent wrote (not known). */
    private static final String INSTANCE_COLUMNS = "instance_id, start_token, started_at, last_seen, stopped_at,"
            + " nvent_version, engine_enabled, ticks_triggers, queues_text, store_schema, nvent_commit";

    @Override
    public void saveInstance(io.nvent.spi.InstanceRecord instance) {
        write("record of instance '" + instance.instanceId() + "'", connection -> {
            // Each start writes its own row only: an update that finds none is its first write.
            try (PreparedStatement update = connection.prepareStatement("update " + instances + " set started_at = ?,"
                    + " last_seen = ?, stopped_at = ?, nvent_version = ?, engine_enabled = ?, ticks_triggers = ?,"
                    + " queues_text = ?, store_schema = ?, nvent_commit = ?"
                    + " where instance_id = ? and start_token = ?")) {
                setInstant(update, 1, Optional.of(instance.startedAt()), database);
                setInstant(update, 2, Optional.of(instance.lastSeen()), database);
                setInstant(update, 3, instance.stoppedAt(), database);
                update.setString(4, instance.version());
                update.setBoolean(5, instance.engineEnabled());
                update.setBoolean(6, instance.ticksTriggers());
                update.setString(7, queuesText(instance.queues()));
                update.setString(8, instance.storeSchema().orElse(null));
                update.setString(9, instance.commit().orElse(null));
                update.setString(10, instance.instanceId());
                update.setString(11, instance.startToken());
                if (update.executeUpdate() > 0) {
                    return 1;
                }
            }
            try (PreparedStatement insert = connection.prepareStatement("insert into " + instances + " ("
                    + INSTANCE_COLUMNS + ") values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                insert.setString(1, instance.instanceId());
                insert.setString(2, instance.startToken());
                setInstant(insert, 3, Optional.of(instance.startedAt()), database);
                setInstant(insert, 4, Optional.of(instance.lastSeen()), database);
                setInstant(insert, 5, instance.stoppedAt(), database);
                insert.setString(6, instance.version());
                insert.setBoolean(7, instance.engineEnabled());
                insert.setBoolean(8, instance.ticksTriggers());
                insert.setString(9, queuesText(instance.queues()));
                insert.setString(10, instance.storeSchema().orElse(null));
                insert.setString(11, instance.commit().orElse(null));
                return insert.executeUpdate();
            }
        });
    }

    @Override
    public List<io.nvent.spi.InstanceRecord> instances(int limit) {
        return read(connection -> {
            List<io.nvent.spi.InstanceRecord> found = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("select " + INSTANCE_COLUMNS + " from "
                    + instances + " order by last_seen desc, instance_id, start_token " + limit(limit));
                 ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    found.add(new io.nvent.spi.InstanceRecord(rows.getString(1), rows.getString(2),
                            getInstant(rows, 3).orElseThrow(), getInstant(rows, 4).orElseThrow(), getInstant(rows, 5),
                            rows.getString(6), rows.getBoolean(7), queuesOf(rows.getString(9)), rows.getBoolean(8),
                            Optional.ofNullable(rows.getString(10)), Optional.ofNullable(rows.getString(11))));
                }
            }
            return found;
        });
    }

    @Override
    public int deleteInstancesSeenBefore(Instant seenBefore, int limit) {
        return write("records of instances seen before " + seenBefore, connection -> {
            List<String[]> old = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("select instance_id, start_token from "
                    + instances + " where last_seen < ? order by last_seen, instance_id, start_token " + limit(limit))) {
                setInstant(select, 1, Optional.of(seenBefore), database);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        old.add(new String[] {rows.getString(1), rows.getString(2)});
                    }
                }
            }
            int deleted = 0;
            try (PreparedStatement delete = connection.prepareStatement("delete from " + instances
                    + " where instance_id = ? and start_token = ? and last_seen < ?")) {
                for (String[] key : old) {
                    delete.setString(1, key[0]);
                    delete.setString(2, key[1]);
                    setInstant(delete, 3, Optional.of(seenBefore), database);
                    deleted += delete.executeUpdate();
                }
            }
            return deleted;
        });
    }

    @Override
    public boolean keepsQueueChanges() {
        return true;
    }

    @Override
    public boolean keepsInstances() {
        return true;
    }

    @Override
    public Optional<String> schemaVersion() {
        return Optional.of(SchemaMigrator.latestVersion());
    }

    private static final String OWED_CATCH_UP_COLUMNS = "trigger_name, owner_id, held_until, started_at, checked_at,"
            + " schedule_text, ticks_text";

    /** In the table owed_catch_up (V44). */
    @Override
    public boolean keepsOwedCatchUps() {
        return true;
    }

    @Override
    public List<io.nvent.spi.OwedCatchUp> owedCatchUps() {
        return read(connection -> {
            List<io.nvent.spi.OwedCatchUp> found = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("select " + OWED_CATCH_UP_COLUMNS + " from "
                    + owedCatchUps + " order by trigger_name");
                 ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    found.add(owedCatchUp(rows));
                }
            }
            return found;
        });
    }

    /**
     * The row read {@code FOR UPDATE} and compared with {@code expected} in the transaction that changes it; an insert
     * meeting a row of the trigger (inserted at once by another instance) changes nothing, as
     * {@link #insertTrigger(TriggerRecord)}'s does.
     */
    @Override
    public boolean replaceOwedCatchUp(String trigger, Optional<io.nvent.spi.OwedCatchUp> expected,
                                      Optional<io.nvent.spi.OwedCatchUp> replacement) {
        io.nvent.spi.OwedCatchUp.requireOf(trigger, expected, replacement);
        return write("catch-up of trigger '" + trigger + "'", connection -> {
            Optional<io.nvent.spi.OwedCatchUp> current = Optional.empty();
            try (PreparedStatement select = connection.prepareStatement("select " + OWED_CATCH_UP_COLUMNS + " from "
                    + owedCatchUps + " where trigger_name = ? for update")) {
                select.setString(1, trigger);
                try (ResultSet row = select.executeQuery()) {
                    if (row.next()) {
                        current = Optional.of(owedCatchUp(row));
                    }
                }
            }
            if (!current.equals(expected.map(JpaSchedulingStoreImpl::asKept))) {
                return false;
            }
            if (replacement.isEmpty()) {
                try (PreparedStatement delete = connection.prepareStatement("delete from " + owedCatchUps
                        + " where trigger_name = ?")) {
                    delete.setString(1, trigger);
                    return delete.executeUpdate() == 1;
                }
            }
            String insert = "insert into " + owedCatchUps + " (owner_id, held_until, started_at, checked_at,"
                    + " schedule_text, ticks_text, trigger_name) values (?, ?, ?, ?, ?, ?, ?)";
            String change = current.isPresent() ? "update " + owedCatchUps + " set owner_id = ?, held_until = ?,"
                    + " started_at = ?, checked_at = ?, schedule_text = ?, ticks_text = ? where trigger_name = ?"
                    : postgres ? insert + " on conflict (trigger_name) do nothing" : insert;
            try (PreparedStatement statement = connection.prepareStatement(change)) {
                io.nvent.spi.OwedCatchUp kept = replacement.get();
                statement.setString(1, kept.owner());
                setInstant(statement, 2, Optional.of(kept.heldUntil()), database);
                setInstant(statement, 3, Optional.of(kept.startedAt()), database);
                setInstant(statement, 4, Optional.of(kept.checkedAt()), database);
                statement.setString(5, kept.schedule());
                setText(statement, 6, Optional.of(String.join(" ", kept.ticks().stream().map(Instant::toString)
                        .toList())));
                statement.setString(7, trigger);
                return statement.executeUpdate() == 1;
            } catch (SQLException e) {
                if (current.isEmpty() && isDuplicateKey(e)) {
                    return false;   // not PostgreSQL: another instance inserted it (only this statement failed)
                }
                throw e;
            }
        });
    }

    private static io.nvent.spi.OwedCatchUp owedCatchUp(ResultSet row) throws SQLException {
        String ticks = row.getString(7);
        return new io.nvent.spi.OwedCatchUp(row.getString(1), row.getString(2), getInstant(row, 3).orElseThrow(),
                getInstant(row, 4).orElseThrow(), getInstant(row, 5).orElseThrow(), row.getString(6),
                ticks == null || ticks.isBlank() ? List.of()
                        : java.util.Arrays.stream(ticks.trim().split(" ")).map(Instant::parse).toList());
    }

    /** A catch-up as this store gives it back: its times to the microsecond, which the columns keep. */
    private static io.nvent.spi.OwedCatchUp asKept(io.nvent.spi.OwedCatchUp given) {
        java.time.temporal.ChronoUnit micros = java.time.temporal.ChronoUnit.MICROS;
        return new io.nvent.spi.OwedCatchUp(given.trigger(), given.owner(), given.heldUntil().truncatedTo(micros),
                given.startedAt().truncatedTo(micros), given.checkedAt().truncatedTo(micros), given.schedule(),
                given.ticks());
    }

    /** The queues with their workers as a URL query: {@code name=workers&...}, names URL-encoded. */
    private static String queuesText(Map<String, Integer> queues) {
        StringBuilder text = new StringBuilder();
        queues.forEach((queue, workers) -> text.append(text.isEmpty() ? "" : "&")
                .append(java.net.URLEncoder.encode(queue, java.nio.charset.StandardCharsets.UTF_8)).append('=')
                .append(workers));
        return text.toString();
    }

    private static Map<String, Integer> queuesOf(String text) {
        Map<String, Integer> queues = new java.util.LinkedHashMap<>();
        if (text == null || text.isEmpty()) {
            return queues;
        }
        for (String pair : text.split("&")) {
            int at = pair.lastIndexOf('=');
            queues.put(java.net.URLDecoder.decode(pair.substring(0, at), java.nio.charset.StandardCharsets.UTF_8),
                    Integer.parseInt(pair.substring(at + 1)));
        }
        return queues;
    }

    // ------------------------------------------------------------------ queue pauses

    @Override
    public void setQueuePaused(String queue, boolean paused) {
        setQueuePaused(queue, paused, Optional.empty());
    }

    @Override
    public void setQueuePaused(String queue, boolean paused, QueueChange change) {
        setQueuePaused(queue, paused, Optional.of(change));
    }

    /** A pause kept with who made it (V43), or (empty) as one made before: at the database's time, by nobody known. */
    private void setQueuePaused(String queue, boolean paused, Optional<QueueChange> change) {
        checkQueueName(queue, "to be paused");
        write("pause of queue '" + queue + "'", connection -> {
            if (!paused) {
                try (PreparedStatement delete = connection.prepareStatement("delete from " + pauses
                        + " where queue_name = ?")) {
                    delete.setString(1, queue);
                    return delete.executeUpdate();
                }
            }
            String insert = "insert into " + pauses + " (queue_name, paused_at, paused_by, pause_reason) values (?, "
                    + changeAt(change) + ", ?, ?)";
            try (PreparedStatement statement = connection.prepareStatement(
                    postgres ? insert + " on conflict do nothing" : insert)) {
                statement.setString(1, queue);
                bindChange(statement, 2, change);
                return statement.executeUpdate();
            } catch (SQLException e) {
                // Not PostgreSQL: paused already (only this statement failed); the first pause's change is kept.
                if (isDuplicateKey(e)) {
                    return 0;
                }
                throw e;
            }
        });
    }

    /** The SQL of a change's time ({@link #bindChange}): its own, or the database's for none kept. */
    private static String changeAt(Optional<QueueChange> change) {
        return change.isPresent() ? "?" : "current_timestamp";
    }

    /**
     * Binds a change from parameter {@code at} on: its time where kept ({@link #changeAt}), then who made it and why:
     * by {@link #MADE_IN_CODE} for a change made in code acting as nobody, null (unknown, as in a row stored before
     * V43) for none kept.
     *
     * @return the parameter after them
     */
    private int bindChange(PreparedStatement statement, int at, Optional<QueueChange> change) throws SQLException {
        int next = at;
        if (change.isPresent()) {
            setInstant(statement, next++, Optional.of(change.get().at()), database);
        }
        statement.setString(next, change.map(made -> made.by().orElse(MADE_IN_CODE)).orElse(null));
        statement.setString(next + 1, change.flatMap(QueueChange::reason).orElse(null));
        return next + 2;
    }

    @Override
    public Set<String> pausedQueues() {
        return read(connection -> {
            Set<String> paused = new TreeSet<>();
            try (PreparedStatement select = connection.prepareStatement("select queue_name from " + pauses);
                 ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    paused.add(rows.getString(1));
                }
            }
            return paused;
        });
    }

    /**
     * The {@code paused_by} / {@code set_by} of a change made in code acting as nobody: no operator's name is empty
     * ({@link io.nvent.Operator}), and null stays for a row stored without a change, whose maker is unknown.
     */
    private static final String MADE_IN_CODE = "";

    @Override
    public Map<String, QueueChange> queuePauseChanges() {
        return queueChanges("select queue_name, paused_at, paused_by, pause_reason from " + pauses);
    }

    /**
     * The changes a select of queue name, time, by and reason finds; a row without by was stored without a change,
     * or before V43: who made it is unknown, so it is left out as the SPI says.
     */
    private Map<String, QueueChange> queueChanges(String sql) {
        return read(connection -> {
            Map<String, QueueChange> changes = new TreeMap<>();
            try (PreparedStatement select = connection.prepareStatement(sql);
                 ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    String by = rows.getString(3);
                    if (by != null) { // null: stored without a change (or before V43), who made it is unknown
                        changes.put(rows.getString(1), new QueueChange(Optional.of(by).filter(b -> !b.isEmpty()),
                                getInstant(rows, 2).orElse(Instant.EPOCH), Optional.ofNullable(rows.getString(4))));
                    }
                }
            }
            return changes;
        });
    }

    // ------------------------------------------------------------------ queue workers set at run time

    @Override
    public void setQueueWorkers(String queue, OptionalInt workers) {
        setQueueWorkers(queue, workers, Optional.empty());
    }

    @Override
    public void setQueueWorkers(String queue, OptionalInt workers, QueueChange change) {
        setQueueWorkers(queue, workers, Optional.of(change));
    }

    /** Workers kept with who set them (V43), or (empty) as before: at the database's time, by nobody known. */
    private void setQueueWorkers(String queue, OptionalInt workers, Optional<QueueChange> change) {
        checkQueueName(queue, "to have its workers set");
        if (workers.isPresent() && workers.getAsInt() < 0) {
            throw new IllegalArgumentException("NVENT-0334 the workers of queue '" + queue
                    + "' must be 0 or more, were " + workers.getAsInt());
        }
        write("workers of queue '" + queue + "'", connection -> {
            if (workers.isEmpty()) {
                try (PreparedStatement delete = connection.prepareStatement("delete from " + queueWorkers
                        + " where queue_name = ?")) {
                    delete.setString(1, queue);
                    return delete.executeUpdate();
                }
            }
            if (!postgres && updateQueueWorkers(connection, queue, workers.getAsInt(), change) > 0) {
                return 1;
            }
            String insertSql = "insert into " + queueWorkers + " (queue_name, workers, set_at, set_by, set_reason)"
                    + " values (?, ?, " + changeAt(change) + ", ?, ?)";
            try (PreparedStatement insert = connection.prepareStatement(postgres ? insertSql
                    + " on conflict (queue_name) do update set workers = excluded.workers, set_at = excluded.set_at,"
                    + " set_by = excluded.set_by, set_reason = excluded.set_reason"
                    : insertSql)) {
                insert.setString(1, queue);
                insert.setInt(2, workers.getAsInt());
                bindChange(insert, 3, change);
                return insert.executeUpdate();
            } catch (SQLException e) {
                // Another instance inserted it meanwhile: the later value wins, as an update's would.
                if (isDuplicateKey(e) && !postgres) {
                    return updateQueueWorkers(connection, queue, workers.getAsInt(), change);
                }
                throw e;
            }
        });
    }

    private int updateQueueWorkers(Connection connection, String queue, int workers, Optional<QueueChange> change)
            throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("update " + queueWorkers
                + " set workers = ?, set_at = " + changeAt(change)
                + ", set_by = ?, set_reason = ? where queue_name = ?")) {
            update.setInt(1, workers);
            update.setString(bindChange(update, 2, change), queue);
            return update.executeUpdate();
        }
    }

    @Override
    public Map<String, Integer> queueWorkers() {
        return read(connection -> {
            Map<String, Integer> workers = new TreeMap<>();
            try (PreparedStatement select = connection.prepareStatement("select queue_name, workers from "
                    + queueWorkers);
                 ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    workers.put(rows.getString(1), rows.getInt(2));
                }
            }
            return workers;
        });
    }

    @Override
    public Map<String, QueueChange> queueWorkersChanges() {
        return queueChanges("select queue_name, set_at, set_by, set_reason from " + queueWorkers);
    }

    private static void checkQueueName(String queue, String purpose) {
        Objects.requireNonNull(queue, "queue");
        if (queue.isEmpty() || queue.length() > MAX_QUEUE_NAME) {
            throw new IllegalArgumentException("NVENT-0328 a queue name must be 1 to " + MAX_QUEUE_NAME
                    + " characters " + purpose + ", was " + queue.length());
        }
    }

    // ------------------------------------------------------------------ rate limits of the cluster

    private static void checkRateLimited(RateLimitGroup starts, RateLimit limit, Object time) {
        checkQueueName(starts.queue(), "to be rate-limited");
        Objects.requireNonNull(limit, "limit");
        Objects.requireNonNull(time, "time");
    }

    @Override
    public boolean sharesRateLimits() {
        return true;
    }

    /**
     * Decides under the lock of the group's row in the rate-limit table, so that instances deciding
     * at once count each other's starts; forgets the starts that left the span on the way.
     */
    @Override
    public Duration takeRateLimitedStart(RateLimitGroup starts, RateLimit limit, Clock clock) {
        checkRateLimited(starts, limit, clock);
        return write("start under the rate limit of queue " + starts, connection -> {
            int before = lockRateLimit(connection, starts);
            // Read once the lock is held: the wait for it is not part of the start's time.
            Instant now = clock.instant();
            int recorded = before;
            try (PreparedStatement forget = connection.prepareStatement("delete from " + rateStarts
                    + " where queue_name = ? and limit_group = ? and started_at <= ?")) {
                bind(forget, starts.queue(), starts.group(), now.minus(limit.per()));
                recorded = Math.max(0, recorded - forget.executeUpdate());
            }
            Duration untilFree = Duration.ZERO;
            if (recorded < limit.max()) {
                try (PreparedStatement insert = connection.prepareStatement("insert into " + rateStarts
                        + " (queue_name, limit_group, started_at) values (?, ?, ?)")) {
                    bind(insert, starts.queue(), starts.group(), now);
                    insert.executeUpdate();
                }
                recorded++;
            } else {
                // The start whose leaving the span frees one: the (recorded - max + 1)-th oldest.
                untilFree = startLeavingSpan(connection, "select started_at from " + rateStarts
                        + " where queue_name = ? and limit_group = ? order by started_at limit 1 offset "
                        + (recorded - limit.max()), limit, now, starts.queue(), starts.group());
            }
            if (recorded != before) {
                try (PreparedStatement count = connection.prepareStatement("update " + rateLimits
                        + " set recorded = ? where queue_name = ? and limit_group = ?")) {
                    bind(count, recorded, starts.queue(), starts.group());
                    count.executeUpdate();
                }
            }
            return untilFree;
        });
    }

    @Override
    public Duration untilRateLimitAllows(RateLimitGroup starts, RateLimit limit, Instant now) {
        checkRateLimited(starts, limit, now);
        return read(connection -> startLeavingSpan(connection, "select started_at from " + rateStarts
                + " where queue_name = ? and limit_group = ? and started_at > ? order by started_at desc limit 1 offset "
                + (limit.max() - 1), limit, now, starts.queue(), starts.group(), now.minus(limit.per())));
    }

    /** Decides under the lock of the group's row, which keeps the latest time booked. */
    @Override
    public Instant bookRateLimitedReturn(RateLimitGroup starts, RateLimit limit, Instant allowedAt) {
        checkRateLimited(starts, limit, allowedAt);
        return write("book a return under the rate limit of queue " + starts, connection -> {
            lockRateLimit(connection, starts);
            Optional<Instant> bookedUntil;
            try (PreparedStatement select = connection.prepareStatement("select booked_until from " + rateLimits
                    + " where queue_name = ? and limit_group = ?")) {
                bind(select, starts.queue(), starts.group());
                try (ResultSet row = select.executeQuery()) {
                    row.next();
                    bookedUntil = getInstant(row, 1);
                }
            }
            Instant share = bookedUntil.map(until -> until.plus(limit.per().dividedBy(limit.max()))).orElse(allowedAt);
            Instant booked = share.isAfter(allowedAt) ? share : allowedAt;
            try (PreparedStatement update = connection.prepareStatement("update " + rateLimits
                    + " set booked_until = ? where queue_name = ? and limit_group = ?")) {
                bind(update, booked, starts.queue(), starts.group());
                update.executeUpdate();
            }
            return booked;
        });
    }

    @Override
    public List<RateLimitGroupStarts> busiestRateLimitGroups(String queue, Instant since, int most) {
        checkQueueName(queue, "to be rate-limited");
        Objects.requireNonNull(since, "since");
        return read(connection -> {
            List<RateLimitGroupStarts> found = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("select limit_group, count(*) from " + rateStarts
                    + " where queue_name = ? and started_at > ? group by limit_group order by count(*) desc, limit_group "
                    + limit(most))) {
                bind(select, queue, since);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        found.add(new RateLimitGroupStarts(new RateLimitGroup(queue, rows.getString(1)), rows.getInt(2)));
                    }
                }
            }
            return found;
        });
    }

    /**
     * Forgets idle groups one at a time, each under the lock of its row: a start deciding at once
     * waits for the lock and then finds no row, and creates it again (see {@link #lockRateLimit}).
     */
    @Override
    public int forgetIdleRateLimitGroups(Instant before) {
        Objects.requireNonNull(before, "before");
        List<RateLimitGroup> idle = read(connection -> {
            List<RateLimitGroup> found = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("select queue_name, limit_group from "
                    + rateLimits + " r where (r.booked_until is null or r.booked_until <= ?) and not exists (select 1 from "
                    + rateStarts + " s where s.queue_name = r.queue_name and s.limit_group = r.limit_group"
                    + " and s.started_at > ?)")) {
                bind(select, before, before);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        found.add(new RateLimitGroup(rows.getString(1), rows.getString(2)));
                    }
                }
            }
            return found;
        });
        int forgotten = 0;
        for (RateLimitGroup group : idle) {
            boolean gone = write("forget the idle rate-limit group " + group, connection -> {
                try (PreparedStatement lock = connection.prepareStatement("select booked_until from " + rateLimits
                        + " where queue_name = ? and limit_group = ? for update")) {
                    bind(lock, group.queue(), group.group());
                    try (ResultSet row = lock.executeQuery()) {
                        if (!row.next() || getInstant(row, 1).filter(booked -> booked.isAfter(before)).isPresent()) {
                            return false;   // gone, or booked since the look above
                        }
                    }
                }
                try (PreparedStatement newer = connection.prepareStatement("select 1 from " + rateStarts
                        + " where queue_name = ? and limit_group = ? and started_at > ?")) {
                    bind(newer, group.queue(), group.group(), before);
                    try (ResultSet row = newer.executeQuery()) {
                        if (row.next()) {
                            return false;   // started again since the look above
                        }
                    }
                }
                for (String table : List.of(rateStarts, rateLimits)) {
                    try (PreparedStatement delete = connection.prepareStatement("delete from " + table
                            + " where queue_name = ? and limit_group = ?")) {
                        bind(delete, group.queue(), group.group());
                        delete.executeUpdate();
                    }
                }
                return true;
            });
            if (gone) {
                forgotten++;
            }
        }
        return forgotten;
    }

    /** How long until the start the query selects leaves the span: zero if it selects none. */
    private Duration startLeavingSpan(Connection connection, String query, RateLimit limit, Instant now,
                                      Object... parameters) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(query)) {
            bind(select, parameters);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return Duration.ZERO;
                }
                Duration untilFree = Duration.between(now, getInstant(row, 1).orElseThrow().plus(limit.per()));
                // A start recorded by a clock ahead of ours may leave the span only later; never "now" while full.
                return untilFree.isNegative() || untilFree.isZero() ? Duration.ofMillis(1) : untilFree;
            }
        }
    }

    /**
     * Locks the group's row (created on first use) until commit; returns its count of recorded
     * starts. The row may vanish between its creation and the lock, forgotten as idle by another
     * instance: then it is created again.
     */
    private int lockRateLimit(Connection connection, RateLimitGroup starts) throws SQLException {
        String insert = "insert into " + rateLimits + " (queue_name, limit_group, recorded) values (?, ?, 0)";
        while (true) {
            try (PreparedStatement statement = connection.prepareStatement(
                    postgres ? insert + " on conflict do nothing" : insert)) {
                bind(statement, starts.queue(), starts.group());
                statement.executeUpdate();
            } catch (SQLException e) {
                // Not PostgreSQL: the row exists (only this statement failed).
                if (!isDuplicateKey(e)) {
                    throw e;
                }
            }
            try (PreparedStatement select = connection.prepareStatement("select recorded from " + rateLimits
                    + " where queue_name = ? and limit_group = ? for update")) {
                bind(select, starts.queue(), starts.group());
                try (ResultSet row = select.executeQuery()) {
                    if (row.next()) {
                        return row.getInt(1);
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ schedule ticks

    @Override
    public boolean claimTick(String trigger, Instant scheduledAt) {
        TickClaim claim = tryClaimTick(trigger, scheduledAt);
        if (claim == TickClaim.IN_DOUBT) {
            throw new StoreException("NVENT-0331 the claim of tick " + scheduledAt + " of trigger " + trigger
                    + " gave up: " + lockedFor("another claim of it"), null, false);
        }
        return claim == TickClaim.CLAIMED;
    }

    @Override
    public TickClaim tryClaimTick(String trigger, Instant scheduledAt) {
        checkTriggerName(trigger);
        Objects.requireNonNull(scheduledAt, "scheduledAt");
        return write("tick " + scheduledAt + " of trigger '" + trigger + "'", connection -> waitingForLocksAtMost(
                connection, locked -> claim(locked, trigger, scheduledAt) ? TickClaim.CLAIMED : TickClaim.TAKEN, () -> {
                    LOG.log(System.Logger.Level.WARNING, "NVENT-0331 the claim of tick " + scheduledAt + " of trigger "
                            + trigger + " is in doubt: " + lockedFor("another claim of it"));
                    return TickClaim.IN_DOUBT;
                }));
    }

    private boolean claim(Connection connection, String trigger, Instant scheduledAt) throws SQLException {
        String insert = "insert into " + ticks + " (trigger_name, scheduled_at, claimed_at) "
                + "values (?, ?, current_timestamp)";
        try (PreparedStatement statement = connection.prepareStatement(
                postgres ? insert + " on conflict do nothing" : insert)) {
            statement.setString(1, trigger);
            setInstant(statement, 2, Optional.of(scheduledAt), database);
            return statement.executeUpdate() == 1;
        } catch (SQLException e) {
            // Not PostgreSQL: the primary key refused a second claim (only this statement failed).
            if (isDuplicateKey(e)) {
                return false;
            }
            throw e;
        }
    }

    /** Why a statement gave up waiting for a lock, for a log line or an exception. */
    private String lockedFor(String what) {
        return "another transaction held " + what + " longer than nvent.store.trigger-lock-wait (" + triggerLockWait
                + "): an instance that stopped in the middle of its claim or fire of the trigger (a garbage collection "
                + "pause, a network partition, a debugger), or a transaction that does not end";
    }

    /**
     * Runs {@code work}, which waits for another transaction's lock at most {@link #triggerLockWait}:
     * should the wait run out, what {@code work} did is undone and {@code timedOut} answers instead.
     * On PostgreSQL the work runs under a savepoint with {@code lock_timeout} set for it alone: the
     * failed statement would abort the whole transaction otherwise (the caller's, when the store
     * joins one), and the setting would outlive the work in it. Other databases (H2, for development
     * and tests) keep their own lock timeout, after which the write is tried again as any lost race.
     */
    private <T> T waitingForLocksAtMost(Connection connection, Work<T> work, Supplier<T> timedOut) throws SQLException {
        if (!postgres) {
            return work.run(connection);
        }
        // SQL savepoints rather than JDBC's: a driver in an XA transaction refuses Connection.setSavepoint.
        execute(connection, "savepoint nvent_lock_wait");
        String before;
        try (PreparedStatement set = connection.prepareStatement(
                "select current_setting('lock_timeout'), set_config('lock_timeout', ?, true)")) {
            set.setString(1, triggerLockWait.toMillis() + "ms");
            try (ResultSet row = set.executeQuery()) {
                row.next();
                before = row.getString(1);
            }
        }
        T result;
        try {
            result = work.run(connection);
        } catch (SQLException | RuntimeException e) {
            // Undoes the work and the lock_timeout with it; the transaction goes on as before the work.
            try {
                execute(connection, "rollback to savepoint nvent_lock_wait");
            } catch (SQLException undo) {
                e.addSuppressed(undo);
                throw e;
            }
            if (e instanceof SQLException sql && LOCK_NOT_AVAILABLE.equals(sql.getSQLState())) {
                return timedOut.get();
            }
            throw e;
        }
        try (PreparedStatement restore = connection.prepareStatement("select set_config('lock_timeout', ?, true)")) {
            restore.setString(1, before);
            restore.executeQuery().close();
        }
        execute(connection, "release savepoint nvent_lock_wait");
        return result;
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.execute();
        }
    }

    @Override
    public int purgeTickClaims(Instant before) {
        Objects.requireNonNull(before, "before");
        return write("tick claims", connection -> {
            try (PreparedStatement delete = connection.prepareStatement("delete from " + ticks
                    + " where scheduled_at < ?")) {
                setInstant(delete, 1, Optional.of(before), database);
                return delete.executeUpdate();
            }
        });
    }

    // ------------------------------------------------------------------ signed webhook requests

    @Override
    public Optional<WebhookReceipt> recordWebhookRequest(WebhookReceipt receipt, Instant now) {
        Objects.requireNonNull(receipt, "receipt");
        Objects.requireNonNull(now, "now");
        checkTriggerName(receipt.trigger());
        return write("webhook request of trigger '" + receipt.trigger() + "'", connection -> {
            // Expired receipts go as new ones come: the index on valid_until keeps this cheap, and no
            // sweep is needed for a table that only webhook calls write.
            try (PreparedStatement expired = connection.prepareStatement("delete from " + webhookRequests
                    + " where valid_until < ?")) {
                setInstant(expired, 1, Optional.of(now), database);
                expired.executeUpdate();
            }
            return insertOrEarlier(connection, () -> insertWebhookRequest(connection, receipt),
                    () -> webhookRequest(connection, receipt.trigger(), receipt.request()));
        });
    }

    /** Inserts a receipt; {@code false} if the trigger has one of that request already. */
    private boolean insertWebhookRequest(Connection connection, WebhookReceipt receipt) throws SQLException {
        return insertUnlessKeyTaken(connection, "insert into " + webhookRequests
                + " (trigger_name, request_id, idempotency_key, valid_until) values (?, ?, ?, ?)", statement -> {
                    statement.setString(1, receipt.trigger());
                    statement.setString(2, receipt.request());
                    setText(statement, 3, receipt.idempotencyKey());
                    setInstant(statement, 4, Optional.of(receipt.validUntil()), database);
                });
    }

    /**
     * Inserts a row unless its primary key is taken: {@code false} then. PostgreSQL does nothing on the conflict;
     * elsewhere the key refuses the insert, which fails this statement only.
     */
    private boolean insertUnlessKeyTaken(Connection connection, String insert, Binding values) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                postgres ? insert + " on conflict do nothing" : insert)) {
            values.bind(statement);
            return statement.executeUpdate() == 1;
        } catch (SQLException e) {
            if (isDuplicateKey(e)) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Empty if {@code insert} inserted the row; else the row that took its key, read with {@code earlier}. A row
     * found gone when read was forgotten in between (its request failed): the insert is tried again, three times
     * at most.
     */
    private static <T> Optional<T> insertOrEarlier(Connection connection, Attempt<Boolean> insert,
                                                   Attempt<Optional<T>> earlier) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            if (insert.run()) {
                return Optional.empty();
            }
            Optional<T> found = earlier.run();
            if (found.isPresent() || attempt == 3) {
                return found;
            }
        }
    }

    /** Binds the values of a statement. */
    @FunctionalInterface
    private interface Binding {
        void bind(PreparedStatement statement) throws SQLException;
    }

    /** A statement's work on a connection at hand. */
    @FunctionalInterface
    private interface Attempt<T> {
        T run() throws SQLException;
    }

    private Optional<WebhookReceipt> webhookRequest(Connection connection, String trigger, String request)
            throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("select idempotency_key, valid_until from "
                + webhookRequests + " where trigger_name = ? and request_id = ?")) {
            select.setString(1, trigger);
            select.setString(2, request);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? Optional.of(new WebhookReceipt(trigger, request,
                        Optional.ofNullable(row.getString(1)), getInstant(row, 2).orElseThrow())) : Optional.empty();
            }
        }
    }

    @Override
    public boolean forgetWebhookRequest(String trigger, String request) {
        checkTriggerName(trigger);
        Objects.requireNonNull(request, "request");
        return write("webhook request of trigger '" + trigger + "'", connection -> {
            try (PreparedStatement delete = connection.prepareStatement("delete from " + webhookRequests
                    + " where trigger_name = ? and request_id = ?")) {
                delete.setString(1, trigger);
                delete.setString(2, request);
                return delete.executeUpdate() == 1;
            }
        });
    }

    // ------------------------------------------------------------------ keys of emits and publishes

    @Override
    public Optional<RequestKey> claimRequestKey(RequestKey claim, Instant now) {
        Objects.requireNonNull(claim, "claim");
        Objects.requireNonNull(now, "now");
        return write("idempotency key of " + claim.scope().wireName() + " '" + claim.target() + "'", connection -> {
            // An expired claim of this key counts as none: it goes before the insert (the sweep drops the others).
            try (PreparedStatement expired = connection.prepareStatement("delete from " + requestKeys
                    + " where scope = ? and target = ? and key_digest = ? and expires_at <= ?")) {
                bind(expired, claim.scope().wireName(), claim.target(), claim.keyDigest(), now);
                expired.executeUpdate();
            }
            return insertOrEarlier(connection, () -> insertRequestKey(connection, claim),
                    () -> requestKey(connection, claim));
        });
    }

    /** Inserts a claim; {@code false} if the key is claimed already. */
    private boolean insertRequestKey(Connection connection, RequestKey claim) throws SQLException {
        return insertUnlessKeyTaken(connection, "insert into " + requestKeys + " (scope, target, key_digest,"
                + " request_digest, created_at, expires_at, response) values (?, ?, ?, ?, ?, ?, ?)", statement -> {
                    bind(statement, claim.scope().wireName(), claim.target(), claim.keyDigest(), claim.requestDigest(),
                            claim.createdAt(), claim.expiresAt());
                    setText(statement, 7, claim.response());
                });
    }

    private Optional<RequestKey> requestKey(Connection connection, RequestKey claim) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("select request_digest, response, created_at,"
                + " expires_at from " + requestKeys + " where scope = ? and target = ? and key_digest = ?")) {
            bind(select, claim.scope().wireName(), claim.target(), claim.keyDigest());
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? Optional.of(new RequestKey(claim.scope(), claim.target(), claim.keyDigest(),
                        row.getString(1), Optional.ofNullable(row.getString(2)), getInstant(row, 3).orElseThrow(),
                        getInstant(row, 4).orElseThrow())) : Optional.empty();
            }
        }
    }

    @Override
    public boolean answerRequestKey(RequestKey answered) {
        Objects.requireNonNull(answered, "answered");
        return write("answer of idempotency key of " + answered.scope().wireName() + " '" + answered.target() + "'",
                connection -> {
                    try (PreparedStatement update = connection.prepareStatement("update " + requestKeys
                            + " set response = ? where scope = ? and target = ? and key_digest = ?"
                            + " and request_digest = ?")) {
                        setText(update, 1, answered.response());
                        update.setString(2, answered.scope().wireName());
                        update.setString(3, answered.target());
                        update.setString(4, answered.keyDigest());
                        update.setString(5, answered.requestDigest());
                        return update.executeUpdate() == 1;
                    }
                });
    }

    @Override
    public boolean forgetRequestKey(RequestKey claim) {
        Objects.requireNonNull(claim, "claim");
        return write("idempotency key of " + claim.scope().wireName() + " '" + claim.target() + "'", connection -> {
            try (PreparedStatement delete = connection.prepareStatement("delete from " + requestKeys
                    + " where scope = ? and target = ? and key_digest = ? and request_digest = ?")) {
                bind(delete, claim.scope().wireName(), claim.target(), claim.keyDigest(), claim.requestDigest());
                return delete.executeUpdate() == 1;
            }
        });
    }

    @Override
    public int purgeRequestKeys(Instant now) {
        Objects.requireNonNull(now, "now");
        return write("expired idempotency keys", connection -> {
            try (PreparedStatement delete = connection.prepareStatement("delete from " + requestKeys
                    + " where expires_at <= ?")) {
                setInstant(delete, 1, Optional.of(now), database);
                return delete.executeUpdate();
            }
        });
    }

    // ------------------------------------------------------------------ leases

    @Override
    public boolean acquireLease(String runId, String step, String owner, Instant until, Instant now) {
        Payloads.checkName(runId, "run id");
        Payloads.checkName(step, "step name");
        Payloads.checkName(owner, "lease owner");
        Objects.requireNonNull(until, "until");
        return acquireLease(new StepLease(runId, step, owner, until), now);
    }

    @Override
    public boolean acquireLease(StepLease lease, Instant now) {
        checkLease(lease);
        Objects.requireNonNull(now, "now");
        return writeForRun(lease.runId(), describe(lease), connection -> {
            boolean acquired = takeLease(connection, lease, now);
            if (!acquired && !runExists(connection, lease.runId())) {
                throw new RunNotFoundException(lease.runId());
            }
            return acquired;
        });
    }

    /**
     * The run change and the lease in one transaction, when the runs live in this store's database.
     * The run is changed first (its row locked before the lease's, as every write of a run does)
     * and the change undone when the lease is another owner's; a change that fails is, then, no
     * failure of the start either: the lease decides first (see {@link SchedulingStore#startStep}).
     */
    @Override
    public Optional<StoredChange> startStep(FlowStore runs, StepLease lease, Instant now, RunMutation mutation) {
        if (runs != runStore) {
            return SchedulingStore.super.startStep(runs, lease, now, mutation);
        }
        checkLease(lease);
        Objects.requireNonNull(now, "now");
        try {
            return commits.write(lease.runId(), conflict(describe(lease)), true, em -> {
                Optional<StoredChange> change = runStore.changeRun(em, lease.runId(), mutation);
                if (change.isPresent() && !em.unwrap(Session.class).doReturningWork(connection ->
                        takeLease(connection, lease, now))) {
                    // Undo the run change with the transaction: the step belongs to another live owner.
                    throw new LeaseHeld(lease);
                }
                return change;
            });
        } catch (LeaseHeld held) {
            return Optional.empty();
        } catch (RuntimeException refused) {
            boolean anotherOwnersStep;
            try {
                anotherOwnersStep = heldByAnother(lease, now);
            } catch (RuntimeException unread) {
                refused.addSuppressed(unread);
                throw refused;
            }
            if (anotherOwnersStep) {
                return Optional.empty();
            }
            throw refused;
        }
    }

    /** Whether another owner holds an unexpired lease of the step. */
    private boolean heldByAnother(StepLease lease, Instant now) {
        return leasesOfRun(lease.runId()).stream().anyMatch(held -> held.step().equals(lease.step())
                && !held.owner().equals(lease.owner()) && held.expiresAt().isAfter(now));
    }

    /**
     * The run change and giving the lease up in one transaction, when the runs live in this store's
     * database; refused as {@link #finishStepHolding} is when the owner no longer holds the lease, which
     * the same delete tells at no cost.
     */
    @Override
    public Optional<StoredChange> finishStep(FlowStore runs, StepLease lease, RunMutation mutation) {
        if (runs != runStore) {
            return SchedulingStore.super.finishStep(runs, lease, mutation);
        }
        return finish(lease, mutation);
    }

    /**
     * The run change and giving the lease up in one transaction, rolled back if the owner no longer
     * holds the lease: its row, deleted after the run's (locked first, as every write of a run does),
     * stays locked until the commit, so a takeover waits for the change or refuses it.
     */
    @Override
    public Optional<StoredChange> finishStepHolding(FlowStore runs, StepLease lease, RunMutation mutation) {
        if (runs != runStore) {
            return SchedulingStore.super.finishStepHolding(runs, lease, mutation);
        }
        return finish(lease, mutation);
    }

    private Optional<StoredChange> finish(StepLease lease, RunMutation mutation) {
        checkLease(lease);
        boolean released = false;
        try {
            Optional<StoredChange> change = commits.write(lease.runId(), conflict(describe(lease)), true, em -> {
                Optional<StoredChange> stored;
                try {
                    stored = runStore.changeRun(em, lease.runId(), mutation);
                } catch (AwaitNotSavedException refused) {
                    // A lost lease first: told of the await, the engine would store the step's failure without
                    // the lease, failing the attempt its new owner runs. The run is locked: lease row after it.
                    requireHeld(em, lease);
                    throw refused;
                }
                int deleted = em.unwrap(Session.class).doReturningWork(connection -> deleteLease(connection, lease));
                if (deleted == 0) {
                    throw lease.notHeld();
                }
                return stored;
            });
            released = true;
            return change;
        } catch (StaleExecutionException notHeld) {
            released = true;   // another owner's, or none: nothing to give up
            throw notHeld;
        } finally {
            if (!released) {
                releaseLease(lease);
            }
        }
    }

    @Override
    public List<HistoryEvent> appendEventsHolding(FlowStore runs, StepLease lease, List<EventDraft> events) {
        if (runs != runStore) {
            return SchedulingStore.super.appendEventsHolding(runs, lease, events);
        }
        checkLease(lease);
        return runStore.appendEvents(lease.runId(), events, em -> requireHeld(em, lease));
    }

    @Override
    public void putStateHolding(FlowStore runs, StepLease lease, String key, String json, Optional<Instant> expiresAt) {
        if (runs != runStore) {
            SchedulingStore.super.putStateHolding(runs, lease, key, json, expiresAt);
            return;
        }
        checkLease(lease);
        runStore.putState(lease.runId(), key, json, expiresAt, em -> requireHeld(em, lease));
    }

    @Override
    public void deleteStateHolding(FlowStore runs, StepLease lease, String key) {
        if (runs != runStore) {
            SchedulingStore.super.deleteStateHolding(runs, lease, key);
            return;
        }
        checkLease(lease);
        runStore.deleteState(lease.runId(), key, em -> requireHeld(em, lease));
    }

    /**
     * Locks the step's lease row, in the caller's transaction, if the lease's owner holds it, not taken for
     * another attempt nor execution ({@link StepLease#admits}, schema V17, V24): a takeover
     * then waits for the transaction. Throws {@link StepLease#notHeld()} if the owner does not, which
     * rolls the transaction back.
     */
    private void requireHeld(EntityManager em, StepLease lease) {
        boolean held = em.unwrap(Session.class).doReturningWork(connection -> {
            try (PreparedStatement lock = connection.prepareStatement("update " + leases + " set owner = owner"
                    + " where run_id = ? and step_name = ? and owner = ? and " + notAnotherAttempt(""))) {
                lock.setString(1, lease.runId());
                lock.setString(2, lease.step());
                lock.setString(3, lease.owner());
                bindNotAnotherAttempt(lock, 4, lease);
                return lock.executeUpdate() == 1;
            }
        });
        if (!held) {
            throw lease.notHeld();
        }
    }

    private static void checkLease(StepLease lease) {
        Objects.requireNonNull(lease, "lease");
        Payloads.checkName(lease.runId(), "run id");
        Payloads.checkName(lease.step(), "step name");
        Payloads.checkName(lease.owner(), "lease owner");
    }

    private static String describe(StepLease lease) {
        return "lease of step '" + lease.step() + "' in run '" + lease.runId() + "'";
    }

    /** Rolls a step start back when another live owner holds the step's lease. */
    private static final class LeaseHeld extends NventException {
        private static final long serialVersionUID = 1L;

        LeaseHeld(StepLease lease) {
            super("NVENT-0315 " + describe(lease) + " is held by another owner");
        }
    }

    /** Takes the lease if it is free, the owner's own, or another owner's that ended by {@code now}. */
    private boolean takeLease(Connection connection, StepLease lease, Instant now) throws SQLException {
        return postgres ? upsertLease(connection, lease, now) : updateOrInsertLease(connection, lease, now);
    }

    /**
     * The assignments that forget the progress kept with a lease as it is taken, unless the old lease had not run
     * out at the time bound first and was held for the attempt bound second (each of the {@link #PROGRESS_COLUMNS}
     * binds both): a lease is taken only when free, run out or its owner's own, so one that had not run out is
     * the owner's, and if taken for the same attempt while the owner holds it (a second delivery of the step's job
     * beside the attempt running here) the progress is the running attempt's; taken for another attempt (a retry
     * on the instance where its timed-out attempt still runs), it is not the retry's (schema V17). Placed before
     * the assignments of the new end and attempt, which must not decide (schema V16). Likewise taken for another
     * execution (an operator's retry, whose attempts count from 1 again, schema V24).
     *
     * @param row how the statement names the lease's row as it was ({@code ""}, or an alias with its dot)
     */
    private static String progressOnTaking(String row) {
        return PROGRESS_COLUMNS.stream().map(column -> column + " = case when " + row + "expires_at > ? and "
                + sameAttempt(row) + " then " + row + column + " end")
                .collect(java.util.stream.Collectors.joining(", "));
    }

    /**
     * The condition that the lease {@code row} names ({@code ""}, or an alias with its dot) holds the attempt bound
     * to its first two parameters ({@link #bindSameAttempt}): equal, or both null (a lease for no attempt), and not
     * another execution than the one bound to the next two ({@link #notAnotherExecution}), as
     * {@link StepLease#isHeldFor} decides. Spelt out rather than as {@code is not distinct from}, which not every
     * database has; the null test's parameter is cast, as a bare {@code ? is null} has no type to parse by.
     */
    private static String sameAttempt(String row) {
        return "(" + row + "attempt = ? or " + row + "attempt is null and cast(? as integer) is null) and "
                + notAnotherExecution(row);
    }

    /**
     * Binds {@code lease}'s attempt and execution to the parameters of {@link #sameAttempt}, from {@code first} on;
     * the next.
     */
    private int bindSameAttempt(PreparedStatement statement, int first, StepLease lease) throws SQLException {
        bindAttempt(statement, first, lease);
        bindAttempt(statement, first + 1, lease);
        return bindNotAnotherExecution(statement, first + 2, lease);
    }

    /**
     * The condition that the lease row holds not another attempt than the one bound to its first two parameters
     * ({@link #bindNotAnotherAttempt}): equal, or either of them null (a lease for no attempt, or one written before
     * V17), nor another execution than the one bound to the next two (schema V24), as {@link StepLease#admits}
     * decides.
     */
    private static String notAnotherAttempt(String row) {
        return "(" + row + "attempt is null or cast(? as integer) is null or " + row + "attempt = ?) and "
                + notAnotherExecution(row);
    }

    /**
     * Binds {@code lease}'s attempt and execution to the parameters of {@link #notAnotherAttempt}, from
     * {@code first} on.
     */
    private static void bindNotAnotherAttempt(PreparedStatement statement, int first, StepLease lease)
            throws SQLException {
        bindAttempt(statement, first, lease);
        bindAttempt(statement, first + 1, lease);
        bindNotAnotherExecution(statement, first + 2, lease);
    }

    /**
     * The condition that the lease row was not taken for another execution than the one bound to its two
     * parameters: equal, or either of them null (a lease or a write for no execution, or a lease written before V24).
     */
    private static String notAnotherExecution(String row) {
        return "(" + row + "execution is null or cast(? as bigint) is null or " + row + "execution = ?)";
    }

    /** Binds {@code lease}'s execution to the two parameters of {@link #notAnotherExecution}; the next index. */
    private static int bindNotAnotherExecution(PreparedStatement statement, int first, StepLease lease)
            throws SQLException {
        bindExecution(statement, first, lease);
        bindExecution(statement, first + 1, lease);
        return first + 2;
    }

    /** Binds {@code lease}'s execution, or null for a lease taken for none. */
    private static void bindExecution(PreparedStatement statement, int index, StepLease lease) throws SQLException {
        if (lease.execution().isPresent()) {
            statement.setLong(index, lease.execution().getAsLong());
        } else {
            statement.setNull(index, Types.BIGINT);
        }
    }

    /** Binds {@code lease}'s attempt, or null for a lease taken for none. */
    private static void bindAttempt(PreparedStatement statement, int index, StepLease lease) throws SQLException {
        if (lease.attempt().isPresent()) {
            statement.setInt(index, lease.attempt().getAsInt());
        } else {
            statement.setNull(index, Types.INTEGER);
        }
    }

    /** Binds {@code now} and {@code lease}'s attempt to the parameters of {@link #progressOnTaking}; the next index. */
    private int bindProgressOnTaking(PreparedStatement statement, int first, Instant now, StepLease lease)
            throws SQLException {
        int next = first;
        for (int i = 0; i < PROGRESS_COLUMNS.size(); i++) {
            setInstant(statement, next, Optional.of(now), database);
            next = bindSameAttempt(statement, next + 1, lease);
        }
        return next;
    }

    /** PostgreSQL: one statement that inserts, or takes over a row of the same owner or an expired one. */
    private boolean upsertLease(Connection connection, StepLease lease, Instant now) throws SQLException {
        try (PreparedStatement upsert = connection.prepareStatement("insert into " + leases
                + " as l (run_id, step_name, owner, expires_at, renewed_at, attempt, execution)"
                + " select ?, ?, ?, ?, ?, ?, ? from " + runs + " where run_id = ?"
                + " on conflict (run_id, step_name) do update set " + progressOnTaking("l.")
                + ", owner = excluded.owner, expires_at = excluded.expires_at, renewed_at = excluded.renewed_at,"
                + " attempt = excluded.attempt, execution = excluded.execution"
                + " where l.owner = excluded.owner or l.expires_at <= ?")) {
            upsert.setString(1, lease.runId());
            upsert.setString(2, lease.step());
            upsert.setString(3, lease.owner());
            setInstant(upsert, 4, Optional.of(lease.expiresAt()), database);
            setInstant(upsert, 5, lease.renewedAt(), database);
            bindAttempt(upsert, 6, lease);
            bindExecution(upsert, 7, lease);
            upsert.setString(8, lease.runId());
            int next = bindProgressOnTaking(upsert, 9, now, lease);
            setInstant(upsert, next, Optional.of(now), database);
            return upsert.executeUpdate() == 1;
        }
    }

    /** Elsewhere: take over a row of the same owner or an expired one, else insert a new one. */
    private boolean updateOrInsertLease(Connection connection, StepLease lease, Instant now) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("update " + leases + " set "
                + progressOnTaking("") + ", owner = ?, expires_at = ?, renewed_at = ?, attempt = ?, execution = ?"
                + " where run_id = ? and step_name = ? and (owner = ? or expires_at <= ?)")) {
            int next = bindProgressOnTaking(update, 1, now, lease);
            update.setString(next, lease.owner());
            setInstant(update, next + 1, Optional.of(lease.expiresAt()), database);
            setInstant(update, next + 2, lease.renewedAt(), database);
            bindAttempt(update, next + 3, lease);
            bindExecution(update, next + 4, lease);
            update.setString(next + 5, lease.runId());
            update.setString(next + 6, lease.step());
            update.setString(next + 7, lease.owner());
            setInstant(update, next + 8, Optional.of(now), database);
            if (update.executeUpdate() == 1) {
                return true;
            }
        }
        try (PreparedStatement insert = connection.prepareStatement("insert into " + leases
                + " (run_id, step_name, owner, expires_at, renewed_at, attempt, execution) select ?, ?, ?, ?, ?, ?, ?"
                + " from " + runs + " where run_id = ?")) {
            insert.setString(1, lease.runId());
            insert.setString(2, lease.step());
            insert.setString(3, lease.owner());
            setInstant(insert, 4, Optional.of(lease.expiresAt()), database);
            setInstant(insert, 5, lease.renewedAt(), database);
            bindAttempt(insert, 6, lease);
            bindExecution(insert, 7, lease);
            insert.setString(8, lease.runId());
            return insert.executeUpdate() == 1;
        } catch (SQLException e) {
            // Someone holds it (the row exists and was not ours to take); only this statement failed.
            if (isDuplicateKey(e)) {
                return false;
            }
            throw e;
        }
    }

    private boolean runExists(Connection connection, String runId) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("select 1 from " + runs + " where run_id = ?")) {
            statement.setString(1, runId);
            try (ResultSet row = statement.executeQuery()) {
                return row.next();
            }
        }
    }

    @Override
    public void renewLeases(String owner, Instant until) {
        renew(owner, until, Optional.empty());
    }

    @Override
    public void renewLeases(String owner, Instant until, Instant renewedAt) {
        renew(owner, until, Optional.of(renewedAt));
    }

    /** Without a renewal time, one kept from before is cleared: it would no longer go with the lease's end. */
    private void renew(String owner, Instant until, Optional<Instant> renewedAt) {
        Objects.requireNonNull(until, "until");
        write("leases of '" + owner + "'", connection -> {
            // On PostgreSQL rows that a step start or finish has locked are skipped rather than waited
            // for (they get a new expiry or go away anyway), so a renewal never deadlocks with a
            // grouped commit that holds one lease row and waits for another.
            try (PreparedStatement update = connection.prepareStatement(postgres
                    ? "update " + leases + " l set expires_at = ?, renewed_at = ? from (select run_id, step_name from "
                            + leases + " where owner = ? for update skip locked) s"
                            + " where l.run_id = s.run_id and l.step_name = s.step_name"
                    : "update " + leases + " set expires_at = ?, renewed_at = ? where owner = ?")) {
                setInstant(update, 1, Optional.of(until), database);
                setInstant(update, 2, renewedAt, database);
                update.setString(3, owner);
                update.executeUpdate();
            }
            return null;
        });
    }

    /**
     * One statement: the progress and the renewal, only on the owner's lease that has not run out; the end
     * is never moved back. A lease row that a step's start or finish has locked is waited for (a row, not
     * a set of them: no deadlock with a grouped commit).
     */
    @Override
    public boolean recordProgress(StepLease lease, StepProgress progress, Instant now) {
        checkLease(lease);
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(now, "now");
        return writeWithLease(lease, "progress_done = ?, progress_total = ?, progress_message = ?, progress_at = ?",
                now, update -> {
                    update.setLong(1, progress.done());
                    update.setLong(2, progress.total());
                    update.setString(3, progress.message().orElse(null));
                    setInstant(update, 4, Optional.of(progress.reportedAt()), database);
                    return 5;
                });
    }

    /** Binds the values of the columns an update with a lease sets; the next parameter's index. */
    @FunctionalInterface
    private interface ValuesBinder {
        int bind(PreparedStatement update) throws SQLException;
    }

    /**
     * Sets {@code assignments} (bound by {@code values}) on the lease's row and renews it, as one statement, only
     * while the lease's owner holds it for its attempt and it has not run out at {@code notRunOutAt}.
     */
    private boolean writeWithLease(StepLease lease, String assignments, Instant notRunOutAt, ValuesBinder values) {
        return write(describe(lease), connection -> {
            try (PreparedStatement update = connection.prepareStatement("update " + leases + " set " + assignments
                    + ", renewed_at = case when expires_at < ? then ? else renewed_at end,"
                    + " expires_at = case when expires_at < ? then ? else expires_at end"
                    + " where run_id = ? and step_name = ? and owner = ? and " + sameAttempt("")
                    + " and expires_at > ?")) {
                int next = values.bind(update);
                setInstant(update, next, Optional.of(lease.expiresAt()), database);
                setInstant(update, next + 1, lease.renewedAt(), database);
                setInstant(update, next + 2, Optional.of(lease.expiresAt()), database);
                setInstant(update, next + 3, Optional.of(lease.expiresAt()), database);
                update.setString(next + 4, lease.runId());
                update.setString(next + 5, lease.step());
                update.setString(next + 6, lease.owner());
                setInstant(update, bindSameAttempt(update, next + 7, lease), Optional.of(notRunOutAt), database);
                return update.executeUpdate() == 1;
            }
        });
    }

    /**
     * One statement, as {@link #recordProgress}: the heartbeat and the renewal, only on the owner's lease not run out
     * when written.
     */
    @Override
    public boolean recordHeartbeat(StepLease lease, Instant now) {
        checkLease(lease);
        Objects.requireNonNull(now, "now");
        // Not run out when written (the lease's renewal), however old the beat: one held up past the lease's end
        // must not bring it back to life.
        return writeWithLease(lease, "heartbeat_at = ?", lease.renewedAt().filter(now::isBefore).orElse(now),
                update -> {
                    setInstant(update, 1, Optional.of(now), database);
                    return 2;
                });
    }

    @Override
    public Map<String, Instant> heartbeatsOfRun(String runId) {
        Objects.requireNonNull(runId, "runId");
        return transactions.readJdbc(connection -> {
            try (PreparedStatement query = connection.prepareStatement("select step_name, heartbeat_at from " + leases
                    + " where run_id = ? and heartbeat_at is not null order by step_name")) {
                query.setString(1, runId);
                try (ResultSet rows = query.executeQuery()) {
                    Map<String, Instant> found = new LinkedHashMap<>();
                    while (rows.next()) {
                        found.put(rows.getString(1), getInstant(rows, 2).orElseThrow());
                    }
                    return found;
                }
            }
        });
    }

    @Override
    public Map<String, StepProgress> progressOfRun(String runId) {
        Objects.requireNonNull(runId, "runId");
        // Read every second for each run a console follows and with a run's waits: one statement in auto-commit,
        // without a Hibernate session or a transaction, where the store has a pool.
        return transactions.readJdbc(connection -> {
            try (PreparedStatement query = connection.prepareStatement("select step_name, progress_done, progress_total,"
                    + " progress_message, progress_at from " + leases + " where run_id = ? and progress_total is not null"
                    + " order by step_name")) {
                query.setString(1, runId);
                try (ResultSet rows = query.executeQuery()) {
                    Map<String, StepProgress> found = new LinkedHashMap<>();
                    while (rows.next()) {
                        found.put(rows.getString(1), new StepProgress(rows.getLong(2), rows.getLong(3),
                                Optional.ofNullable(rows.getString(4)), getInstant(rows, 5).orElseThrow()));
                    }
                    return found;
                }
            }
        });
    }

    @Override
    public void releaseLease(String runId, String step, String owner) {
        writeForRun(runId, "lease of step '" + step + "' in run '" + runId + "'", connection -> {
            deleteLease(connection, runId, step, owner);
            return null;
        });
    }

    /**
     * One conditional delete: the lease goes only while its owner holds it for the attempt, so that a retry on the
     * same owner that took it for another attempt keeps it.
     */
    @Override
    public boolean releaseLease(StepLease lease) {
        checkLease(lease);
        return writeForRun(lease.runId(), describe(lease), connection -> deleteLease(connection, lease) == 1);
    }

    /**
     * Deletes the owner's lease of the step unless it was taken for another attempt ({@link StepLease#admits});
     * {@return how many rows went: 1 if the owner held it for the attempt, else 0}
     */
    private int deleteLease(Connection connection, StepLease lease) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement("delete from " + leases
                + " where run_id = ? and step_name = ? and owner = ? and " + notAnotherAttempt(""))) {
            delete.setString(1, lease.runId());
            delete.setString(2, lease.step());
            delete.setString(3, lease.owner());
            bindNotAnotherAttempt(delete, 4, lease);
            return delete.executeUpdate();
        }
    }

    /** Deletes the owner's lease of the step; {@return how many rows went: 1 if the owner held it, else 0} */
    private int deleteLease(Connection connection, String runId, String step, String owner) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement("delete from " + leases
                + " where run_id = ? and step_name = ? and owner = ?")) {
            delete.setString(1, runId);
            delete.setString(2, step);
            delete.setString(3, owner);
            return delete.executeUpdate();
        }
    }

    @Override
    public List<StepLease> expiredLeases(Instant now, int limit) {
        Objects.requireNonNull(now, "now");
        return read(connection -> {
            try (PreparedStatement statement = connection.prepareStatement("select " + LEASE_COLUMNS + " from "
                    + leases + " where expires_at <= ? order by expires_at, run_id, step_name " + limit(limit))) {
                setInstant(statement, 1, Optional.of(now), database);
                return leasesOf(statement);
            }
        });
    }

    @Override
    public List<StepLease> leasesOfRun(String runId) {
        Objects.requireNonNull(runId, "runId");
        return transactions.readJdbc(connection -> {
            try (PreparedStatement statement = connection.prepareStatement("select " + LEASE_COLUMNS + " from "
                    + leases + " where run_id = ? order by step_name")) {
                statement.setString(1, runId);
                return leasesOf(statement);
            }
        });
    }

    @Override
    public List<StepLease> leasesOfOwners(String ownerPrefix, int limit) {
        Objects.requireNonNull(ownerPrefix, "ownerPrefix");
        return read(connection -> {
            // Read only while a start takes over its earlier start's leases, from a table as small as the
            // steps running: a scan, whatever index the database's collation lets a prefix use.
            try (PreparedStatement statement = connection.prepareStatement("select " + LEASE_COLUMNS + " from "
                    + leases + " where owner like ? escape '\\' order by renewed_at nulls first, expires_at, run_id,"
                    + " step_name " + limit(limit))) {
                statement.setString(1, ownerPrefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                        + "%");
                return leasesOf(statement);
            }
        });
    }

    private List<StepLease> leasesOf(PreparedStatement query) throws SQLException {
        try (ResultSet rows = query.executeQuery()) {
            List<StepLease> found = new ArrayList<>();
            while (rows.next()) {
                int attempt = rows.getInt(6);
                OptionalInt takenFor = rows.wasNull() ? OptionalInt.empty() : OptionalInt.of(attempt);
                long execution = rows.getLong(7);
                OptionalLong byExecution = rows.wasNull() ? OptionalLong.empty() : OptionalLong.of(execution);
                found.add(new StepLease(rows.getString(1), rows.getString(2), rows.getString(3),
                        getInstant(rows, 4).orElseThrow(), getInstant(rows, 5), takenFor, byExecution));
            }
            return found;
        }
    }

    // ------------------------------------------------------------------ JDBC plumbing

    /** JDBC work on the transaction's connection. */
    @FunctionalInterface
    private interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private <T> T write(String subject, Work<T> work) {
        return transactions.write(conflict(subject), em -> em.unwrap(Session.class).doReturningWork(work::run));
    }

    /** Like {@link #write}, on the hot path of a step: may share its commit with other writes of other runs. */
    private <T> T writeForRun(String runId, String subject, Work<T> work) {
        return commits.write(runId, conflict(subject), false, em -> em.unwrap(Session.class).doReturningWork(work::run));
    }

    private static Transactions.Contended conflict(String subject) {
        return attempts -> new StoreException("NVENT-0314 " + subject
                + " was changed concurrently; gave up after " + attempts + " attempt(s)", null, true);
    }

    private <T> T read(Work<T> work) {
        return transactions.read(em -> em.unwrap(Session.class).doReturningWork(work::run));
    }

    /**
     * The placeholder of a JSON parameter. The cast gives PostgreSQL the parameter's type also where
     * it cannot take it from a column (the select list of {@code INSERT ... SELECT}).
     */
    private String json() {
        return postgres ? "cast(? as jsonb)" : "?";
    }

    private void setJson(PreparedStatement statement, int index, Optional<String> json) throws SQLException {
        JdbcValues.setJson(statement, index, json, database);
    }

    private void setText(PreparedStatement statement, int index, Optional<String> text) throws SQLException {
        JdbcValues.setText(statement, index, text, database);
    }

    private void bind(PreparedStatement statement, Object... parameters) throws SQLException {
        for (int i = 0; i < parameters.length; i++) {
            Object parameter = parameters[i];
            if (parameter instanceof Instant instant) {
                setInstant(statement, i + 1, Optional.of(instant), database);
            } else if (parameter instanceof Integer number) {
                statement.setInt(i + 1, number);
            } else {
                statement.setString(i + 1, (String) parameter);
            }
        }
    }

    private static String limit(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0, was " + limit);
        }
        return "limit " + limit;
    }

    private boolean isDuplicateKey(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
                return true;
            }
        }
        return database == Database.OTHER && e.getSQLState() != null && e.getSQLState().startsWith("23");
    }

    private static <T> Optional<T> first(List<T> found) {
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    private static void checkTriggerName(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_TRIGGER_NAME) {
            throw new IllegalArgumentException("trigger name must have 1.." + MAX_TRIGGER_NAME + " characters, was "
                    + (name == null ? "null" : name.length() + " characters"));
        }
    }

    private static String wire(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    private static String unwire(String value) {
        return value.toUpperCase(Locale.ROOT);
    }
}
