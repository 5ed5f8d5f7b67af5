package io.nvent.cdi.internal.engine;

import io.nvent.HealthReport;
import io.nvent.spi.internal.Causes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What an engine observed about its own health: whether it started, and how its maintenance sweeps
 * went. It also decides what a failing part of the sweep logs, so that a database that is away for
 * minutes gives one warning with its cause, a reminder every few minutes and one line when it is
 * back, instead of a stack trace every sweep.
 */
public final class HealthMonitor {

    /** How often a part that keeps failing is reported again. */
    static final Duration REMIND_EVERY = Duration.ofMinutes(5);
    /** Sweeps missing for this long (at least) mean the instance is wedged. */
    static final Duration MIN_STALE_AFTER = Duration.ofMinutes(2);
    private static final int SWEEPS_MISSED_WHEN_STALE = 20;
    private static final int MAX_ERROR_LENGTH = 300;

    /** What to log about a part of the sweep. */
    public record Notice(System.Logger.Level level, String message, Optional<Throwable> cause) {
    }

    private enum EngineState { NOT_STARTED, STARTED, DISABLED, STOPPED }

    /**
     * A part of the sweep that fails, and the queue whose adapter it failed on, if that is what failed; a part kept
     * on its own (the instance record) is neither the store's nor the queue's, and no reason to be not ready.
     */
    private record Failure(Instant since, long times, String error, Instant remindedAt, Optional<String> queue,
                           boolean onItsOwn) {

        boolean ofStore() {
            return queue.isEmpty() && !onItsOwn;
        }

        boolean ofQueue() {
            return queue.isPresent() && !onItsOwn;
        }
    }

    private EngineState state = EngineState.NOT_STARTED;
    private Duration sweepInterval;
    private Instant sweepsScheduledAt;
    private Instant lastSweep;
    private final Map<String, Failure> failing = new TreeMap<>();

    synchronized void started() {
        state = EngineState.STARTED;
    }

    /** The engine is switched off on purpose ({@code nvent.engine.enabled=false}). */
    public synchronized void disabled() {
        state = EngineState.DISABLED;
    }

    public synchronized void stopped() {
        state = EngineState.STOPPED;
    }

    synchronized void sweepsEvery(Duration interval, Instant now) {
        sweepInterval = interval;
        sweepsScheduledAt = now;
    }

    synchronized void sweepEnded(Instant now) {
        lastSweep = now;
    }

    /** A part of the sweep worked; a notice if it had been failing. */
    synchronized Optional<Notice> partSucceeded(String part, Instant now) {
        Failure ended = failing.remove(part);
        if (ended == null) {
            return Optional.empty();
        }
        return Optional.of(new Notice(System.Logger.Level.INFO, "NVENT-0142 maintenance " + part + " works again after "
                + ended.times() + " failed sweeps over " + seconds(Duration.between(ended.since(), now)), Optional.empty()));
    }

    /**
     * A part of the sweep failed; a notice the first time and then every {@link #REMIND_EVERY}.
     *
     * @param onItsOwn whether the part is reported on its own (in the {@code queues} check), never as the store's or
     *     the queue's failure: it only informs, and the parts that read the store every sweep tell whether it is away
     */
    synchronized Optional<Notice> partFailed(String part, RuntimeException error, Instant now, boolean onItsOwn) {
        Failure before = failing.get(part);
        Optional<String> queue = error instanceof QueueFailure onQueue ? Optional.of(onQueue.queue()) : Optional.empty();
        if (before == null) {
            failing.put(part, new Failure(now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS), 1, describe(error), now,
                    queue, onItsOwn));
            String reported = " failed; it is retried every sweep, and reported again every " + REMIND_EVERY.toMinutes()
                    + " minutes while it fails";
            return Optional.of(new Notice(System.Logger.Level.WARNING, onItsOwn
                    ? "NVENT-0040 maintenance " + part + reported + ": the instances view (GET /api/nvent/instances),"
                    + " the queues health check and nvent_instances may be out of date meanwhile; it does not make"
                    + " this instance not ready"
                    : "NVENT-0140 maintenance " + part + reported, Optional.of(error)));
        }
        boolean remind = !now.isBefore(before.remindedAt().plus(REMIND_EVERY));
        Failure updated = new Failure(before.since(), before.times() + 1, describe(error),
                remind ? now : before.remindedAt(), queue, onItsOwn);
        failing.put(part, updated);
        if (!remind) {
            return Optional.empty();
        }
        return Optional.of(new Notice(System.Logger.Level.WARNING, "NVENT-0143 maintenance " + part + " still fails, "
                + "since " + updated.since() + " (" + updated.times() + " sweeps): " + updated.error(), Optional.empty()));
    }

    /**
     * The report at the given time.
     *
     * @param queueProblem what keeps the queue from working, as the queue adapter reports it
     * @param queuesTaken whether every queue with waiting jobs has a live instance taking it: told, but not part of
     *     {@code ready}, since this instance taking work is fine; the work it leaves to others is what waits. While
     *     the part of the sweep that looks (the instance record) fails, the check says so instead
     * @param stream the live event stream's check as its adapter reports it: DOWN with what keeps it from reaching
     *     this instance's listeners, else UP with how it works: told, but not part of {@code ready}, since runs, the
     *     API and the store work without it (a live view stands still, then catches up from the store); and with a
     *     shared broker every instance would be not ready at once
     */
    synchronized HealthReport report(Instant now, Optional<String> queueProblem, HealthReport.Check queuesTaken,
                                     HealthReport.Check stream) {
        List<HealthReport.Check> checks = new ArrayList<>();
        boolean engineUp = state == EngineState.STARTED || state == EngineState.DISABLED;
        checks.add(new HealthReport.Check("engine", engineUp, switch (state) {
            case NOT_STARTED -> "not started yet";
            case STARTED -> "started";
            case DISABLED -> "switched off by nvent.engine.enabled=false: this instance serves the API only";
            case STOPPED -> "stopped";
        }));
        boolean sweeping = isSweeping(now);
        checks.add(new HealthReport.Check("maintenance", sweeping, sweepDetail(now)));
        String storeFailures = failureDetail(Failure::ofStore);
        boolean storeUp = storeFailures.isEmpty();
        checks.add(new HealthReport.Check("store", storeUp, storeUp
                ? (lastSweep == null ? "no maintenance sweep has read it yet" : "answered the last maintenance sweep")
                : storeFailures));
        // A sweep that failed on the queue's broker says so under the queue, beside what the adapter reports.
        String queueFailures = failureDetail(Failure::ofQueue);
        boolean queueUp = queueProblem.isEmpty() && queueFailures.isEmpty();
        String queueDetail = queueProblem.map(problem -> queueFailures.isEmpty() ? problem : problem + "; " + queueFailures)
                .orElse(queueFailures);
        checks.add(new HealthReport.Check("queue", queueUp,
                queueUp ? "its workers reach its broker or database" : queueDetail));
        String ownFailures = failureDetail(Failure::onItsOwn);
        checks.add(ownFailures.isEmpty() ? queuesTaken : new HealthReport.Check(queuesTaken.name(), false,
                "NVENT-0040 not known (no reason to be not ready): " + ownFailures + "; as last looked: "
                        + queuesTaken.detail()));
        checks.add(stream.up() ? stream : new HealthReport.Check(stream.name(), false, stream.detail()
                + " (no reason to be not ready: only live views wait for it)"));
        return new HealthReport(sweeping, engineUp && sweeping && storeUp && queueUp, checks);
    }

    private boolean isSweeping(Instant now) {
        if (sweepInterval == null || state != EngineState.STARTED) {
            return true;
        }
        Instant since = lastSweep == null ? sweepsScheduledAt : lastSweep;
        return Duration.between(since, now).compareTo(staleAfter()) < 0;
    }

    private Duration staleAfter() {
        Duration missed = sweepInterval.multipliedBy(SWEEPS_MISSED_WHEN_STALE);
        return missed.compareTo(MIN_STALE_AFTER) > 0 ? missed : MIN_STALE_AFTER;
    }

    private String sweepDetail(Instant now) {
        if (sweepInterval == null) {
            return "no periodic sweep scheduled";
        }
        String every = " (every " + sweepInterval.toMillis() + " ms; none for " + seconds(staleAfter())
                + " means the instance is wedged)";
        if (lastSweep == null) {
            return "no sweep yet, scheduled " + seconds(Duration.between(sweepsScheduledAt, now)) + " ago" + every;
        }
        return "last sweep ended " + seconds(Duration.between(lastSweep, now)) + " ago" + every;
    }

    /** The failing parts that {@code which} picks, one after the other; empty if none. */
    private String failureDetail(java.util.function.Predicate<Failure> which) {
        StringBuilder detail = new StringBuilder();
        failing.forEach((part, failure) -> {
            if (!which.test(failure)) {
                return;
            }
            detail.append(detail.isEmpty() ? "" : "; ");
            failure.queue().ifPresent(queue -> detail.append("queue ").append(queue).append(": "));
            detail.append(part).append(" fails since ").append(failure.since()).append(" (").append(failure.times())
                    .append(failure.times() == 1 ? " sweep): " : " sweeps): ").append(failure.error());
        });
        return detail.toString();
    }

    private static String seconds(Duration duration) {
        return String.format(java.util.Locale.ROOT, "%.1f s", Math.max(0, duration.toMillis()) / 1000.0);
    }

    /**
     * What went wrong, in the words closest to its source: the first database error in the chain of
     * causes (it names the database and what it refused), else the innermost cause with a message.
     * Layers in between (persistence, transactions) only wrap it.
     */
    static String describe(Throwable error) {
        Throwable chosen = null;
        Throwable innermostWithMessage = null;
        for (Throwable t : Causes.chain(error)) {
            if (chosen == null && t instanceof java.sql.SQLException) {
                chosen = t;
            }
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                innermostWithMessage = t;
            }
        }
        Throwable shown = chosen != null ? chosen : innermostWithMessage != null ? innermostWithMessage : error;
        String text = shown.getClass().getSimpleName() + (shown.getMessage() == null ? "" : ": " + shown.getMessage());
        return text.length() <= MAX_ERROR_LENGTH ? text : text.substring(0, MAX_ERROR_LENGTH) + "…";
    }
}
