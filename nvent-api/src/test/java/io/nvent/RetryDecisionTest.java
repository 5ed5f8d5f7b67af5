package io.nvent;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A retry decider's decisions and the failed attempts it is asked about are checked when they are made. */
class RetryDecisionTest {

    @Test
    void aDecisionRetriesAfterADelayOrGivesUpForAReason() {
        assertThat(RetryDecision.retryAfter(Duration.ofSeconds(30))).satisfies(retry -> {
            assertThat(retry.retries()).isTrue();
            assertThat(retry.delay()).contains(Duration.ofSeconds(30));
            assertThat(retry.reason()).isEmpty();
        });
        assertThat(RetryDecision.giveUp("the account is closed")).satisfies(giveUp -> {
            assertThat(giveUp.retries()).isFalse();
            assertThat(giveUp.delay()).isEmpty();
            assertThat(giveUp.reason()).contains("the account is closed");
        });
        assertThat(RetryDecision.retryAfter(Duration.ZERO).delay()).contains(Duration.ZERO);
        assertThat(RetryDecision.retryAfter(RetryDecision.LONGEST_DELAY).delay()).contains(Duration.ofDays(1));
    }

    @Test
    void aDelayBelowZeroOrBeyondTheLongestAnyDelayMayBeIsRefused() {
        assertThatThrownBy(() -> RetryDecision.retryAfter(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0295 a retry decision's delay is from zero to 100 years"
                        + " (StartOptions.LONGEST_DELAY), was PT-0.001S");
        assertThatThrownBy(() -> RetryDecision.retryAfter(StartOptions.LONGEST_DELAY.plusMillis(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("NVENT-0295");
        assertThat(RetryDecision.retryAfter(Duration.ofDays(2)).delay())
                .as("as long as a step may declare: the engine checks it against the step's declared delay")
                .contains(Duration.ofDays(2));
        assertThatThrownBy(() -> RetryDecision.retryAfter(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void givingUpSaysWhyInAFewWords() {
        assertThatThrownBy(() -> RetryDecision.giveUp(" ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0296 a retry decision that gives up says why, in 1 to 1000 characters, was blank");
        assertThatThrownBy(() -> RetryDecision.giveUp("x".repeat(1001))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0296 a retry decision that gives up says why, in 1 to 1000 characters, was 1001"
                        + " characters");
        assertThatThrownBy(() -> RetryDecision.giveUp(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void aDecisionBuiltByHandIsEitherARetryOrAGivingUp() {
        assertThatThrownBy(() -> new RetryDecision(Optional.of(Duration.ZERO), Optional.of("why")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0295 a retry decision either retries after a delay or gives up for a reason, not both");
        assertThatThrownBy(() -> new RetryDecision(Optional.empty(), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageEndingWith("not neither");
    }

    @Test
    void aFailedAttemptNamesItsErrorAndIsOneThatHasAttemptsLeft() {
        FailedAttempt failed = new FailedAttempt("r1", "billing", "charge", 2, 5, new IOException("refused"),
                Duration.ofSeconds(2));
        assertThat(failed.errorType()).isEqualTo("java.io.IOException");
        assertThat(failed.message()).isEqualTo("refused");
        assertThat(new FailedAttempt("r1", "billing", "charge", 1, 2, new IllegalStateException(), Duration.ZERO)
                .message()).isEqualTo("java.lang.IllegalStateException");

        assertThatThrownBy(() -> new FailedAttempt("r1", "billing", "charge", 5, 5, new IOException(), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0294 a failed attempt asked about is from 1 to one below maxAttempts (the last is"
                        + " not asked about), was attempt 5 of 5");
        assertThatThrownBy(() -> new FailedAttempt("r1", "billing", "charge", 1, 5, new IOException(),
                Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("NVENT-0294");
        assertThatThrownBy(() -> new FailedAttempt("r1", "billing", "charge", 1, 5, null, Duration.ZERO))
                .isInstanceOf(NullPointerException.class);
    }
}
