package io.nvent.cdi.internal.engine;

import io.nvent.HistoryEvent;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import java.io.StringReader;
import java.time.Instant;
import java.util.Optional;

/**
 * The {@code step.retry} entry that says an instance whose deployment lacks the step handed its job
 * back ({@code NVENT-0171}): {@code nextAttemptAt} and no {@code nextAttempt}, as no attempt counts.
 * Written once per job and attempt of the step, at the job's first hand-back (the later ones carry
 * the same {@link #since}), not at each of the about 24 over the default grace period: each entry
 * stayed in the run's history for good, shown by the console and kept by retention. The later
 * hand-backs are each due again within {@link StepRunner#LONGEST_HAND_BACK_DELAY}, and only before
 * {@link #until}: what the lost-job check and the run's waits read instead of a due time per
 * hand-back.
 *
 * @param job the job that took over at the hand-back the entry records
 * @param handBacks how often the job had been handed back then, that one included
 * @param due when that job is due
 * @param since the job's first hand-back, which it carries from instance to instance; empty in an
 *     entry written at every hand-back (before entries were written once)
 * @param until when the grace period ({@code nvent.upgrade.missing-step-grace}) that began at
 *     {@code since} ends: instances lacking the step hand the job back only before it; empty as
 *     {@code since}
 */
record HandBackEntry(String job, int handBacks, Instant due, Optional<Instant> since, Optional<Instant> until) {

    /** The entry's data. */
    String data() {
        String reason = "an instance whose deployment lacks the step handed its job back (NVENT-0171), due again at "
                + due + until.map(end -> "; instances lacking the step hand it back until " + end + ", due again"
                + " within " + StepRunner.LONGEST_HAND_BACK_DELAY.toSeconds() + " s each time, with no further entry")
                .orElse("");
        JsonText json = JsonText.object().str("reason", reason).str("handedBackJob", job).num("handBacks", handBacks)
                .str("nextAttemptAt", due.toString());
        since.ifPresent(first -> json.str("handedBackSince", first.toString()));
        until.ifPresent(end -> json.str("handedBackUntil", end.toString()));
        return json.build();
    }

    /** The hand-back that a {@code step.retry} entry records, if it records one. */
    static Optional<HandBackEntry> of(HistoryEvent entry) {
        JsonObject data;
        try {
            data = Json.PROVIDER.createReader(new StringReader(entry.data())).readObject();
        } catch (RuntimeException unreadable) {
            return Optional.empty();
        }
        if (!(data.get("handedBackJob") instanceof JsonString job)
                || !(data.get("nextAttemptAt") instanceof JsonString due)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new HandBackEntry(job.getString(), data.getInt("handBacks", 1),
                    Instant.parse(due.getString()), instant(data, "handedBackSince"),
                    instant(data, "handedBackUntil")));
        } catch (RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    /**
     * Whether the hand-back was of a run's step at the run's version {@code runVersion}: a hand-back
     * changes no run, while any change since (a retry, the sweep's recovery, another step's progress)
     * moved the version on, and the job's hand-backs since, if any, took ids of the new version.
     */
    boolean at(String runId, String step, long runVersion) {
        return job.startsWith(StepJob.handedBackJobIdPrefix(runId, step, runVersion));
    }

    private static Optional<Instant> instant(JsonObject data, String key) {
        return data.get(key) instanceof JsonString at ? Optional.of(Instant.parse(at.getString())) : Optional.empty();
    }

    /**
     * The latest the job's hand-backs may be due: after {@link #due}, later hand-backs come only before
     * {@link #until}, each due within {@link StepRunner#LONGEST_HAND_BACK_DELAY}. An entry without
     * {@code until} was written at every hand-back: its own due time.
     */
    Instant dueAtTheLatest() {
        return until.map(end -> end.plus(StepRunner.LONGEST_HAND_BACK_DELAY)).filter(due::isBefore).orElse(due);
    }
}
