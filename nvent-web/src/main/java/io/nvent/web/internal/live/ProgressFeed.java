package io.nvent.web.internal.live;

import io.nvent.StepProgress;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Sends the clients that follow a run (subscribed to it by id) how far its running steps have come, as
 * {@code progress} messages: once a round (a second), a read of the store ({@link io.nvent.FlowService#progress})
 * for each followed run that may have a running step ({@link RunCursor#mayHaveRunningSteps}: not one whose steps
 * all ended), at most {@link #maxRunsPerRound} of them, those read longest ago first; a message per step whose
 * progress changed since it was last read, and every step's to a client that began following the run since; a
 * {@code progress.cleared} message per step that showed progress when last read and shows none now (its attempt
 * ended, or failed and its retry reported nothing yet), to the clients that followed the run then. A
 * step's progress is a step's lease's in the store, not a history entry, so it reaches the stream this way and not
 * through the event stream: from whichever instance runs the step, to clients of every instance over the store.
 * A round does not begin while another is under way or waits to ({@link #roundOn}): a slow store makes rounds
 * fewer, it does not pile them up in the live stream's executor ahead of the messages to send.
 */
final class ProgressFeed {

    /** How many runs a round reads at most: with more followed, each is read every few seconds. */
    static final int MAX_RUNS_PER_ROUND = 20;

    private static final System.Logger LOG = System.getLogger(ProgressFeed.class.getName());

    private final Function<String, Map<String, StepProgress>> progressOf;
    private final int maxRunsPerRound;
    private final AtomicBoolean roundPlanned = new AtomicBoolean();
    /** The progress read last, by run, then step. */
    private final Map<String, Map<String, StepProgress>> sent = new HashMap<>();
    /** The clients that followed each run when it was last read, by id. */
    private final Map<String, Set<LiveClient>> followedBy = new HashMap<>();
    /** When each run was last read, as a count of reads: the one read longest ago goes first. */
    private final Map<String, Long> lastRead = new HashMap<>();
    private long reads;

    ProgressFeed(Function<String, Map<String, StepProgress>> progressOf) {
        this(progressOf, MAX_RUNS_PER_ROUND);
    }

    ProgressFeed(Function<String, Map<String, StepProgress>> progressOf, int maxRunsPerRound) {
        this.progressOf = progressOf;
        this.maxRunsPerRound = maxRunsPerRound;
    }

    /** Has {@code executor} make a round over {@code clients}, unless a round is under way or waits to begin. */
    void roundOn(Executor executor, Supplier<Collection<LiveClient>> clients) {
        if (!roundPlanned.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.execute(() -> {
                try {
                    round(clients.get());
                } finally {
                    roundPlanned.set(false);
                }
            });
        } catch (RejectedExecutionException stopping) {
            roundPlanned.set(false);
        }
    }

    /** One round over the clients connected now. */
    synchronized void round(Collection<LiveClient> clients) {
        Map<String, Set<LiveClient>> followers = new HashMap<>();
        Map<String, String> flows = new HashMap<>();
        Set<String> mayRun = new HashSet<>();
        for (LiveClient client : clients) {
            for (RunCursor cursor : client.followedRuns()) {
                followers.computeIfAbsent(cursor.runId(), id -> new HashSet<>()).add(client);
                flows.put(cursor.runId(), cursor.flow());
                if (cursor.mayHaveRunningSteps()) {
                    mayRun.add(cursor.runId());
                }
            }
        }
        // A run none of whose steps runs is not read; should one run again, every follower gets all it reports.
        sent.keySet().retainAll(mayRun);
        followedBy.keySet().retainAll(mayRun);
        lastRead.keySet().retainAll(mayRun);
        List<String> due = mayRun.stream()
                .sorted(Comparator.comparingLong((String runId) -> lastRead.getOrDefault(runId, 0L))
                        .thenComparing(Comparator.naturalOrder()))
                .limit(maxRunsPerRound).toList();
        for (String runId : due) {
            Map<String, StepProgress> now;
            try {
                now = progressOf.apply(runId);
            } catch (RuntimeException e) {
                // Its followers stay as they were: one that began following meanwhile gets it all once read.
                LOG.log(System.Logger.Level.DEBUG, "the progress of run {0} was not read: {1}", runId, e.toString());
                continue;
            }
            Set<LiveClient> following = followers.get(runId);
            Map<String, StepProgress> before = sent.getOrDefault(runId, Map.of());
            Set<LiveClient> earlierFollowers = followedBy.getOrDefault(runId, Set.of());
            now.forEach((step, progress) -> {
                String message = Messages.progress(runId, flows.get(runId), step, progress);
                boolean changed = !progress.equals(before.get(step));
                following.stream().filter(client -> changed || !earlierFollowers.contains(client))
                        .forEach(client -> client.aboutRun(runId, message));
            });
            before.keySet().stream().filter(step -> !now.containsKey(step)).forEach(step -> {
                String message = Messages.progressCleared(runId, flows.get(runId), step);
                following.stream().filter(earlierFollowers::contains).forEach(client -> client.aboutRun(runId,
                        message));
            });
            sent.put(runId, Map.copyOf(now));
            followedBy.put(runId, following);
            lastRead.put(runId, ++reads);
        }
    }
}
