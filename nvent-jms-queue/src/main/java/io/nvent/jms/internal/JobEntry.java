package io.nvent.jms.internal;

import io.nvent.spi.JobAttempt;
import io.nvent.spi.JobRecord;
import io.nvent.spi.JobState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What this node knows about one job. Mutable; every access holds the entry's monitor, which
 * {@link JobRegistry} takes.
 */
public final class JobEntry {

    /** Life of a job as this node sees it; WAITING and DELAYED are both PENDING, told apart by time. */
    enum Phase {
        PENDING, ACTIVE, COMPLETED, FAILED
    }

    final String queue;
    final String jobId;
    final long seq;
    JobMessage job;
    Instant availableAt;
    Phase phase;
    /** Key of the message expected on the main queue (PENDING) or executing (ACTIVE). */
    Optional<AttemptKey> current;
    final List<JobAttempt> attempts = new ArrayList<>();
    final Map<AttemptKey, Outcome> outcomes = new HashMap<>();
    Optional<AttemptKey> inFlight = Optional.empty();
    CompletableFuture<Void> inFlightDone = CompletableFuture.completedFuture(null);
    /** What {@link StateTally} counts this entry as; empty while not counted. */
    Optional<Phase> counted = Optional.empty();
    /** Where {@link StateTally} lists this entry as delayed; empty when it does not. */
    Optional<StateTally.Due> listedDue = Optional.empty();
    /** Where {@link StateTally} lists this entry as pending; empty when it does not. */
    Optional<StateTally.Due> listedPending = Optional.empty();
    /**
     * Learned from the broker ({@link JobRegistry#hydratePending}, {@link JobRegistry#hydrateFailed})
     * and not sent, run or retried here since: another node may run, retry or discard it unseen, so
     * the broker, not this entry, says whether it is still there.
     */
    boolean hydrated;
    /**
     * Reserved for a send whose transaction has not committed yet (an enqueue inside JTA, a job a
     * worker sends with its open transaction): the broker shows its message to no browser yet.
     */
    boolean sendUncommitted;
    /** When {@link JobRegistry#sentToCheck} last chose this entry to look for on the broker; empty before. */
    Optional<Instant> checkedAt = Optional.empty();

    JobEntry(long seq, JobMessage job, Phase phase) {
        this.queue = job.queue();
        this.jobId = job.jobId();
        this.seq = seq;
        this.job = job;
        this.availableAt = job.availableAt();
        this.phase = phase;
        this.current = phase == Phase.PENDING || phase == Phase.ACTIVE ? Optional.of(job.key()) : Optional.empty();
        this.attempts.addAll(job.history());
    }

    JobState state(Instant now) {
        return switch (phase) {
            case PENDING -> availableAt.isAfter(now) ? JobState.DELAYED : JobState.WAITING;
            case ACTIVE -> JobState.ACTIVE;
            case COMPLETED -> JobState.COMPLETED;
            case FAILED -> JobState.FAILED;
        };
    }

    JobRecord toRecord(Instant now) {
        return new JobRecord(queue, jobId, job.name(), state(now), job.payload(), job.retry().maxAttempts(),
                job.createdAt(), availableAt, attempts);
    }

    /** Replaces the open (last) attempt with its ended form. */
    void endAttempt(Instant end, Optional<String> error) {
        if (attempts.isEmpty()) {
            return;
        }
        JobAttempt open = attempts.get(attempts.size() - 1);
        attempts.set(attempts.size() - 1, new JobAttempt(open.attempt(), open.startedAt(), Optional.of(end), error));
    }
}
