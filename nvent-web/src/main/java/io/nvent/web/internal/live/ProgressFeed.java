package io.nvent.web.internal.live;

import io.nvent.StepProgress;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Sends the clients that follow a run (subscribed to it by id) how far its running steps have come, as
 * {@code progress} messages: once a round (a second), one read of the store per followed run
 * ({@link io.nvent.FlowService#progress}), a message per step whose progress changed since the last
 * round, and every step's to a client that began following the run since. A step's progress is a
 * step's lease's in the store, not a history entry, so it reaches the stream this way and not through the
 * event stream: from whichever instance runs the step, to clients of every instance over the store.
 */
final class ProgressFeed {

    private static final System.Logger LOG = System.getLogger(ProgressFeed.class.getName());

    private final Function<String, Map<String, StepProgress>> progressOf;
    /** The progress sent last, by run, then step. */
    private final Map<String, Map<String, StepProgress>> sent = new HashMap<>();
    /** The clients that followed each run in the last round, by id. */
    private final Map<String, Set<LiveClient>> followedBy = new HashMap<>();

    ProgressFeed(Function<String, Map<String, StepProgress>> progressOf) {
        this.progressOf = progressOf;
    }

    /** One round over the clients connected now. */
    synchronized void round(Collection<LiveClient> clients) {
        Map<String, Set<LiveClient>> followers = new HashMap<>();
        Map<String, String> flows = new HashMap<>();
        for (LiveClient client : clients) {
            client.followedRuns().forEach((runId, flow) -> {
                followers.computeIfAbsent(runId, id -> new HashSet<>()).add(client);
                flows.put(runId, flow);
            });
        }
        sent.keySet().retainAll(followers.keySet());
        followers.forEach((runId, following) -> {
            Map<String, StepProgress> now;
            try {
                now = progressOf.apply(runId);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "the progress of run {0} was not read: {1}", runId, e.toString());
                return;
            }
            Map<String, StepProgress> before = sent.getOrDefault(runId, Map.of());
            Set<LiveClient> earlierFollowers = followedBy.getOrDefault(runId, Set.of());
            now.forEach((step, progress) -> {
                String message = Messages.progress(runId, flows.get(runId), step, progress);
                boolean changed = !progress.equals(before.get(step));
                following.stream().filter(client -> changed || !earlierFollowers.contains(client))
                        .forEach(client -> client.aboutRun(runId, message));
            });
            sent.put(runId, Map.copyOf(now));
        });
        followedBy.clear();
        followedBy.putAll(followers);
    }
}
