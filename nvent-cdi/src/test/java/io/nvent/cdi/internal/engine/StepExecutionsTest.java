package io.nvent.cdi.internal.engine;

import io.nvent.StepProgress;
import io.nvent.cdi.internal.engine.StepExecutions.StepExecution;
import io.nvent.spi.JobExecution;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The executions of a step on one instance: the attempt each takes the step's lease for, and which of them the
 * queue's report of a timeout is about, when an operator's retry numbers a step's attempts from 1 again.
 */
class StepExecutionsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    private final StepExecutions executions = new StepExecutions();

    @Test
    void anExecutionTakesTheStepsLeaseForItsJobsAttemptWhenNoneOfTheStepRunsHere() {
        StepExecution first = executions.begin("run-1", "import", job("job-1", 1), TIMEOUT);
        executions.end(first);

        StepExecution retry = executions.begin("run-1", "import", job("job-1", 2), TIMEOUT);

        assertThat(first.leaseAttempt()).isEqualTo(1);
        assertThat(retry.leaseAttempt()).isEqualTo(2);
    }

    @Test
    void anOperatorsRetryBesideItsTimedOutAttemptStillRunningHereTakesTheLeaseForTheAttemptAboveIt() {
        StepExecution timedOut = executions.begin("run-1", "import", job("job-1", 1), TIMEOUT);
        executions.markTimedOut("run-1", "import", job("job-1", 1));

        StepExecution retry = executions.begin("run-1", "import", job("job-2", 1), TIMEOUT);
        StepExecution another = executions.begin("run-1", "import", job("job-3", 1), TIMEOUT);

        assertThat(timedOut.leaseAttempt()).isEqualTo(1);
        assertThat(retry.attempt()).as("the attempt the step sees").isEqualTo(1);
        assertThat(retry.leaseAttempt()).isEqualTo(2);
        assertThat(another.leaseAttempt()).isEqualTo(3);
        assertThat(executions.begin("run-1", "other-step", job("job-4", 1), TIMEOUT).leaseAttempt())
                .as("another step's").isEqualTo(1);
    }

    @Test
    void anExecutionTakesTheLeaseAboveALeaseOfTheStepWhoseReleaseIsStillToBeRetriedUntilItIsGivenUp() {
        executions.leaseNotGivenUp("run-1", "import", 1);
        assertThat(executions.leasesToGiveUp()).singleElement().satisfies(left -> {
            assertThat(left.leaseAttempt()).isEqualTo(1);
            assertThat(left.reportOf()).isEmpty();
        });

        assertThat(executions.begin("run-1", "import", job("job-2", 1), TIMEOUT).leaseAttempt()).isEqualTo(2);
        assertThat(executions.begin("run-2", "import", job("job-3", 1), TIMEOUT).leaseAttempt())
                .as("another run's step").isEqualTo(1);
        executions.givenUp(executions.leasesToGiveUp().get(0));
        assertThat(executions.leasesToGiveUp()).isEmpty();
        assertThat(executions.begin("run-1", "other", job("job-4", 1), TIMEOUT).leaseAttempt()).isEqualTo(1);
    }

    @Test
    void theTimeoutOfARedrivenJobsAttemptIsTheNewExecutionsNotTheOneTheQueueFailedBefore() {
        JobExecution attempt = job("job-1", 1);
        StepExecution timedOut = executions.begin("run-1", "import", attempt, TIMEOUT);
        assertThat(executions.markTimedOut("run-1", "import", attempt)).containsExactly(timedOut);
        assertThat(executions.markTimedOut("run-1", "import", attempt)).as("asked again for the same report")
                .containsExactly(timedOut);

        StepExecution redriven = executions.begin("run-1", "import", attempt, TIMEOUT);
        timedOut.reportsProgress(() -> Optional.of(progress(10)));
        redriven.reportsProgress(() -> Optional.of(progress(20)));

        assertThat(executions.markTimedOut("run-1", "import", attempt)).containsExactly(redriven);
        assertThat(executions.markTimedOut("run-1", "import", attempt)).as("asked again for the same report")
                .containsExactly(redriven);
        assertThat(executions.progressOfFailed("run-1", "import", attempt)).map(StepProgress::done).hasValue(20L);
    }

    /**
     * The JMS queue reports a timeout once the attempt returned: the lease the timed-out execution kept as it ended
     * stays its own until then, and an execution beginning meanwhile (an operator's retry at attempt 1 again) takes
     * the lease for another attempt, so that the report's release cannot take the lease from under it.
     */
    @Test
    void anExecutionThatEndedPastItsTimeoutLeavesItsLeaseForTheQueuesReportAndTheNextTakesAnotherAttempt() {
        StepExecution timedOut = endedPastItsTimeout(job("job-1", 1), "import");

        StepExecution retry = executions.begin("run-1", "import", job("job-2", 1), TIMEOUT);

        assertThat(timedOut.leaseAttempt()).isEqualTo(1);
        assertThat(retry.leaseAttempt()).isEqualTo(2);
        assertThat(executions.leasesLeftBy("run-1", "import", job("job-1", 1))).singleElement()
                .satisfies(left -> assertThat(left.leaseAttempt()).isEqualTo(1));
        assertThat(executions.leasesLeftBy("run-1", "import", job("job-2", 1))).as("another job's").isEmpty();
        assertThat(executions.leasesToGiveUp()).as("left for the report, not the renewal round").isEmpty();

        executions.givenUp(executions.leasesLeftBy("run-1", "import", job("job-1", 1)).get(0));
        executions.end(retry);
        assertThat(executions.leasesLeftBy("run-1", "import", job("job-1", 1))).isEmpty();
        assertThat(executions.begin("run-1", "import", job("job-3", 1), TIMEOUT).leaseAttempt()).isEqualTo(1);
    }

    /**
     * A second delivery of the attempt, refused its start, took no lease, though it had an attempt above the running
     * one's to take it for; an execution that ended in time gave its lease up itself. Neither leaves one for the
     * queue's report, which gives up the lease of the execution that ended past its timeout.
     */
    @Test
    void onlyAnExecutionThatTookTheLeaseAndEndedPastItsTimeoutLeavesItsLease() {
        JobExecution attempt = job("job-1", 1);
        StepExecution first = executions.begin("run-1", "import", attempt, Duration.ofNanos(1));
        first.holdsLeaseUntil(Instant.EPOCH);
        StepExecution refused = executions.begin("run-1", "import", attempt, Duration.ofNanos(1));
        pastItsTimeout(refused);
        executions.end(refused);
        StepExecution inTime = executions.begin("run-1", "other", job("job-2", 1), TIMEOUT);
        inTime.holdsLeaseUntil(Instant.EPOCH);
        executions.end(inTime);
        pastItsTimeout(first);
        executions.end(first);

        assertThat(refused.leaseAttempt()).isEqualTo(2);
        assertThat(executions.leasesLeftBy("run-1", "import", attempt)).singleElement()
                .satisfies(left -> assertThat(left.leaseAttempt()).isEqualTo(1));
        assertThat(executions.leasesLeftBy("run-1", "other", job("job-2", 1))).isEmpty();
    }

    /**
     * Once the leases the executions of a timed-out attempt took are given up (after their writes under way ended),
     * an execution that ended meanwhile leaves none, and those still running leave none when they end.
     */
    @Test
    void theLeasesGivenUpAfterATimeoutAreNotLeftByTheExecutionsThatTookThem() {
        JobExecution attempt = job("job-1", 1);
        StepExecution ended = executions.begin("run-1", "import", attempt, Duration.ofNanos(1));
        ended.holdsLeaseUntil(Instant.EPOCH);
        StepExecution running = executions.begin("run-1", "import", attempt, Duration.ofNanos(1));
        running.holdsLeaseUntil(Instant.EPOCH);
        executions.markTimedOut("run-1", "import", attempt);
        executions.end(ended);
        assertThat(executions.leasesLeftBy("run-1", "import", attempt)).hasSize(1);

        executions.leasesGivenUp(List.of(ended, running));
        executions.end(running);

        assertThat(executions.leasesLeftBy("run-1", "import", attempt)).isEmpty();
        assertThat(executions.begin("run-1", "import", job("job-2", 1), TIMEOUT).leaseAttempt()).isEqualTo(1);
    }

    /**
     * Reports that never come (a queue that completed an attempt it did not find past its timeout) leave at most
     * {@link StepExecutions#MOST_FAILED_KEPT} leases waiting: the eldest go to the renewal round, which gives each up
     * while it is still that execution's; until then they still count.
     */
    @Test
    void theLeasesLeftForReportsThatNeverComeAreBoundedTheEldestLeftToTheRenewalRound() {
        int most = StepExecutions.MOST_FAILED_KEPT;
        for (int run = 0; run < most + 2; run++) {
            endedPastItsTimeout(job("job-" + run, 1), "import", "run-" + run);
        }

        assertThat(executions.leasesToGiveUp()).extracting(StepExecutions.LeaseLeft::runId)
                .containsExactlyInAnyOrder("run-0", "run-1");
        assertThat(executions.leasesLeftBy("run-0", "import", job("job-0", 1))).isEmpty();
        assertThat(executions.leasesLeftBy("run-2", "import", job("job-2", 1))).hasSize(1);
        assertThat(executions.begin("run-0", "import", job("job-x", 1), TIMEOUT).leaseAttempt())
                .as("still counted until given up").isEqualTo(2);
    }

    /**
     * The queue's report of the timeout came, and the engine gives up no lease for it (the step no longer waited
     * for the attempt): the leases the attempt's executions keep are forgotten, there being no other report.
     */
    @Test
    void theLeasesOfAnAttemptWhoseReportGivesUpNoneAreForgotten() {
        JobExecution attempt = job("job-1", 1);
        endedPastItsTimeout(attempt, "import");
        StepExecution running = executions.begin("run-1", "import", attempt, Duration.ofNanos(1));
        running.holdsLeaseUntil(Instant.EPOCH);

        executions.forgetLeasesOf("run-1", "import", attempt);
        pastItsTimeout(running);
        executions.end(running);

        assertThat(executions.leasesLeftBy("run-1", "import", attempt)).isEmpty();
    }

    /** An execution of {@code job} of step {@code step} of run-1 that took its lease and ended past its timeout. */
    private StepExecution endedPastItsTimeout(JobExecution job, String step) {
        return endedPastItsTimeout(job, step, "run-1");
    }

    private StepExecution endedPastItsTimeout(JobExecution job, String step, String runId) {
        StepExecution execution = executions.begin(runId, step, job, Duration.ofNanos(1));
        execution.holdsLeaseUntil(Instant.EPOCH);
        pastItsTimeout(execution);
        executions.end(execution);
        return execution;
    }

    /** Once {@code execution}, begun with a timeout of a nanosecond, is past it. */
    private static void pastItsTimeout(StepExecution execution) {
        await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).until(execution::isPastTimeout);
    }

    private static JobExecution job(String jobId, int attempt) {
        return new JobExecution("imports", jobId, "import", "{}", attempt, 3);
    }

    private static StepProgress progress(long done) {
        return new StepProgress(done, 100, Optional.empty(), Instant.EPOCH);
    }
}
