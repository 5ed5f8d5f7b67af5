package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nvent.BackoffType;
import io.nvent.RetryPolicy;
import io.nvent.spi.JobExecution;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class StepJobTest {

    @Test
    void aJobCarriesTheVersionOfTheRunWhoseWriteQueuedIt() {
        StepJob job = new StepJob("run-1", "parcel", "send", OptionalLong.of(12));

        assertThat(StepJob.parse(job.toJson())).isEqualTo(job);
    }

    @Test
    void aJobWithTermsItCannotReadIsNoStepJob() {
        assertThatThrownBy(() -> StepJob.parse("{\"runId\":\"r\",\"flow\":\"parcel\",\"step\":\"send\","
                + "\"terms\":\"3,90000,3,SOMETIMES,1000,30000\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("terms are incomplete")
                .hasMessageContaining("SOMETIMES");
        assertThatThrownBy(() -> StepJob.parse("{\"runId\":\"r\",\"flow\":\"parcel\",\"step\":\"send\","
                + "\"terms\":\"3,90000\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("6 comma-separated values");
    }

    @Test
    void aJobQueuedBeforeVersionsWereRecordedHasNone() {
        StepJob job = StepJob.parse("{\"runId\":\"run-1\",\"flow\":\"parcel\",\"step\":\"send\"}");

        assertThat(job).isEqualTo(new StepJob("run-1", "parcel", "send", OptionalLong.empty()));
        assertThat(StepJob.parse(job.toJson())).isEqualTo(job);
    }

    @Test
    void aJobReadsPastFieldsOfALaterRelease() {
        StepJob job = StepJob.parse("{\"runId\":\"run-1\",\"later\":{\"step\":\"other\",\"list\":[{\"flow\":\"x\"}]},"
                + "\"flow\":\"parcel\",\"step\":\"send\",\"version\":3}");

        assertThat(job).isEqualTo(new StepJob("run-1", "parcel", "send", OptionalLong.of(3)));
    }

    @Test
    void aPayloadThatIsNotAStepJobIsRefusedWithWhatItHolds() {
        assertThatThrownBy(() -> StepJob.parse("{\"runId\":\"run-1\",\"flow\":\"parcel\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("step are required")
                .hasMessageContaining("run-1");
        assertThatThrownBy(() -> StepJob.parse("{\"runId\":7,\"flow\":\"parcel\",\"step\":\"send\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("VALUE_NUMBER");
    }

    private static final RetryPolicy THREE_ATTEMPTS = RetryPolicy.newBuilder().maxAttempts(3)
            .backoff(BackoffType.EXPONENTIAL).initialDelay(Duration.ofSeconds(1)).maxDelay(Duration.ofSeconds(30)).build();

    @Test
    void aJobCarriesItsTermsAndItsHandBacksSoThatAnInstanceWithoutTheStepCanQueueItAgainAlike() {
        StepJob job = new StepJob("run-1", "parcel", "send", OptionalLong.of(12))
                .withTerms(new StepJob.JobTerms(3, THREE_ATTEMPTS, Duration.ofSeconds(90)))
                .handedBack(new StepJob.HandBack(Instant.parse("2026-12-01T10:00:00Z"), 2)).afterAttempts(1);

        assertThat(StepJob.parse(job.toJson())).isEqualTo(job);
        assertThat(job.toJson()).as("every step job carries its terms: one short field")
                .contains("\"terms\":\"3,90000,3,EXPONENTIAL,1000,30000\"");
    }

    @Test
    void jobsOfStepsWithOtherTermsEachReadTheirOwn() {
        RetryPolicy fiveFixed = RetryPolicy.newBuilder().maxAttempts(5).backoff(BackoffType.FIXED)
                .initialDelay(Duration.ofSeconds(2)).maxDelay(Duration.ofSeconds(2)).build();
        StepJob three = new StepJob("run-1", "parcel", "send", OptionalLong.of(12))
                .withTerms(new StepJob.JobTerms(3, THREE_ATTEMPTS, Duration.ofSeconds(90)));
        StepJob five = new StepJob("run-2", "parcel", "send", OptionalLong.of(4))
                .withTerms(new StepJob.JobTerms(1, fiveFixed, Duration.ofSeconds(90)));

        for (int i = 0; i < 2; i++) {
            assertThat(StepJob.parse(three.toJson())).isEqualTo(three);
            assertThat(StepJob.parse(five.toJson())).isEqualTo(five);
        }
    }

    @Test
    void aStepWithListedDelaysAndOneWithTheBackoffTheyImplyEachKeepTheirOwnRetryPolicy() {
        // Both write the same terms text, 3,90000,3,EXPONENTIAL,1000,30000: only the listed one's schedule tells them apart.
        RetryPolicy listed = RetryPolicy.newBuilder().maxAttempts(3)
                .delays(Duration.ofSeconds(1), Duration.ofSeconds(30)).build();
        StepJob a = new StepJob("run-1", "parcel", "send", OptionalLong.of(12))
                .withTerms(new StepJob.JobTerms(3, listed, Duration.ofSeconds(90)));
        StepJob b = new StepJob("run-2", "parcel", "send", OptionalLong.of(4))
                .withTerms(new StepJob.JobTerms(3, THREE_ATTEMPTS, Duration.ofSeconds(90)));
        assertThat(a.toJson()).contains("\"terms\":\"3,90000,3,EXPONENTIAL,1000,30000\"");
        assertThat(b.toJson()).contains("\"terms\":\"3,90000,3,EXPONENTIAL,1000,30000\"");

        assertThat(StepJob.parse(b.toJson())).isEqualTo(b);
        assertThat(StepJob.parse(a.toJson())).as("not the policy of the step read before").isEqualTo(a);
        assertThat(StepJob.parse(b.toJson())).as("not the policy of the step read before").isEqualTo(b);
    }

    @Test
    void jobsOfManyMoreDistinctTermsThanAreKeptEachReadTheirOwnAndKeepTheirsBounded() {
        for (int priority = 0; priority < 2 * StepJob.MOST_TERMS_KEPT + 10; priority++) {
            StepJob job = new StepJob("run-" + priority, "parcel", "send", OptionalLong.of(1))
                    .withTerms(new StepJob.JobTerms(priority, THREE_ATTEMPTS, Duration.ofSeconds(90)));

            assertThat(StepJob.parse(job.toJson())).isEqualTo(job);
            assertThat(StepJob.termsKept()).isLessThanOrEqualTo(StepJob.MOST_TERMS_KEPT);
        }
    }

    @Test
    void aHandedBackJobsAttemptsCountOnFromTheAttemptsTheStepUsedBefore() {
        StepJob job = new StepJob("run-1", "parcel", "send", OptionalLong.empty())
                .handedBack(new StepJob.HandBack(Instant.parse("2026-12-01T10:00:00Z"), 1)).afterAttempts(1);
        String jobId = StepJob.handedBackJobId("run-1", "send", 7, 1);

        JobExecution attempt = StepJob.asStepAttempt(new JobExecution("q", jobId, "send", job.toJson(), 1, 2));

        assertThat(attempt.attempt()).isEqualTo(2);
        assertThat(attempt.maxAttempts()).isEqualTo(3);
        assertThat(StepJob.isRecoveryJob(jobId)).as("stores its start before it runs").isTrue();
        assertThat(StepJob.handedBackIndex(jobId, 7)).isEqualTo(OptionalInt.of(1));
        assertThat(StepJob.handedBackIndex(jobId, 8)).isEmpty();
    }

    @Test
    void aRecoveryJobAfterAnAttemptThatDidNotCountGoesOnAtThatAttempt() {
        StepJob job = new StepJob("run-1", "parcel", "send", OptionalLong.empty()).afterAttempts(2);
        String jobId = StepJob.recoveryJobId("run-1", "send", 6);

        JobExecution attempt = StepJob.asStepAttempt(new JobExecution("q", jobId, "send", job.toJson(), 1, 1));

        assertThat(StepJob.parse(job.toJson())).isEqualTo(job);
        assertThat(attempt.attempt()).isEqualTo(3);
        assertThat(attempt.maxAttempts()).isEqualTo(3);
        String fresh = new StepJob("run-1", "parcel", "send", OptionalLong.of(4)).toJson();
        assertThat(StepJob.asStepAttempt(new JobExecution("q", StepJob.jobId("run-1", "send"), "send", fresh,
                1, 3)).attempt()).as("only a job that runs a step again counts on").isEqualTo(1);
    }

    @Test
    void aLostJobQueuedAgainUnderItsUsualIdGoesOnAtTheAttemptItWasAt() {
        StepJob job = new StepJob("run-1", "parcel", "send", OptionalLong.empty()).afterAttempts(2);

        JobExecution attempt = StepJob.asStepAttempt(new JobExecution("q", StepJob.jobId("run-1", "send"), "send",
                job.toJson(), 1, 1));

        assertThat(attempt.attempt()).isEqualTo(3);
        assertThat(attempt.maxAttempts()).isEqualTo(3);
    }

    @Test
    void aHandedBackJobOfAnEarlierReleaseReadsAsOneTodayWrites() {
        String earlier = "{\"runId\":\"run-1\",\"flow\":\"parcel\",\"step\":\"send\","
                + "\"handedBackSince\":\"2026-12-01T10:00:00Z\",\"handBacks\":2,\"attemptsBefore\":1}";

        assertThat(StepJob.parse(earlier)).isEqualTo(new StepJob("run-1", "parcel", "send", OptionalLong.empty())
                .handedBack(new StepJob.HandBack(Instant.parse("2026-12-01T10:00:00Z"), 2)).afterAttempts(1));
        assertThat(new StepJob("run-1", "parcel", "send", OptionalLong.empty())
                .handedBack(new StepJob.HandBack(Instant.parse("2026-12-01T10:00:00Z"), 2)).toJson())
                .as("beside a hand-back even when none were used, as an earlier release requires")
                .contains("\"attemptsBefore\":0");
        assertThatThrownBy(() -> StepJob.parse("{\"runId\":\"r\",\"flow\":\"parcel\",\"step\":\"send\","
                + "\"attemptsBefore\":-1}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("attemptsBefore");
    }

    @Test
    void aJobHandedBackAfterAnAttemptKeepsTheAttemptsAndBackoffTheStepHasLeft() {
        RetryPolicy left = StepJob.remainingRetry(THREE_ATTEMPTS, 1);

        assertThat(left.maxAttempts()).isEqualTo(2);
        assertThat(left.delayBefore(2)).as("the step's third attempt").isEqualTo(THREE_ATTEMPTS.delayBefore(3));
        assertThat(StepJob.remainingRetry(THREE_ATTEMPTS, 0)).isEqualTo(THREE_ATTEMPTS);
    }

    private static final RetryPolicy LISTED = RetryPolicy.newBuilder().maxAttempts(5)
            .delays(Duration.ofSeconds(10), Duration.ofMinutes(1), Duration.ofMinutes(10)).jitter(0.2).build();

    @Test
    void aJobCarriesItsRetryScheduleBesideTheTermsAnEarlierReleaseReads() {
        StepJob job = new StepJob("run-1", "parcel", "send", OptionalLong.of(12))
                .withTerms(new StepJob.JobTerms(3, LISTED, Duration.ofSeconds(90)));

        assertThat(StepJob.parse(job.toJson())).isEqualTo(job);
        assertThat(job.toJson()).contains("\"terms\":\"3,90000,5,EXPONENTIAL,10000,600000\"")
                .contains("\"retrySchedule\":\"delays=10000/60000/600000;jitter=0.2\"");
        assertThat(StepJob.parse("{\"runId\":\"run-1\",\"flow\":\"parcel\",\"step\":\"send\","
                + "\"terms\":\"3,90000,3,EXPONENTIAL,1000,30000\"}").terms().orElseThrow().retry())
                .as("a job queued before there were schedules").isEqualTo(THREE_ATTEMPTS);
    }

    @Test
    void aJobOfAStepWithAJitterButNoListedDelaysCarriesItsJitter() {
        StepJob job = new StepJob("run-1", "parcel", "send", OptionalLong.of(12))
                .withTerms(new StepJob.JobTerms(3, THREE_ATTEMPTS.toBuilder().jitter(0.2).build(), Duration.ofSeconds(90)));

        assertThat(job.toJson()).contains("\"retrySchedule\":\"jitter=0.2\"");
        assertThat(StepJob.parse(job.toJson())).isEqualTo(job);
        assertThat(new StepJob("run-1", "parcel", "send", OptionalLong.of(12))
                .withTerms(new StepJob.JobTerms(3, THREE_ATTEMPTS, Duration.ofSeconds(90))).toJson())
                .as("a step without either carries no schedule").doesNotContain("retrySchedule");
    }

    @Test
    void aJobHandedBackAfterAnAttemptKeepsTheDelaysTheStepHasLeft() {
        RetryPolicy left = StepJob.remainingRetry(LISTED, 1);
        RetryPolicy last = StepJob.remainingRetry(LISTED, 3);

        assertThat(left.maxAttempts()).isEqualTo(4);
        assertThat(left.delayBefore(2)).as("the step's third attempt").isEqualTo(LISTED.delayBefore(3));
        assertThat(left.delayBefore(3)).isEqualTo(LISTED.delayBefore(4));
        assertThat(last.delays()).containsExactly(Duration.ofMinutes(10));
        assertThat(last.delayBefore(2)).as("the step's fifth attempt").isEqualTo(LISTED.delayBefore(5));
        assertThat(left.jitter()).isEqualTo(0.2);
    }

    @Test
    void aHandedBackJobIsDueAgainAfterADelayGrowingFromOneSecondToThirty() {
        assertThat(StepRunner.handBackDelay(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(StepRunner.handBackDelay(3)).isEqualTo(Duration.ofSeconds(4));
        assertThat(StepRunner.handBackDelay(6)).isEqualTo(Duration.ofSeconds(30));
        assertThat(StepRunner.handBackDelay(100)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void aJobCarriesItsTraceThroughItsTermsAndHandBacksAndReadsPastTraceFieldsOfALaterRelease() {
        StepJob job = new StepJob("run-1", "parcel", "send", OptionalLong.of(12))
                .withTrace(Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"))
                .withTerms(new StepJob.JobTerms(3, THREE_ATTEMPTS, Duration.ofSeconds(90)))
                .handedBack(new StepJob.HandBack(Instant.parse("2026-11-30T10:00:00Z"), 1));

        assertThat(StepJob.parse(job.toJson())).isEqualTo(job);
        assertThat(StepJob.parse("{\"runId\":\"run-1\",\"flow\":\"parcel\",\"step\":\"send\",\"trace\":"
                + "{\"traceparent\":\"t\",\"later\":{\"step\":\"other\"},\"baggage\":[1]},\"version\":3}"))
                .isEqualTo(new StepJob("run-1", "parcel", "send", OptionalLong.of(3)).withTrace(Map.of("traceparent", "t")));
        assertThat(StepJob.parse("{\"runId\":\"run-1\",\"flow\":\"parcel\",\"step\":\"send\",\"trace\":\"t\"}").trace())
                .as("a trace of another shape, of a later release").isEmpty();
    }

    @Test
    void aJobWithoutTraceIsWrittenAsBeforeTraces() {
        StepJob job = new StepJob("run-1", "parcel", "send", OptionalLong.of(12)).withTrace(Map.of());

        assertThat(job.toJson()).isEqualTo("{\"runId\":\"run-1\",\"flow\":\"parcel\",\"step\":\"send\",\"version\":12}");
    }
}
