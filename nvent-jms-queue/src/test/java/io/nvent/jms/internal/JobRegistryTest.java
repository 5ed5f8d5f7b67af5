package io.nvent.jms.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.RetryPolicy;
import io.nvent.spi.JobCounts;
import io.nvent.spi.JobRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the registry holds of a continuation, which has no message to bring it back. */
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
}
