package io.nvent.jpa.internal;

import io.nvent.RunStatus;
import io.nvent.StepStatus;
import io.nvent.spi.RunRecord;
import io.nvent.spi.internal.RunErrors;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.hibernate.annotations.DynamicUpdate;
import org.hibernate.annotations.Type;

/**
 * One run. The step map and the emitted map are JSON objects in one row, so that a run update is a
 * single-row write; {@code last_seq} is the highest sequence number handed out for the run's
 * history, advanced in the same transaction as the entries are inserted.
 */
@Entity(name = "NventRun")
@Table(name = "run")
// Only changed columns are written: the input may be large and never changes after creation.
@DynamicUpdate
class RunEntity {

    @Id
    @Column(name = "run_id", nullable = false, updatable = false)
    String runId;

    @Column(name = "flow", nullable = false)
    String flow;

    @Convert(converter = RunStatusConverter.class)
    @Column(name = "status", nullable = false)
    RunStatus status;

    @Type(JsonTextType.class)
    @Column(name = "input_json", nullable = false)
    String input;

    @Type(JsonTextType.class)
    @Column(name = "result_json")
    String result;

    @Column(name = "parent_run_id")
    String parentRunId;

    /** {@code {"step": "queued", ...}} with wire names. */
    @Type(JsonTextType.class)
    @Column(name = "steps_json", nullable = false)
    String steps;

    /** {@code {"event": <payload>, ...}}. */
    @Type(JsonTextType.class)
    @Column(name = "emitted_json", nullable = false)
    String emitted;

    @Column(name = "started_at", nullable = false)
    Instant startedAt;

    @Column(name = "ended_at")
    Instant endedAt;

    @Column(name = "last_seq", nullable = false)
    long lastSeq;

    /** Held from creation until the run is deleted (unique); none for most runs. */
    @Column(name = "idempotency_key", updatable = false)
    String idempotencyKey;

    /** The key as the run's starter gave it ({@link RunRecord#idempotencyKey()}); schema V15. */
    @Column(name = "given_key", updatable = false)
    String givenKey;

    /** The concurrency key the run was started with ({@link RunRecord#concurrencyKey()}); schema V18. */
    @Column(name = "concurrency_key", updatable = false)
    String concurrencyKey;

    /**
     * How many runs of its concurrency key may be under way at a time ({@link RunRecord#concurrencyLimit()}); null for
     * 1, as for every run stored before schema V23.
     */
    @Column(name = "concurrency_limit", updatable = false)
    Integer concurrencyLimit;

    /** The labels the run was started with ({@link RunRecord#labels()}), one per line ({@link #labelsText}); V28. */
    @Column(name = "labels_text", updatable = false)
    String labels;

    /** How long the run may take, in milliseconds ({@link RunRecord#timeout()}); null for none; schema V31. */
    @Column(name = "run_timeout_ms", updatable = false)
    Long timeoutMs;

    /** When the run times out ({@link RunRecord#deadline()}); null without a timeout; schema V31. */
    @Column(name = "deadline")
    Instant deadline;

    /** The error of a failed run ({@link RunRecord#error()}); schema V15. */
    @Column(name = "error_text")
    String error;

    @Version
    @Column(name = "version", nullable = false)
    long version;

    protected RunEntity() {
    }

    static RunEntity of(RunRecord run, long lastSeq) {
        RunEntity entity = new RunEntity();
        entity.runId = run.runId();
        entity.version = run.version();
        entity.lastSeq = lastSeq;
        entity.flow = run.flow();
        entity.status = run.status();
        entity.input = run.input();
        entity.result = run.result().orElse(null);
        entity.parentRunId = run.parentRunId().orElse(null);
        entity.startedAt = run.startedAt();
        entity.endedAt = run.endedAt().orElse(null);
        entity.steps = stepsJson(run.steps());
        entity.emitted = emittedJson(run.emitted());
        entity.givenKey = run.idempotencyKey().orElse(null);
        entity.error = run.error().orElse(null);
        entity.concurrencyKey = run.concurrencyKey().orElse(null);
        entity.concurrencyLimit = concurrencyLimitColumn(run);
        entity.labels = labelsText(run.labels());
        entity.timeoutMs = timeoutColumn(run);
        entity.deadline = run.deadline().orElse(null);
        return entity;
    }

    /**
     * Copies what differs between {@code current} (this entity as a record) and {@code next} into
     * this entity, so that Hibernate writes only those columns.
     *
     * @return whether anything differed
     */
    boolean update(RunRecord current, RunRecord next) {
        boolean changed = false;
        if (!current.flow().equals(next.flow())) {
            flow = next.flow();
            changed = true;
        }
        if (current.status() != next.status()) {
            status = next.status();
            changed = true;
        }
        if (!current.input().equals(next.input())) {
            input = next.input();
            changed = true;
        }
        if (!current.result().equals(next.result())) {
            result = next.result().orElse(null);
            changed = true;
        }
        if (!current.parentRunId().equals(next.parentRunId())) {
            parentRunId = next.parentRunId().orElse(null);
            changed = true;
        }
        if (!current.startedAt().equals(next.startedAt())) {
            startedAt = next.startedAt();
            changed = true;
        }
        if (!current.endedAt().equals(next.endedAt())) {
            endedAt = next.endedAt().orElse(null);
            changed = true;
        }
        if (!current.steps().equals(next.steps())) {
            steps = stepsJson(next.steps());
            changed = true;
        }
        if (!current.emitted().equals(next.emitted())) {
            emitted = emittedJson(next.emitted());
            changed = true;
        }
        if (!current.deadline().equals(next.deadline())) {
            deadline = next.deadline().orElse(null);
            changed = true;
        }
        // The column, not current.error(): a record drops an error its run outlived, which the write clears.
        if (!Objects.equals(error, next.error().orElse(null))) {
            error = next.error().orElse(null);
            changed = true;
        }
        return changed;
    }

    RunRecord toRecord() {
        return record(runId, flow, status, input, result, parentRunId, startedAt, endedAt, steps, emitted, version,
                givenKey, error, concurrencyKey, concurrencyLimit, labels, timeoutMs, deadline);
    }

    /** The {@code run_timeout_ms} column of a run: null without a timeout, which keeps rows as before V31. */
    static Long timeoutColumn(RunRecord run) {
        return run.timeout().map(Duration::toMillis).orElse(null);
    }

    /**
     * The {@code labels_text} column of a run: its labels one per line, unambiguous as a label holds no control
     * character; null without labels, which keeps rows as before V28.
     */
    static String labelsText(Set<String> runLabels) {
        return runLabels.isEmpty() ? null : String.join("\n", runLabels);
    }

    /** The labels a {@link #labelsText} column holds: none for null. */
    static Set<String> labels(String labelsText) {
        return labelsText == null ? Set.of() : Set.of(labelsText.split("\n"));
    }

    /** The {@code concurrency_limit} column of a run: null for the limit 1, which keeps rows as before V23. */
    static Integer concurrencyLimitColumn(RunRecord run) {
        return run.concurrencyLimit() == 1 ? null : run.concurrencyLimit();
    }

    /** A run from its column values; shared with the plain JDBC reads of {@link RunTables}. */
    static RunRecord record(String runId, String flow, RunStatus status, String input, String result,
                            String parentRunId, Instant startedAt, Instant endedAt, String steps, String emitted,
                            long version, String givenKey, String error, String concurrencyKey,
                            Integer concurrencyLimit, String labelsText, Long timeoutMs, Instant deadline) {
        Map<String, StepStatus> stepMap = new LinkedHashMap<>();
        Json.members(steps).forEach((name, value) ->
                stepMap.put(name, StepStatus.valueOf(Json.unquote(value).toUpperCase(Locale.ROOT))));
        return new RunRecord(runId, flow, status, input, Optional.ofNullable(result), Optional.ofNullable(parentRunId),
                startedAt, Optional.ofNullable(endedAt), stepMap, Json.members(emitted), version,
                // As a run keeps it whichever cut it: V45 cut the errors of runs that failed before V15 its own way.
                Optional.ofNullable(givenKey), Optional.ofNullable(error).map(RunErrors::kept),
                Optional.ofNullable(concurrencyKey),
                concurrencyLimit == null ? 1 : concurrencyLimit,
                labels(labelsText), Optional.ofNullable(timeoutMs).map(Duration::ofMillis),
                Optional.ofNullable(timeoutMs).flatMap(ms -> Optional.ofNullable(deadline)));
    }

    /** The text of the {@code steps_json} column. Sorted: the same map always gives the same text. */
    static String stepsJson(Map<String, StepStatus> stepMap) {
        Map<String, String> values = new TreeMap<>();
        stepMap.forEach((name, stepStatus) -> values.put(name, Json.quote(stepStatus.wireName())));
        return Json.object(values);
    }

    /** The text of the {@code emitted_json} column. */
    static String emittedJson(Map<String, String> emittedMap) {
        return Json.object(new TreeMap<>(Objects.requireNonNull(emittedMap)));
    }
}
