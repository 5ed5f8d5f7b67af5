package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.FailedAttempt;
import io.nvent.RetryDecider;
import io.nvent.RetryDecision;
import io.nvent.spi.JobExecution;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The decisions kept between a queue's question and the failure's report stay few, whatever the queue does. */
class RetryDecisionsTest {

    /** Always retries after a second. */
    public static final class OneSecond implements RetryDecider {
        @Override
        public RetryDecision decide(FailedAttempt failed) {
            return RetryDecision.retryAfter(Duration.ofSeconds(1));
        }
    }

    @Test
    void decisionsAQueueNeverReportsTheFailureOfAreNotKeptForEver() {
        RetryDecisions decisions = new RetryDecisions();

        for (int job = 0; job < 3 * RetryDecisions.MOST_UNRECORDED; job++) {
            decisions.decide(attempt("job-" + job), OneSecond.class, new FailedAttempt("run-" + job, "flow", "step",
                    1, 3, new IllegalStateException("away"), Duration.ofSeconds(1)));
        }

        assertThat(decisions.kept()).isEqualTo(RetryDecisions.MOST_UNRECORDED);
        assertThat(decisions.takeFor(attempt("job-" + (3 * RetryDecisions.MOST_UNRECORDED - 1))))
                .as("the latest kept").isPresent();
        assertThat(decisions.takeFor(attempt("job-0"))).as("the oldest dropped").isEmpty();
    }

    private static JobExecution attempt(String jobId) {
        return new JobExecution("flow", jobId, "step", "{}", 1, 3, false);
    }
}
