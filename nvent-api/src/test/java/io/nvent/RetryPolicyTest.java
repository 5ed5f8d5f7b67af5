package io.nvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nvent.spi.internal.RetrySchedule;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** A retry schedule given as a list of delays, and jitter that spreads the delays. */
class RetryPolicyTest {

    private static final Duration TEN_SECONDS = Duration.ofSeconds(10);
    private static final Duration ONE_MINUTE = Duration.ofMinutes(1);
    private static final Duration TEN_MINUTES = Duration.ofMinutes(10);

    private static RetryPolicy listed() {
        return RetryPolicy.newBuilder().delays(TEN_SECONDS, ONE_MINUTE, TEN_MINUTES).build();
    }

    @Test
    void aListedScheduleWaitsEachDelayBeforeItsAttemptAndTriesOnceMoreThanItLists() {
        RetryPolicy retry = listed();

        assertThat(retry.maxAttempts()).isEqualTo(4);
        assertThat(IntStream.rangeClosed(1, 4).mapToObj(retry::delayBefore))
                .containsExactly(Duration.ZERO, TEN_SECONDS, ONE_MINUTE, TEN_MINUTES);
    }

    @Test
    void attemptsBeyondTheListWaitItsLastDelay() {
        RetryPolicy retry = RetryPolicy.newBuilder().maxAttempts(6).delays(List.of(ONE_MINUTE, TEN_SECONDS)).build();

        assertThat(IntStream.rangeClosed(2, 6).mapToObj(retry::delayBefore))
                .containsExactly(ONE_MINUTE, TEN_SECONDS, TEN_SECONDS, TEN_SECONDS, TEN_SECONDS);
    }

    @Test
    void aListedScheduleShowsItsFirstAndLongestDelayAsInitialAndMaximumDelay() {
        RetryPolicy retry = RetryPolicy.newBuilder().delays(ONE_MINUTE, TEN_MINUTES, TEN_SECONDS).build();

        assertThat(retry.initialDelay()).isEqualTo(ONE_MINUTE);
        assertThat(retry.maxDelay()).isEqualTo(TEN_MINUTES);
        assertThat(retry.backoff()).isEqualTo(BackoffType.EXPONENTIAL);
        assertThat(retry.delays()).containsExactly(ONE_MINUTE, TEN_MINUTES, TEN_SECONDS);
        assertThat(retry.toBuilder().build()).isEqualTo(retry);
    }

    @Test
    void aPolicyWithoutListNorJitterRetriesAsBefore() {
        RetryPolicy retry = RetryPolicy.newBuilder().maxAttempts(5).initialDelay(TEN_SECONDS).maxDelay(ONE_MINUTE).build();

        assertThat(retry).isEqualTo(new RetryPolicy(5, BackoffType.EXPONENTIAL, TEN_SECONDS, ONE_MINUTE));
        assertThat(retry.delays()).isEmpty();
        assertThat(retry.jitter()).isZero();
        assertThat(IntStream.rangeClosed(2, 5).mapToObj(n -> retry.delayBefore(n, new Random())))
                .containsExactly(TEN_SECONDS, Duration.ofSeconds(20), Duration.ofSeconds(40), ONE_MINUTE);
        assertThat(retry.toBuilder().build()).isEqualTo(retry);
    }

    @Test
    void aPolicyWithAListIsEditedThroughItsBuilderAsOneWouldExpect() {
        RetryPolicy retry = listed().toBuilder().jitter(0.1).build();

        assertThat(retry.toBuilder().maxAttempts(1).build()).as("retries turned off")
                .isEqualTo(new RetryPolicy(1, BackoffType.EXPONENTIAL, TEN_SECONDS, TEN_MINUTES, List.of(), 0.1));
        assertThat(retry.toBuilder().maxAttempts(3).build().delays()).as("the list cut to the retries left")
                .containsExactly(TEN_SECONDS, ONE_MINUTE);
        assertThat(retry.toBuilder().maxAttempts(9).build().delays()).as("the last delay before every later attempt")
                .containsExactlyElementsOf(retry.delays());
        assertThat(retry.toBuilder().initialDelay(ONE_MINUTE).build()).as("the list dropped for the backoff")
                .isEqualTo(new RetryPolicy(4, BackoffType.EXPONENTIAL, ONE_MINUTE, TEN_MINUTES, List.of(), 0.1));
        assertThat(retry.toBuilder().backoff(BackoffType.FIXED).maxDelay(ONE_MINUTE).build())
                .isEqualTo(new RetryPolicy(4, BackoffType.FIXED, TEN_SECONDS, ONE_MINUTE, List.of(), 0.1));
        assertThat(retry.toBuilder().delays(TEN_SECONDS).build().delays()).containsExactly(TEN_SECONDS);
        RetryPolicy backoff = RetryPolicy.newBuilder().maxAttempts(3).backoff(BackoffType.FIXED).build();
        assertThat(backoff.toBuilder().delays(TEN_SECONDS, ONE_MINUTE).build().delays()).as("a list for a backoff")
                .containsExactly(TEN_SECONDS, ONE_MINUTE);
    }

    @Test
    void badListsAreRefusedSayingWhatIsWrong() {
        assertThatThrownBy(() -> RetryPolicy.newBuilder().delays().build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0263 a retry policy's delays list no delay; list at least one, or leave them unset"
                        + " for the backoff");
        assertThatThrownBy(() -> RetryPolicy.newBuilder().delays(TEN_SECONDS, Duration.ofSeconds(-1)).build())
                .hasMessage("NVENT-0263 a retry's delays must not be negative, the delay before attempt 3 was PT-1S"
                        + " (of [PT10S, PT-1S])");
        assertThatThrownBy(() -> RetryPolicy.newBuilder().delays(TEN_SECONDS, null).build())
                .hasMessage("NVENT-0263 a retry policy with delays [PT10S, null] lists a null delay");
        assertThatThrownBy(() -> RetryPolicy.newBuilder().delays(StartOptions.LONGEST_DELAY.plusDays(1)).build())
                .hasMessageStartingWith("NVENT-0251 a retry's delay before attempt 2 must be at most 36525 days");
        assertThatThrownBy(() -> RetryPolicy.newBuilder().maxAttempts(3).delays(TEN_SECONDS, ONE_MINUTE, TEN_MINUTES)
                .build()).hasMessage("NVENT-0263 a retry policy with delays [PT10S, PT1M, PT10M] lists 3 delays, more"
                        + " than the 2 retries of maxAttempts 3; drop the delays never waited, or raise maxAttempts"
                        + " (unset, it is one more than the delays listed)");
        assertThatThrownBy(() -> RetryPolicy.newBuilder().backoff(BackoffType.FIXED).maxDelay(ONE_MINUTE)
                .delays(TEN_SECONDS).build()).hasMessage("NVENT-0263 a retry policy with delays [PT10S] also sets"
                        + " backoff, maxDelay: the list is the whole schedule; give either the delays or the backoff");
        assertThatThrownBy(() -> new RetryPolicy(2, BackoffType.FIXED, TEN_SECONDS, TEN_SECONDS, List.of(TEN_SECONDS), 0))
                .hasMessageStartingWith("NVENT-0263 a retry policy with delays [PT10S] has backoff EXPONENTIAL");
    }

    @Test
    void jitterSpreadsEachDelayWithinItsFractionEitherWay() {
        RetryPolicy retry = RetryPolicy.newBuilder().maxAttempts(3).initialDelay(TEN_SECONDS).jitter(0.2).build();
        SplittableRandom random = new SplittableRandom(42);

        List<Duration> delays = IntStream.range(0, 1_000).mapToObj(i -> retry.delayBefore(2, random)).toList();

        assertThat(delays).allSatisfy(delay -> assertThat(delay).isBetween(Duration.ofSeconds(8), Duration.ofSeconds(12)));
        assertThat(delays.stream().distinct().count()).as("spread, not one delay").isGreaterThan(500);
        assertThat(delays).anySatisfy(d -> assertThat(d).isLessThan(Duration.ofMillis(8_200)))
                .anySatisfy(d -> assertThat(d).isGreaterThan(Duration.ofMillis(11_800)));
        assertThat(retry.delayBefore(2)).as("without a random, the delay as scheduled").isEqualTo(TEN_SECONDS);
        assertThat(retry.delayBefore(1, random)).isZero();
    }

    @Test
    void theSameSeedGivesTheSameDelays() {
        RetryPolicy retry = listed().toBuilder().jitter(0.5).build();
        Random one = new Random(7);
        Random other = new Random(7);

        assertThat(IntStream.rangeClosed(2, 4).mapToObj(n -> retry.delayBefore(n, one)))
                .containsExactlyElementsOf(IntStream.rangeClosed(2, 4).mapToObj(n -> retry.delayBefore(n, other)).toList());
    }

    @Test
    void fullJitterStaysBetweenNoDelayAndTwiceTheDelay() {
        RetryPolicy retry = listed().toBuilder().jitter(1).build();
        SplittableRandom random = new SplittableRandom(1);

        assertThat(IntStream.range(0, 1_000).mapToObj(i -> retry.delayBefore(4, random)))
                .allSatisfy(delay -> assertThat(delay).isBetween(Duration.ZERO, TEN_MINUTES.multipliedBy(2)));
    }

    @Test
    void aJitterOutsideZeroToOneIsRefused() {
        for (double jitter : new double[] {-0.1, 1.5, Double.NaN}) {
            assertThatThrownBy(() -> RetryPolicy.newBuilder().jitter(jitter).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("NVENT-0263 a retry's jitter is the fraction by which a delay is spread either way,"
                            + " from 0 (none) to 1 (between none and twice the delay), was " + jitter);
        }
    }

    @Test
    void aStoredScheduleReadsBackAndAPolicyStoredWithoutOneReadsAsItWas() {
        RetryPolicy retry = listed().toBuilder().jitter(0.25).build();

        assertThat(RetrySchedule.of(retry)).isEqualTo("delays=10000/60000/600000;jitter=0.25");
        assertThat(RetrySchedule.applied(new RetryPolicy(4, retry.backoff(), TEN_SECONDS, TEN_MINUTES),
                RetrySchedule.of(retry))).isEqualTo(retry);
        RetryPolicy fixed = new RetryPolicy(3, BackoffType.FIXED, TEN_SECONDS, TEN_SECONDS);
        assertThat(RetrySchedule.applied(fixed, null)).isEqualTo(fixed);
        RetryPolicy jitterOnly = RetryPolicy.newBuilder().maxAttempts(2).backoff(BackoffType.FIXED).jitter(0.1).build();
        assertThat(RetrySchedule.of(jitterOnly)).isEqualTo("jitter=0.1");
        assertThat(RetrySchedule.applied(RetryPolicy.newBuilder().maxAttempts(2).backoff(BackoffType.FIXED).build(),
                RetrySchedule.of(jitterOnly))).isEqualTo(jitterOnly);
        assertThat(RetrySchedule.of(RetryPolicy.NO_RETRY)).isEmpty();
    }

    @Test
    void aPolicyHasAScheduleToStoreOnlyWhenItListsDelaysOrHasAJitter() {
        RetryPolicy fixed = new RetryPolicy(3, BackoffType.FIXED, TEN_SECONDS, TEN_SECONDS);
        RetryPolicy jitterOnly = fixed.toBuilder().jitter(0.1).build();

        assertThat(RetrySchedule.isEmpty(RetryPolicy.NO_RETRY)).isTrue();
        assertThat(RetrySchedule.isEmpty(fixed)).isTrue();
        assertThat(RetrySchedule.isEmpty(listed())).isFalse();
        assertThat(RetrySchedule.isEmpty(jitterOnly)).isFalse();
        for (RetryPolicy retry : new RetryPolicy[] {RetryPolicy.NO_RETRY, fixed, listed(), jitterOnly}) {
            assertThat(RetrySchedule.of(retry).isEmpty()).as("as its text is").isEqualTo(RetrySchedule.isEmpty(retry));
        }
    }
}
