package io.nvent.cdi.internal.engine;

import io.nvent.FailedAttempt;
import io.nvent.RetryDecider;
import io.nvent.RetryDecision;
import io.nvent.spi.JobExecution;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Asks steps' {@link RetryDecider}s about failed attempts, where the attempts failed, and keeps each decision
 * until the attempt's failure is recorded with it ({@link #takeFor}): a queue asks for the delay
 * ({@link io.nvent.spi.JobHandler#retryDelay}) just before it reports the failure, on the same thread.
 */
final class RetryDecisions {

    private static final System.Logger LOG = System.getLogger(RetryDecisions.class.getName());

    /** The field of a {@code step.retry} or {@code step.failed} entry naming the decider that decided. */
    static final String DECIDER = "retryDecider";
    /** The field of a {@code step.retry} entry with the delay the decider chose, in milliseconds. */
    static final String DELAY_MS = "delayMs";

    /** The most decisions kept unrecorded: many more than attempts can fail at once on one instance. */
    static final int MOST_UNRECORDED = 1_000;

    private volatile RetryDeciderInstances instances = RetryDeciderInstances.givenOrMade(Map.of());
    /**
     * Decisions not yet recorded, by job and attempt, the oldest dropped beyond {@link #MOST_UNRECORDED}: a
     * queue that asks and then never reports the failure (its report lost to an exception in between, or an
     * adapter's bug) would otherwise leave its decision here for good. A dropped decision loses only its
     * fields in the history, never the delay, which the queue already has. Taken on failures only.
     */
    private final Map<String, Decided> unrecorded = Collections.synchronizedMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Decided> eldest) {
            return size() > MOST_UNRECORDED;
        }
    });

    /**
     * A decider's decision about one attempt, as its failure records it.
     *
     * @param decider the decider's class name
     * @param delay the delay before the next attempt; empty when the decider gave up
     * @param gaveUpFor why the decider gave up
     * @param deciderFailure what went wrong when the decider was asked, if it did: the delay is then the
     *     declared one
     */
    record Decided(String decider, Optional<Duration> delay, Optional<String> gaveUpFor,
                   Optional<String> deciderFailure) {

        /** Adds the decision to a failed attempt's entry. */
        void describeIn(JsonText data) {
            data.str(DECIDER, decider);
            delay.ifPresent(chosen -> data.num(DELAY_MS, chosen.toMillis()));
            gaveUpFor.ifPresent(reason -> data.str("reason", reason));
            deciderFailure.ifPresent(failure -> data.str("retryDeciderFailed", failure));
        }
    }

    void use(RetryDeciderInstances value) {
        this.instances = value;
    }

    /**
     * Asks the decider about an attempt that has attempts left, and keeps its decision for the attempt's
     * record. A decider that cannot be had, throws or decides nothing leaves the declared delay, and is logged.
     *
     * @param job the attempt as the queue knows it (the key its failure is reported under)
     * @param failed the attempt as the step sees it
     */
    Decided decide(JobExecution job, Class<? extends RetryDecider> type, FailedAttempt failed) {
        Decided decided;
        try {
            RetryDeciderInstances.Held held = instances.obtain(type);
            RetryDecision decision;
            try {
                decision = held.decider().decide(failed);
            } finally {
                held.release().run();
            }
            if (decision == null) {
                throw new IllegalStateException("it returned no decision (null)");
            }
            Optional<Duration> tooLong = decision.delay().filter(delay -> delay.compareTo(RetryDecision.LONGEST_DELAY) > 0
                    && delay.compareTo(failed.declaredDelay()) > 0);
            if (tooLong.isPresent()) {
                throw new IllegalStateException("its delay of " + tooLong.get() + " is longer than a day"
                        + " (RetryDecision.LONGEST_DELAY) and than the step's declared delay of "
                        + failed.declaredDelay());
            }
            decided = new Decided(type.getName(), decision.delay(), decision.reason(), Optional.empty());
        } catch (RuntimeException | LinkageError failure) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0581 run " + failed.runId() + ": the retry decider "
                    + type.getName() + " of step " + failed.step() + " failed to decide about attempt "
                    + failed.attempt() + " (" + failure + "); the step is retried after its declared delay of "
                    + failed.declaredDelay().toMillis() + " ms", failure);
            decided = new Decided(type.getName(), Optional.of(failed.declaredDelay()), Optional.empty(),
                    Optional.of(String.valueOf(failure)));
        }
        unrecorded.put(key(job), decided);
        return decided;
    }

    /** The decision kept for the attempt, taken out: recorded once. */
    Optional<Decided> takeFor(JobExecution job) {
        return Optional.ofNullable(unrecorded.remove(key(job)));
    }

    /** How many decisions are kept unrecorded. */
    int kept() {
        return unrecorded.size();
    }

    private static String key(JobExecution job) {
        return job.queue() + '\n' + job.jobId() + '\n' + job.attempt();
    }
}
