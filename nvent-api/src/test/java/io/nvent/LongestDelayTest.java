package io.nvent;

import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A delay beyond {@link StartOptions#LONGEST_DELAY} is refused where it is given, naming it, instead of
 * overflowing the due time when a run first waits on it.
 */
class LongestDelayTest {

    private static final Duration FOREVER = Duration.ofSeconds(Long.MAX_VALUE);

    @Test
    void aStartDelayOfAHundredYearsIsTakenAndALongerOneIsRefusedNamingIt() {
        assertThat(StartOptions.delayed(StartOptions.LONGEST_DELAY).delay()).contains(Duration.ofDays(36_525));

        assertThatThrownBy(() -> StartOptions.delayed(FOREVER)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0251 a start delay must be at most 36525 days (100 years, "
                        + "StartOptions.LONGEST_DELAY), was " + FOREVER);
        assertThatThrownBy(() -> StartOptions.newBuilder().delay(StartOptions.LONGEST_DELAY.plusMillis(1)))
                .as("the builder checks at once").hasMessageStartingWith("NVENT-0251 a start delay");
    }

    @Test
    void anAwaitsDelayOrTimeoutBeyondAHundredYearsIsRefused() {
        assertThatThrownBy(() -> await(FOREVER, Optional.empty())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0251 an await's delay must be at most 36525 days");
        assertThatThrownBy(() -> await(Duration.ofSeconds(1), Optional.of(FOREVER)))
                .hasMessageStartingWith("NVENT-0251 an await's timeout must be at most 36525 days");
    }

    @Test
    void aRetryDelayBeyondAHundredYearsIsRefused() {
        assertThatThrownBy(() -> RetryPolicy.newBuilder().initialDelay(FOREVER).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0251 a retry's maxDelay must be at most 36525 days")
                .hasMessageEndingWith("was " + FOREVER);
    }

    private static AwaitSpec await(Duration delay, Optional<Duration> timeout) {
        return new AwaitSpec(AwaitType.TIME, delay, Optional.empty(), ZoneOffset.UTC, Optional.empty(),
                Optional.empty(), timeout, TimeoutAction.FAIL, 0);
    }
}
