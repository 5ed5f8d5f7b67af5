package io.nvent.web.internal.security;

import io.nvent.cdi.VirtualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Failed logins from one address lock that address out for a growing while; the log stays readable. */
class LoginThrottleTest {

    private final VirtualClock clock = VirtualClock.startingAt(Instant.parse("2026-12-03T10:00:00Z"));
    private final LoginThrottle throttle = new LoginThrottle(clock, 3);

    private void failFourTimes(String address) {
        for (int i = 0; i < LoginThrottle.FREE_FAILURES - 1; i++) {
            throttle.failed(address);
        }
    }

    @Test
    void theFifthFailureLocksTheAddressOutForASecondAndEveryFurtherOneForTwiceAsLongUpToFiveMinutes() {
        failFourTimes("10.0.0.1");
        assertThat(throttle.refusedFor("10.0.0.1")).as("four failures are free").isEmpty();

        throttle.failed("10.0.0.1");
        assertThat(throttle.refusedFor("10.0.0.1")).contains(Duration.ofSeconds(1));
        assertThat(throttle.refusedFor("10.0.0.2")).as("another address").isEmpty();

        clock.advance(Duration.ofSeconds(1));
        assertThat(throttle.refusedFor("10.0.0.1")).isEmpty();
        throttle.failed("10.0.0.1");
        assertThat(throttle.refusedFor("10.0.0.1")).contains(Duration.ofSeconds(2));
        for (int i = 0; i < 12; i++) {
            throttle.failed("10.0.0.1");
        }
        assertThat(throttle.refusedFor("10.0.0.1")).contains(Duration.ofMinutes(5));
    }

    @Test
    void aSuccessfulLoginEndsTheEpisode() {
        failFourTimes("10.0.0.1");
        throttle.failed("10.0.0.1");
        clock.advance(Duration.ofSeconds(1));

        throttle.succeeded("10.0.0.1");
        throttle.failed("10.0.0.1");

        assertThat(throttle.refusedFor("10.0.0.1")).isEmpty();
    }

    @Test
    void theLockOutIsReportedOncePerEpisodeAndFailuresAtMostOnceAMinute() {
        assertThat(throttle.failed("10.0.0.1")).isEqualTo(new LoginThrottle.Reports(Optional.of(1L), Optional.empty()));
        for (int i = 0; i < LoginThrottle.FREE_FAILURES - 2; i++) {
            assertThat(throttle.failed("10.0.0.1").failures()).isEmpty();
        }
        assertThat(throttle.failed("10.0.0.1"))
                .isEqualTo(new LoginThrottle.Reports(Optional.empty(), Optional.of(Duration.ofSeconds(1))));
        clock.advance(Duration.ofMinutes(1));

        assertThat(throttle.failed("10.0.0.1")).as("five since the first report, locked since")
                .isEqualTo(new LoginThrottle.Reports(Optional.of(5L), Optional.empty()));
        clock.advance(LoginThrottle.WINDOW);
        assertThat(throttle.failed("10.0.0.1").failures()).as("a new episode").contains(1L);
    }

    @Test
    void memoryIsBoundedIdleAddressesAreForgottenAndTheLongestQuietMakesRoom() {
        failFourTimes("10.0.0.1");
        throttle.failed("10.0.0.2");
        throttle.failed("10.0.0.3");
        throttle.failed("10.0.0.4");

        assertThat(throttle.tracked()).isEqualTo(3);
        throttle.failed("10.0.0.1");
        assertThat(throttle.refusedFor("10.0.0.1")).as("forgotten: counted anew").isEmpty();

        clock.advance(LoginThrottle.WINDOW);
        assertThat(throttle.refusedFor("10.0.0.9")).isEmpty();
        assertThat(throttle.tracked()).isZero();
    }
}
