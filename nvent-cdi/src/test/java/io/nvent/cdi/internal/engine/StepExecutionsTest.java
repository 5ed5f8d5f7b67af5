package io.nvent.cdi.internal.engine;

import io.nvent.StepProgress;
import io.nvent.cdi.internal.engine.StepExecutions.StepExecution;
import io.nvent.spi.JobExecution;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The executions of a step on one instance: the attempt each takes the step's lease for, and which of them the
 * queue's report of a timeout is about, when an operator's retry numbers a step's attempts from 1 again.
 */
class StepExecutionsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    private final StepExecutions executions = new StepExecutions();

    @Test
    void anExecutionTakesTheStepsLeaseForItsJobsAttemptWhenNoneOfTheStepRunsHere() {
        StepExecution first = executions.begin("run-1", "import", job("job-1", 1), TIMEOUT, 0);
        executions.end(first);

        StepExecution retry = executions.begin("run-1", "import", job("job-1", 2), TIMEOUT, 0);

        assertThat(first.leaseAttempt()).isEqualTo(1);
        assertThat(retry.leaseAttempt()).isEqualTo(2);
    }

    @Test
    void anOperatorsRetryBesideItsTimedOutAttemptStillRunningHereTakesTheLeaseForTheAttemptAboveIt() {
        StepExecution timedOut = executions.begin("run-1", "import", job("job-1", 1), TIMEOUT, 0);
        executions.markTimedOut("run-1", "import", job("job-1", 1));

        StepExecution retry = executions.begin("run-1", "import", job("job-2", 1), TIMEOUT, 0);
        StepExecution another = executions.begin("run-1", "import", job("job-3", 1), TIMEOUT, 0);

        assertThat(timedOut.leaseAttempt()).isEqualTo(1);
        assertThat(retry.attempt()).as("the attempt the step sees").isEqualTo(1);
        assertThat(retry.leaseAttempt()).isEqualTo(2);
        assertThat(another.leaseAttempt()).isEqualTo(3);
        assertThat(executions.begin("run-1", "other-step", job("job-4", 1), TIMEOUT, 0).leaseAttempt())
                .as("another step's").isEqualTo(1);
    }

    @Test
    void anExecutionTakesTheLeaseAboveALeaseOfTheStepWhoseReleaseIsStillToBeRetried() {
        assertThat(executions.begin("run-1", "import", job("job-2", 1), TIMEOUT, 1).leaseAttempt()).isEqualTo(2);
        assertThat(executions.begin("run-2", "import", job("job-3", 4), TIMEOUT, 1).leaseAttempt()).isEqualTo(4);
    }

    @Test
    void theTimeoutOfARedrivenJobsAttemptIsTheNewExecutionsNotTheOneTheQueueFailedBefore() {
        JobExecution attempt = job("job-1", 1);
        StepExecution timedOut = executions.begin("run-1", "import", attempt, TIMEOUT, 0);
        assertThat(executions.markTimedOut("run-1", "import", attempt)).containsExactly(timedOut);
        assertThat(executions.markTimedOut("run-1", "import", attempt)).as("asked again for the same report")
                .containsExactly(timedOut);

        StepExecution redriven = executions.begin("run-1", "import", attempt, TIMEOUT, 0);
        timedOut.reportsProgress(() -> Optional.of(progress(10)));
        redriven.reportsProgress(() -> Optional.of(progress(20)));

        assertThat(executions.markTimedOut("run-1", "import", attempt)).containsExactly(redriven);
        assertThat(executions.markTimedOut("run-1", "import", attempt)).as("asked again for the same report")
                .containsExactly(redriven);
        assertThat(executions.progressOfFailed("run-1", "import", attempt)).map(StepProgress::done).hasValue(20L);
    }

    @Test
    void anEndedExecutionsLeaseAttemptIsKeptForTheQueuesLaterReportOfItsTimeout() {
        executions.begin("run-1", "import", job("job-1", 1), TIMEOUT, 0);
        StepExecution retry = executions.begin("run-1", "import", job("job-2", 1), TIMEOUT, 0);
        executions.end(retry);

        assertThat(executions.leaseAttemptOfEnded(job("job-2", 1))).isEqualTo(2);
        assertThat(executions.leaseAttemptOfEnded(job("job-2", 1))).as("taken once").isEqualTo(1);
    }

    private static JobExecution job(String jobId, int attempt) {
        return new JobExecution("imports", jobId, "import", "{}", attempt, 3);
    }

    private static StepProgress progress(long done) {
        return new StepProgress(done, 100, Optional.empty(), Instant.EPOCH);
    }
}
