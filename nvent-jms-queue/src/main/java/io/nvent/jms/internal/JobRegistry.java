package io.nvent.jms.internal;

import io.nvent.jms.internal.JobEntry.Phase;
import io.nvent.spi.JobAttempt;
import io.nvent.spi.JobCounts;
import io.nvent.spi.JobPage;
import io.nvent.spi.JobRecord;
import io.nvent.spi.JobState;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * This node's knowledge of jobs, per queue: the source of counts and job records, the first line of
 * job-id deduplication, and the memory of attempt outcomes that turns redelivery after a broker or
 * connection failure into a replay instead of a second execution.
 *
 * <p>In memory only. Completed records are bounded per queue; failed ones mirror the dead-letter
 * queue and are reloaded from it at start ({@link #hydrateFailed}). Counts are kept as running
 * tallies ({@link StateTally}), so they cost the same whatever the number of jobs, and completed
 * jobs stay counted after their records were dropped.
 */
public final class JobRegistry {

    private final Map<String, QueueJobs> queues = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();
    private final int completedRetention;
    private final Clock clock;

    /**
     * A registry.
     *
     * @param completedRetention completed records kept per queue
     * @param clock tells waiting from delayed jobs
     */
    public JobRegistry(int completedRetention, Clock clock) {
        this.completedRetention = completedRetention;
        this.clock = clock;
    }

    private static final class QueueJobs {
        final Map<String, JobEntry> jobs = new ConcurrentHashMap<>();
        final Deque<JobEntry> completed = new ArrayDeque<>();
        final StateTally tally = new StateTally();
    }

    /**
     * Runs a change of an entry under its monitor and brings the queue's tally up to date with it;
     * every change of what an entry counts as goes through here.
     */
    private void change(JobEntry entry, Consumer<JobEntry> mutation) {
        synchronized (entry) {
            mutation.accept(entry);
            jobs(entry.queue).tally.recount(entry, clock.instant());
        }
    }

    /** Adds a new entry unless the queue holds the id; the entry that is there afterwards. */
    private JobEntry add(JobEntry fresh) {
        QueueJobs queue = jobs(fresh.queue);
        JobEntry existing = queue.jobs.putIfAbsent(fresh.jobId, fresh);
        if (existing != null) {
            return existing;
        }
        change(fresh, entry -> { });
        return fresh;
    }

    private QueueJobs jobs(String queue) {
        return queues.computeIfAbsent(queue, q -> new QueueJobs());
    }

    /** Queues this node has seen jobs of. */
    public Set<String> queueNames() {
        return new TreeSet<>(queues.keySet());
    }

    /**
     * Claims a job id for a new job.
     *
     * @return the new entry, or empty when the queue already holds the id
     */
    public Optional<JobEntry> reserve(JobMessage job) {
        JobEntry fresh = new JobEntry(sequence.incrementAndGet(), job, Phase.PENDING);
        fresh.sendUncommitted = true;
        return add(fresh) == fresh ? Optional.of(fresh) : Optional.empty();
    }

    /** The send a {@link #reserve} was for committed: the broker holds the job's message from now on. */
    public void sendCommitted(JobEntry entry) {
        synchronized (entry) {
            entry.sendUncommitted = false;
        }
    }

    /** Undoes {@link #reserve} after a failed or rolled-back send, unless a worker already took the job. */
    public void release(JobEntry entry) {
        synchronized (entry) {
            if (entry.phase != Phase.PENDING || !entry.current.equals(Optional.of(AttemptKey.FIRST))
                    || !entry.attempts.isEmpty()) {
                return;
            }
            QueueJobs queue = jobs(entry.queue);
            if (queue.jobs.remove(entry.jobId, entry)) {
                queue.tally.forget(entry);
            }
        }
    }

    /** Decides what to do with a received job message and, for {@link Decision.Run}, marks it active. */
    public Decision begin(JobMessage message, Instant now) {
        JobEntry known = jobs(message.queue()).jobs.get(message.jobId());
        JobEntry entry = known != null ? known
                : add(new JobEntry(sequence.incrementAndGet(), message, Phase.PENDING));
        synchronized (entry) {
            AttemptKey key = message.key();
            if (entry.inFlight.isPresent()) {
                return key.compareTo(entry.inFlight.get()) < 0
                        ? new Decision.Drop("attempt " + key + " is older than the running " + entry.inFlight.get())
                        : new Decision.Await(entry.inFlightDone);
            }
            Outcome outcome = entry.outcomes.get(key);
            if (outcome != null) {
                return outcome.committed()
                        ? new Decision.Drop("attempt " + key + " already ended " + outcome.kind())
                        : new Decision.Replay(entry, outcome);
            }
            switch (entry.phase) {
                case COMPLETED -> {
                    return new Decision.Drop("the job already completed");
                }
                case FAILED -> {
                    // Another node retried the dead letter: a later round is legitimate.
                    if (endedInRound(entry, key.round())) {
                        return new Decision.Drop("the job failed and " + key + " is not a later round");
                    }
                }
                case PENDING -> {
                    if (entry.current.isPresent() && key.compareTo(entry.current.get()) < 0) {
                        return new Decision.Drop("attempt " + key + " is older than the expected "
                                + entry.current.get());
                    }
                }
                case ACTIVE -> throw new IllegalStateException("active job " + entry.jobId + " without an attempt");
            }
            if (message.history().size() > entry.attempts.size()) {
                // Attempts made elsewhere (another node, before a restart) arrive with the message.
                entry.attempts.clear();
                entry.attempts.addAll(message.history());
            }
            entry.job = message;
            entry.availableAt = message.availableAt();
            entry.hydrated = false;
            entry.sendUncommitted = false;
            entry.phase = Phase.ACTIVE;
            entry.current = Optional.of(key);
            entry.inFlight = Optional.of(key);
            entry.inFlightDone = new CompletableFuture<>();
            entry.attempts.add(new JobAttempt(key.attempt(), now, Optional.empty(), Optional.empty()));
            jobs(entry.queue).tally.recount(entry, now);
            return new Decision.Run(entry);
        }
    }

    /** Records a successful attempt. */
    public Outcome completed(JobEntry entry, AttemptKey key, Instant end) {
        Outcome outcome = new Outcome(key, Outcome.Kind.COMPLETED, Optional.empty(), false);
        change(entry, e -> {
            e.endAttempt(end, Optional.empty());
            e.phase = Phase.COMPLETED;
            e.current = Optional.empty();
            e.outcomes.put(key, outcome);
        });
        QueueJobs jobs = jobs(entry.queue);
        synchronized (jobs.completed) {
            jobs.completed.addLast(entry);
            while (jobs.completed.size() > completedRetention) {
                JobEntry old = jobs.completed.removeFirst();
                synchronized (old) {
                    if (old.phase == Phase.COMPLETED) {
                        jobs.jobs.remove(old.jobId, old);
                    }
                }
            }
        }
        return outcome;
    }

    /**
     * Records a failed attempt.
     *
     * @param nextAttemptAt when the next attempt is due; empty when this was the last
     */
    public Outcome failed(JobEntry entry, AttemptKey key, String error, Instant end, Optional<Instant> nextAttemptAt) {
        Outcome outcome = new Outcome(key, nextAttemptAt.isPresent() ? Outcome.Kind.RETRY : Outcome.Kind.DEAD,
                nextAttemptAt, false);
        change(entry, e -> {
            e.endAttempt(end, Optional.of(error));
            e.outcomes.put(key, outcome);
            if (nextAttemptAt.isPresent()) {
                e.phase = Phase.PENDING;
                e.availableAt = nextAttemptAt.get();
                e.current = Optional.of(key.next());
            } else {
                e.phase = Phase.FAILED;
                e.current = Optional.empty();
            }
        });
        return outcome;
    }

    /** Ends the in-flight attempt once its JMS transaction committed or failed. */
    public void settle(JobEntry entry, AttemptKey key, boolean committed) {
        change(entry, e -> {
            if (committed) {
                e.outcomes.computeIfPresent(key, (k, outcome) -> outcome.settled());
            }
            if (e.inFlight.equals(Optional.of(key))) {
                e.inFlight = Optional.empty();
                e.inFlightDone.complete(null);
            }
        });
    }

    /**
     * Forgets a job that had no message (a continuation) and whose transaction rolled back: nothing
     * brings it back, so the queue must not claim to hold it; its owner enqueues it again.
     */
    public void forget(JobEntry entry) {
        synchronized (entry) {
            QueueJobs queue = jobs(entry.queue);
            if (queue.jobs.remove(entry.jobId, entry)) {
                queue.tally.forget(entry);
            }
        }
    }

    /** Forgets an attempt that was interrupted by shutdown; its message goes back to the queue. */
    public void abandon(JobEntry entry, AttemptKey key) {
        change(entry, e -> {
            if (e.phase == Phase.ACTIVE && e.inFlight.equals(Optional.of(key))) {
                e.attempts.remove(e.attempts.size() - 1);
                e.phase = Phase.PENDING;
            }
            if (e.inFlight.equals(Optional.of(key))) {
                e.inFlight = Optional.empty();
                e.inFlightDone.complete(null);
            }
        });
    }

    /** The message that follows an outcome: the next attempt or the dead letter; empty when completed. */
    public Optional<JobMessage> followUp(JobEntry entry, Outcome outcome) {
        synchronized (entry) {
            List<JobAttempt> history = List.copyOf(entry.attempts);
            return switch (outcome.kind()) {
                case COMPLETED -> Optional.empty();
                case RETRY -> Optional.of(entry.job.forAttempt(outcome.key().next(),
                        outcome.nextAttemptAt().orElseThrow(), history));
                case DEAD -> Optional.of(entry.job.forAttempt(outcome.key(), entry.job.availableAt(), history));
            };
        }
    }

    /** Learns of a dead letter found in the dead-letter queue (at start, or from another node). */
    public void hydrateFailed(JobMessage deadLetter) {
        JobEntry fresh = new JobEntry(sequence.incrementAndGet(), deadLetter, Phase.FAILED);
        fresh.outcomes.put(deadLetter.key(), new Outcome(deadLetter.key(), Outcome.Kind.DEAD, Optional.empty(), true));
        fresh.hydrated = true;
        add(fresh);
    }

    /** Learns of a job waiting on the main queue (at start). */
    public void hydratePending(JobMessage waiting) {
        JobEntry fresh = new JobEntry(sequence.incrementAndGet(), waiting, Phase.PENDING);
        fresh.hydrated = true;
        add(fresh);
    }

    /** Whether the entry was learned from the broker and this node neither ran nor retried its job since. */
    public boolean isHydrated(JobEntry entry) {
        synchronized (entry) {
            return entry.hydrated;
        }
    }

    /**
     * The ids of the queue's {@linkplain #isHydrated hydrated} entries, split by where the broker
     * should hold them: {@code true} the dead letters, {@code false} the waiting jobs.
     */
    public Map<Boolean, List<String>> hydratedIds(String queue) {
        return jobs(queue).jobs.values().stream()
                .filter(this::isHydrated)
                .collect(Collectors.partitioningBy(this::isFailed,
                        Collectors.mapping(entry -> entry.jobId, Collectors.toList())));
    }

    /**
     * Forgets a {@linkplain #isHydrated hydrated} entry that the broker no longer holds where the entry
     * says (another node ran, retried or discarded its job), unless this node took it up meanwhile.
     *
     * @param onBroker where the broker holds the job now: {@code true} a dead letter, {@code false}
     *     on the queue, empty nowhere it shows
     * @return whether the entry was forgotten
     */
    public boolean dropHydrated(String queue, String jobId, Optional<Boolean> onBroker) {
        return entry(queue, jobId).map(entry -> {
            synchronized (entry) {
                boolean stillThere = onBroker.isPresent() && onBroker.get() == (entry.phase == Phase.FAILED);
                if (!entry.hydrated || entry.inFlight.isPresent() || stillThere) {
                    return false;
                }
                forget(entry);
                return true;
            }
        }).orElse(false);
    }

    /**
     * The jobs of the queue this node sent (enqueued, retried after a failure here, or moved back from
     * the dead letters) that wait for a worker, ready for at least {@code grace}: any node's worker may
     * have taken them since, which this node does not see. Not those delayed, or sent in a transaction
     * still open, which the broker shows no browser yet. Up to {@code max}, those looked for least
     * recently first, so that a backlog still waiting does not keep the others from ever being looked
     * for; each is marked looked for at {@code now}.
     *
     * @return job id to the attempt whose message the broker should hold, in the order chosen
     */
    public Map<String, AttemptKey> sentToCheck(String queue, Instant now, Duration grace, int max) {
        record Candidate(JobEntry entry, Optional<Instant> checkedAt, Instant availableAt) {
        }
        Comparator<Candidate> first = Comparator.comparing((Candidate c) -> c.checkedAt().orElse(Instant.MIN))
                .thenComparing(Candidate::availableAt).thenComparingLong(c -> c.entry().seq);
        // The first max in a heap whose head is the last of them: a backlog of n costs n log max, not a
        // sort of n.
        PriorityQueue<Candidate> firstOnes = new PriorityQueue<>(Math.max(1, max) + 1, first.reversed());
        for (JobEntry entry : jobs(queue).jobs.values()) {
            Candidate candidate;
            synchronized (entry) {
                if (!sentAndWaiting(entry, now, grace)) {
                    continue;
                }
                candidate = new Candidate(entry, entry.checkedAt, entry.availableAt);
            }
            if (firstOnes.size() < max) {
                firstOnes.add(candidate);
            } else if (max > 0 && first.compare(candidate, firstOnes.peek()) < 0) {
                firstOnes.poll();
                firstOnes.add(candidate);
            }
        }
        List<JobEntry> chosen = firstOnes.stream().sorted(first).map(Candidate::entry).toList();
        Map<String, AttemptKey> keys = new LinkedHashMap<>();
        for (JobEntry entry : chosen) {
            synchronized (entry) {
                if (sentAndWaiting(entry, now, grace)) {
                    entry.checkedAt = Optional.of(now);
                    keys.put(entry.jobId, entry.current.orElseThrow());
                }
            }
        }
        return keys;
    }

    /**
     * Forgets an entry of {@link #sentToCheck} whose message the broker no longer holds on the queue:
     * another node's worker took its job (and ran it, or runs it now). Found as a dead letter there,
     * the entry becomes that failed job, as if read from the broker. Kept when this node took the job
     * up or sent a later attempt of it meanwhile.
     *
     * @param key the attempt {@link #sentToCheck} gave for the job
     * @param deadLetter the job's dead letter, if the dead-letter queue holds one
     * @return whether the entry was forgotten
     */
    public boolean dropSentGone(String queue, String jobId, AttemptKey key, Optional<JobMessage> deadLetter,
                                Instant now, Duration grace) {
        Optional<JobEntry> entry = entry(queue, jobId);
        if (entry.isEmpty()) {
            return false;
        }
        synchronized (entry.get()) {
            if (!entry.get().current.equals(Optional.of(key)) || !sentAndWaiting(entry.get(), now, grace)) {
                return false;
            }
            forget(entry.get());
        }
        deadLetter.ifPresent(this::hydrateFailed);
        return true;
    }

    /** See {@link #sentToCheck}; under the entry's monitor. */
    private static boolean sentAndWaiting(JobEntry entry, Instant now, Duration grace) {
        return entry.phase == Phase.PENDING && !entry.hydrated && !entry.sendUncommitted && entry.inFlight.isEmpty()
                && !entry.availableAt.plus(grace).isAfter(now)
                && entry.outcomes.values().stream().allMatch(Outcome::committed);
    }

    /**
     * Records that a dead letter was sent back to the main queue as {@code retried}. Called once the move
     * committed, when a worker may have taken the retried message already: a job that failed again in
     * that round (or a later one) stays failed, rather than wait here for a message the broker no longer
     * holds until the check against the broker finds its new dead letter.
     */
    public void retried(JobMessage retried) {
        JobEntry entry = add(new JobEntry(sequence.incrementAndGet(), retried, Phase.PENDING));
        change(entry, e -> {
            if (e.phase == Phase.FAILED && !endedInRound(e, retried.key().round())) {
                e.hydrated = false;
                e.job = retried;
                e.phase = Phase.PENDING;
                e.availableAt = retried.availableAt();
                e.current = Optional.of(retried.key());
            }
        });
    }

    /** Whether an attempt of the entry's job in {@code round} or a later one ended; under the entry's monitor. */
    private static boolean endedInRound(JobEntry entry, int round) {
        return entry.outcomes.keySet().stream().anyMatch(done -> done.round() >= round);
    }

    /** Forgets a failed job whose dead letter was removed from the broker. */
    public void discarded(String queue, String jobId) {
        entry(queue, jobId).ifPresent(entry -> {
            synchronized (entry) {
                if (entry.phase == Phase.FAILED) {
                    forget(entry);
                }
            }
        });
    }

    /** One job's entry. */
    public Optional<JobEntry> entry(String queue, String jobId) {
        return Optional.ofNullable(jobs(queue).jobs.get(jobId));
    }

    /**
     * Completes once the attempt of the entry's job under way here has settled with its JMS transaction (committed
     * or rolled back); completed already when none is. A worker records an attempt's outcome, which counts and
     * records show, before its transaction commits what follows from it, such as the dead letter of a job that
     * failed for good.
     */
    public CompletableFuture<Void> settled(JobEntry entry) {
        synchronized (entry) {
            return entry.inFlightDone;
        }
    }

    /** Whether the entry is a failed job (a dead letter). */
    public boolean isFailed(JobEntry entry) {
        synchronized (entry) {
            return entry.phase == Phase.FAILED;
        }
    }

    /** The round the entry's job is in. */
    public int round(JobEntry entry) {
        synchronized (entry) {
            return entry.outcomes.keySet().stream().mapToInt(AttemptKey::round).max().orElse(0);
        }
    }

    /** Counts per state; completed counts every job completed here, also those whose records were dropped. */
    public JobCounts counts(String queue, Instant now) {
        return jobs(queue).tally.counts(now);
    }

    /** When the queue's oldest waiting job became due, as far as this node knows; see {@link #counts}. */
    public Optional<Instant> oldestWaitingSince(String queue, Instant now) {
        return jobs(queue).tally.oldestWaitingSince(now);
    }

    /** Records in a state, newest first. */
    public List<JobRecord> list(String queue, JobState state, int offset, int limit, Instant now) {
        return listed(queue, state, Optional.empty(), now).skip(offset).limit(limit).map(Row::record).toList();
    }

    /**
     * Records in a state listed after a position, newest first (the order of {@link #list}); a page's next
     * position is {@code c}, the creation time of its last job, {@code /} and its job id, which breaks ties
     * between jobs created at the same instant the same way on every node.
     *
     * @throws IllegalArgumentException for a position not of that form
     */
    public JobPage listAfter(String queue, JobState state, Optional<String> after, int limit, Instant now) {
        List<Row> page = listed(queue, state, after.map(JobRegistry::positionOf), now).limit(limit).toList();
        return new JobPage(page.stream().map(Row::record).toList(), page.size() < limit || page.isEmpty()
                ? Optional.empty() : Optional.of(page.get(page.size() - 1).position().toString()));
    }

    /**
     * Where a job stands in the list: by its creation, newest first, then by its job id (unique in its queue), not
     * by this node's entry number, which another node, learning of the jobs in another order, gives otherwise.
     */
    private record Position(Instant createdAt, String jobId) implements Comparable<Position> {

        @Override
        public int compareTo(Position other) {
            int byCreation = createdAt.compareTo(other.createdAt);
            return byCreation != 0 ? byCreation : jobId.compareTo(other.jobId);
        }

        @Override
        public String toString() {
            return "c" + createdAt + "/" + jobId;
        }
    }

    private record Row(Position position, JobRecord record) {
    }

    private Stream<Row> listed(String queue, JobState state, Optional<Position> after, Instant now) {
        return jobs(queue).jobs.values().stream()
                .map(entry -> {
                    synchronized (entry) {
                        JobRecord record = entry.toRecord(now);
                        return new Row(new Position(record.createdAt(), record.jobId()), record);
                    }
                })
                .filter(row -> row.record().state() == state)
                .filter(row -> after.map(position -> row.position().compareTo(position) < 0).orElse(true))
                .sorted(Comparator.comparing(Row::position).reversed());
    }

    private static Position positionOf(String text) {
        // An instant has no '/'; a job id may.
        int slash = text.indexOf('/');
        try {
            if (text.startsWith("c") && slash > 1 && slash < text.length() - 1) {
                return new Position(Instant.parse(text.substring(1, slash)), text.substring(slash + 1));
            }
        } catch (DateTimeException e) {
            // refused below
        }
        throw new IllegalArgumentException("NVENT-0635 '" + text + "' is no position in a job list of the JMS queue"
                + " (c, a job's creation time, / and its job id, as a page's next gave it); list the first page again");
    }

    /**
     * The record of a job read from the broker rather than held here: failed for its dead letter,
     * else waiting (delayed while its due time, by this node's clock, has not come).
     */
    public static JobRecord brokerRecord(JobMessage message, boolean deadLetter, Instant now) {
        return new JobEntry(0, message, deadLetter ? Phase.FAILED : Phase.PENDING).toRecord(now);
    }

    /** One job's record. */
    public Optional<JobRecord> record(String queue, String jobId, Instant now) {
        return entry(queue, jobId).map(entry -> {
            synchronized (entry) {
                return entry.toRecord(now);
            }
        });
    }
}
