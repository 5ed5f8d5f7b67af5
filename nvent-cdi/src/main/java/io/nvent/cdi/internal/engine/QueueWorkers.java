package io.nvent.cdi.internal.engine;

import io.nvent.cdi.NventConfig;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * How many workers this instance runs for each queue, from {@code nvent.queue.concurrency} (every queue,
 * at least 1), {@code nvent.queue.<name>.concurrency} (one queue; 0 runs none here) and one of
 * {@code nvent.queues.include} or {@code nvent.queues.exclude} (queue names separated by commas): a
 * worker pool, instances that alone take some queues (a GPU, a mounted share), or a queue drained off
 * an instance. A queue with no worker here still takes enqueues, pauses and redrives here; its steps
 * run on the instances that take it.
 *
 * @param workers the workers of each queue of the deployment on this instance, 0 for a queue left to
 *     other instances
 * @param unknownNames the names in {@code nvent.queues.include} or {@code exclude} that no deployed
 *     step uses: a typo there would leave a queue without workers, or take one by surprise
 */
record QueueWorkers(Map<String, Integer> workers, Set<String> unknownNames) {

    static final String INCLUDE = "nvent.queues.include";
    static final String EXCLUDE = "nvent.queues.exclude";
    private static final int DEFAULT_CONCURRENCY = 4;

    QueueWorkers {
        workers = Collections.unmodifiableMap(new TreeMap<>(workers));
        unknownNames = Collections.unmodifiableSet(new TreeSet<>(unknownNames));
    }

    /**
     * Reads the settings for the deployment's queues; an invalid value or combination is remembered
     * by {@code read} (reported with the others, NVENT-0191) and read as the default.
     */
    static QueueWorkers read(SettingsReading read, NventConfig config, Set<String> queues) {
        int defaultConcurrency = read.valid(() -> {
            // Any number first, so that 0 is told what it would mean; then below 1, as any value too small is.
            int value = config.getInt("nvent.queue.concurrency", DEFAULT_CONCURRENCY, Integer.MIN_VALUE);
            if (value == 0) {
                throw new IllegalArgumentException("NVENT-0439 configuration key nvent.queue.concurrency must be at"
                        + " least 1, was 0: for an instance that runs no step, set nvent.engine.enabled=false; to"
                        + " leave some queues to other instances, set " + INCLUDE + ", " + EXCLUDE
                        + " or nvent.queue.<name>.concurrency=0");
            }
            return config.getInt("nvent.queue.concurrency", DEFAULT_CONCURRENCY, 1);
        }, DEFAULT_CONCURRENCY);
        Optional<Set<String>> include = names(config, INCLUDE);
        Optional<Set<String>> exclude = names(config, EXCLUDE);
        if (include.isPresent() && exclude.isPresent()) {
            read.invalid("NVENT-0439 configuration keys " + INCLUDE + " (" + include.get() + ") and " + EXCLUDE + " ("
                    + exclude.get() + ") are both set; set one of them: the queues this instance takes, or those"
                    + " it leaves to other instances");
        }
        Map<String, Integer> workers = new TreeMap<>();
        for (String queue : queues) {
            String key = "nvent.queue." + queue + ".concurrency";
            // Empty when not set, or invalid (then reported as such, not as a contradiction).
            Optional<Integer> given = config.get(key).flatMap(text -> Optional.ofNullable(
                    read.valid(() -> config.getInt(key, defaultConcurrency, 0), null)));
            int concurrency = given.orElse(defaultConcurrency);
            Optional<String> leftBy = include.filter(taken -> !taken.contains(queue)).map(taken -> INCLUDE)
                    .or(() -> exclude.filter(left -> left.contains(queue)).map(left -> EXCLUDE));
            if (leftBy.isPresent() && concurrency > 0 && given.isPresent()) {
                read.invalid("NVENT-0439 configuration key " + key + " gives queue " + queue + " " + concurrency
                        + " workers on this instance, but " + leftBy.get() + " leaves it to other instances; drop"
                        + " one of them");
            }
            workers.put(queue, leftBy.isPresent() ? 0 : concurrency);
        }
        Set<String> unknown = new TreeSet<>(include.or(() -> exclude).orElse(Set.of()));
        unknown.removeAll(queues);
        return new QueueWorkers(workers, unknown);
    }

    /** The names a list setting gives, if it is set: separated by commas, blanks around them ignored. */
    private static Optional<Set<String>> names(NventConfig config, String key) {
        return config.get(key).map(text -> new TreeSet<>(Arrays.stream(text.split(",")).map(String::trim)
                .filter(name -> !name.isEmpty()).toList()));
    }

    /** The workers of a queue on this instance; 0 for a queue the deployment lacks. */
    int of(String queue) {
        return workers.getOrDefault(queue, 0);
    }

    /** The queues with no worker on this instance. */
    Set<String> leftToOthers() {
        Set<String> left = new TreeSet<>();
        workers.forEach((queue, count) -> {
            if (count == 0) {
                left.add(queue);
            }
        });
        return left;
    }

    /** The warnings about the settings that start can give, each with its id; none when all is well. */
    List<String> warnings(boolean memoryQueue) {
        List<String> warnings = new java.util.ArrayList<>();
        if (!unknownNames.isEmpty()) {
            warnings.add("NVENT-0440 " + (unknownNames.size() == 1 ? "queue " : "queues ") + unknownNames + " named in "
                    + INCLUDE + " or " + EXCLUDE + " " + (unknownNames.size() == 1 ? "is" : "are") + " used by no"
                    + " deployed step (the deployment's queues: " + workers.keySet() + "); a misspelt name there"
                    + " takes or leaves no queue");
        }
        Set<String> left = leftToOthers();
        if (memoryQueue && !left.isEmpty()) {
            warnings.add("NVENT-0441 " + (left.size() == 1 ? "queue " : "queues ") + left + " "
                    + (left.size() == 1 ? "has" : "have") + " no worker on this instance, and the memory queue"
                    + " (nvent.queue.adapter=memory) is not shared with other instances: their steps will never run"
                    + " in this deployment. Use a shared queue adapter (jms, postgres) for worker pools, or give"
                    + " these queues workers here");
        }
        return warnings;
    }

    /** The start's line about worker pools: the queues this instance takes and those it leaves; empty if it takes all. */
    Optional<String> startLine() {
        Set<String> left = leftToOthers();
        if (left.isEmpty()) {
            return Optional.empty();
        }
        Map<String, Integer> taken = new TreeMap<>(workers);
        taken.keySet().removeAll(left);
        return Optional.of("NVENT-0442 this instance takes queues " + taken + " (workers each) and leaves queues "
                + left + " to other instances (no worker here; " + INCLUDE + ", " + EXCLUDE
                + ", nvent.queue.<name>.concurrency=0)");
    }
}
