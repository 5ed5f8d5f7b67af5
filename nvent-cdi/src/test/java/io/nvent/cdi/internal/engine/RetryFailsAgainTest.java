package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.RunInfo;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.spi.JobRecord;
import io.nvent.spi.JobState;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * "The partner is still down": an operator's retry of a failed step whose new attempt fails again at once
 * leaves the step failed with the new attempt's error and its job failed in the queue, ready to be retried again.
 */
class RetryFailsAgainTest {

    /** Fails while the partner is down, each time with the number of its run. */
    @FlowStep(flow = "payout", name = "transfer", role = StepRole.ENTRY, maxAttempts = 1)
    static class Transfer implements Step<Object, String> {
        final AtomicBoolean partnerDown = new AtomicBoolean(true);
        final AtomicInteger runs = new AtomicInteger();

        @Override
        public String execute(Object input, StepContext ctx) {
            int run = runs.incrementAndGet();
            if (partnerDown.get()) {
                throw new IllegalStateException("partner down (try " + run + ")");
            }
            return "sent";
        }
    }

    @Test
    void aRetriedStepThatFailsAgainShowsTheNewErrorAndItsJobStaysFailedForTheNextRetry() {
        Transfer step = new Transfer();
        try (EngineHarness h = new EngineHarness(step)) {
            String runId = h.engine.start("payout", null);
            h.awaitStatus(runId, RunStatus.FAILED);

            h.engine.retryStep(runId, "transfer");

            await().atMost(Duration.ofSeconds(10)).until(() -> h.eventsOf(runId, EventType.STEP_FAILED).size() == 2);
            RunInfo failed = h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(failed.steps()).containsEntry("transfer", StepStatus.FAILED);
            assertThat(failed.error()).hasValueSatisfying(error -> assertThat(error).contains("(try 2)"));
            List<JobRecord> deadLetters = h.queue.jobs("payout", JobState.FAILED, 0, 10);
            assertThat(deadLetters).as("the queue lists the job failed, with the new attempt's error").singleElement()
                    .satisfies(job -> assertThat(job.lastError()).hasValueSatisfying(error ->
                            assertThat(error).contains("(try 2)")));

            step.partnerDown.set(false);
            h.engine.retryStep(runId, "transfer");

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(h.queue.counts("payout").failed()).isZero();
        }
    }
}
