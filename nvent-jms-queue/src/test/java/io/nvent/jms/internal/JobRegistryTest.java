package io.nvent.jms.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.RetryPolicy;
import io.nvent.spi.JobCounts;
import io.nvent.spi.JobRequest;
import io.nvent.spi.JobState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What the registry holds of a continuation, which has no message to bring it back, of a dead letter sent
 * back whose new attempt a worker ran before the move was recorded, and which of the jobs this node sent it
 * looks for on the broker.
 */
class JobRegistryTest {

    private final Clock clock = Clock.systemUTC();
    private final JobRegistry registry = new JobRegistry(100, clock);

    private JobEntry running(String jobId) {
        RetryPolicy retry = RetryPolicy.newBuilder().maxAttempts(2).initialDelay(Duration.ofSeconds(1)).build();
        JobMessage job = JobMessage.first(JobRequest.of("orders", jobId, "charge", "{}").withRetry(retry),
                clock.instant());
        assertThat(registry.reserve(job)).isPresent();
        Decision decision = registry.begin(job, clock.instant());
        assertThat(decision).isInstanceOf(Decision.Run.class);
        return ((Decision.Run) decision).entry();
    }

    @Test
    void aContinuationWhoseRetryWasRolledBackIsForgottenSoItsOwnerEnqueuesItAgain() {
        JobEntry entry = running("run-1:charge");
        Outcome retry = registry.failed(entry, AttemptKey.FIRST, "boom", clock.instant(),
                Optional.of(clock.instant().plusSeconds(1)));
        registry.settle(entry, retry.key(), false);

        registry.forget(entry);

        assertThat(registry.record("orders", "run-1:charge", clock.instant())).isEmpty();
        assertThat(registry.counts("orders", clock.instant())).isEqualTo(new JobCounts(0, 0, 0, 0, 0));
        assertThat(registry.reserve(JobMessage.first(JobRequest.of("orders", "run-1:charge", "charge", "{}"),
                clock.instant()))).as("the id is free for the owner's enqueue").isPresent();
    }

    @Test
    void aCompletedContinuationStaysHeldOnceItsTransactionCommitted() {
        JobEntry entry = running("run-2:charge");
        Outcome done = registry.completed(entry, AttemptKey.FIRST, clock.instant());
        registry.settle(entry, done.key(), true);

        assertThat(registry.record("orders", "run-2:charge", clock.instant())).get()
                .satisfies(record -> assertThat(record.attempts()).hasSize(1));
        assertThat(registry.counts("orders", clock.instant()).completed()).isEqualTo(1);
    }

    @Test
    void aRetriedJobThatFailedAgainBeforeItsRetryWasRecordedStaysFailedWithBothAttempts() {
        JobMessage job = JobMessage.first(JobRequest.of("orders", "again", "charge", "{}")
                .withRetry(RetryPolicy.NO_RETRY), clock.instant());
        JobEntry entry = ((Decision.Run) registry.begin(job, clock.instant())).entry();
        Outcome dead = registry.failed(entry, AttemptKey.FIRST, "partner down (try 1)", clock.instant(), Optional.empty());
        registry.settle(entry, dead.key(), true);
        JobMessage deadLetter = registry.followUp(entry, dead).orElseThrow();
        JobMessage retried = deadLetter.forAttempt(deadLetter.key().nextRound(), clock.instant(), deadLetter.history());

        // A worker takes the moved message, and its attempt fails for good, before the move's commit is recorded.
        assertThat(registry.begin(retried, clock.instant())).isInstanceOf(Decision.Run.class);
        Outcome deadAgain = registry.failed(entry, retried.key(), "partner down (try 2)", clock.instant(),
                Optional.empty());
        registry.settle(entry, deadAgain.key(), true);
        registry.retried(retried);

        assertThat(registry.record("orders", "again", clock.instant())).get().satisfies(record -> {
            assertThat(record.state()).isEqualTo(JobState.FAILED);
            assertThat(record.attempts()).hasSize(2);
            assertThat(record.lastError()).hasValue("partner down (try 2)");
        });
        assertThat(registry.counts("orders", clock.instant()).failed()).isEqualTo(1);
        assertThat(registry.counts("orders", clock.instant()).waiting()).isZero();
    }

    private static final Duration GRACE = Duration.ofSeconds(5);

    /** A job this node enqueued, its send committed. */
    private JobEntry sent(String jobId, Instant at) {
        JobEntry entry = registry.reserve(JobMessage.first(JobRequest.of("orders", jobId, "charge", "{}"), at))
                .orElseThrow();
        registry.sendCommitted(entry);
        return entry;
    }

    private Map<String, AttemptKey> lookedFor(Instant now, int max) {
        return registry.sentToCheck("orders", now, GRACE, max);
    }

    @Test
    void aSentJobIsLookedForOnceItWasReadyForTheGraceAndItsSendCommitted() {
        Instant sentAt = clock.instant();
        JobEntry entry = registry.reserve(JobMessage.first(JobRequest.of("orders", "a", "charge", "{}"), sentAt))
                .orElseThrow();
        Instant later = sentAt.plus(GRACE);
        assertThat(lookedFor(later, 10)).as("its transaction still open").isEmpty();

        registry.sendCommitted(entry);

        assertThat(lookedFor(sentAt.plus(GRACE).minusMillis(1), 10)).as("sent moments ago").isEmpty();
        assertThat(lookedFor(later, 10)).containsExactly(Map.entry("a", AttemptKey.FIRST));
    }

    @Test
    void aDelayedJobIsNotLookedForBeforeItIsDue() {
        Instant sentAt = clock.instant();
        JobEntry entry = registry.reserve(JobMessage.first(JobRequest.of("orders", "later", "charge", "{}")
                .withDelay(Duration.ofHours(1)), sentAt)).orElseThrow();
        registry.sendCommitted(entry);

        assertThat(lookedFor(sentAt.plus(Duration.ofMinutes(59)), 10)).isEmpty();
        assertThat(lookedFor(sentAt.plus(Duration.ofHours(1)).plus(GRACE), 10)).containsKey("later");
    }

    @Test
    void aRetrySentHereIsLookedForOnlyOnceItsTransactionCommitted() {
        JobEntry entry = running("run-3:charge");
        Instant end = clock.instant();
        Outcome retry = registry.failed(entry, AttemptKey.FIRST, "boom", end, Optional.of(end.plusSeconds(1)));
        Instant later = end.plusSeconds(1).plus(GRACE);
        assertThat(lookedFor(later, 10)).as("its attempt still in flight").isEmpty();

        registry.settle(entry, retry.key(), true);

        assertThat(lookedFor(later, 10)).containsExactly(Map.entry("run-3:charge", AttemptKey.FIRST.next()));
    }

    @Test
    void theJobsLookedForLeastRecentlyComeFirstSoThatAWaitingBacklogHidesNone() {
        Instant at = clock.instant();
        sent("first", at);
        sent("second", at.plusMillis(1));
        sent("third", at.plusMillis(2));
        Instant check = at.plus(GRACE).plusSeconds(1);

        assertThat(lookedFor(check, 2).keySet()).containsExactly("first", "second");
        assertThat(lookedFor(check.plusSeconds(10), 2).keySet()).containsExactly("third", "first");
    }

    @Test
    void ofAManyJobsBacklogOnlyTheFirstToLookForAreChosenInTheirOrder() {
        Instant at = clock.instant();
        List<Integer> sentOrder = new java.util.ArrayList<>(java.util.stream.IntStream.range(0, 50).boxed().toList());
        java.util.Collections.shuffle(sentOrder, new java.util.Random(7));
        sentOrder.forEach(i -> sent("job-" + i, at.plusMillis(i)));
        Instant check = at.plus(GRACE).plusSeconds(1);

        assertThat(lookedFor(check, 3).keySet()).containsExactly("job-0", "job-1", "job-2");
        assertThat(lookedFor(check.plusSeconds(10), 3).keySet()).containsExactly("job-3", "job-4", "job-5");
        assertThat(lookedFor(check.plusSeconds(20), 0)).isEmpty();
    }

    @Test
    void aSentJobGoneFromTheBrokerIsForgottenUnlessThisNodeTookItUpMeanwhile() {
        Instant at = clock.instant();
        JobEntry taken = sent("taken-here", at);
        sent("taken-elsewhere", at);
        Instant check = at.plus(GRACE);
        Map<String, AttemptKey> keys = lookedFor(check, 10);
        assertThat(registry.begin(taken.job, check)).isInstanceOf(Decision.Run.class);

        List<Boolean> dropped = List.of(
                registry.dropSentGone("orders", "taken-here", keys.get("taken-here"), Optional.empty(), check, GRACE),
                registry.dropSentGone("orders", "taken-elsewhere", keys.get("taken-elsewhere"), Optional.empty(), check,
                        GRACE));

        assertThat(dropped).containsExactly(false, true);
        assertThat(registry.counts("orders", check)).isEqualTo(new JobCounts(0, 0, 1, 0, 0));
    }

    @Test
    void aJobListCursorOfOneNodeFollowedOnAnotherSkipsAndRepeatsNoJobCreatedAtTheSameInstant() {
        Instant at = clock.instant();
        List<JobMessage> jobs = List.of("j1", "j2", "j3", "j4").stream()
                .map(jobId -> JobMessage.first(JobRequest.of("orders", jobId, "charge", "{}"), at)).toList();
        jobs.forEach(job -> registry.sendCommitted(registry.reserve(job).orElseThrow()));
        JobRegistry otherNode = new JobRegistry(100, clock);
        // The other node learns of them from a browse of the broker, in its order, not in the order they were sent.
        for (int i = jobs.size() - 1; i >= 0; i--) {
            otherNode.hydratePending(jobs.get(i));
        }

        io.nvent.spi.JobPage first = registry.listAfter("orders", JobState.WAITING, Optional.empty(), 2, at);
        io.nvent.spi.JobPage second = otherNode.listAfter("orders", JobState.WAITING, first.next(), 2, at);

        assertThat(java.util.stream.Stream.concat(first.jobs().stream(), second.jobs().stream())
                .map(io.nvent.spi.JobRecord::jobId)).containsExactlyInAnyOrder("j1", "j2", "j3", "j4");
    }
}
