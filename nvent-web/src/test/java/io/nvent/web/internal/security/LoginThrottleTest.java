package io.nvent.web.internal.security;

import io.nvent.cdi.VirtualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Failed logins of one user from one address lock that user out there for a growing while, failures of many users
 * the whole address; the log stays readable.
 */
class LoginThrottleTest {

    private static final String HERE = "10.0.0.1";
    private final VirtualClock clock = VirtualClock.startingAt(Instant.parse("2026-12-03T10:00:00Z"));
    private final LoginThrottle throttle = new LoginThrottle(clock, 3);
    private final LoginThrottle roomy = new LoginThrottle(clock, LoginThrottle.MAX_TRACKED);

    private void fail(LoginThrottle throttle, String user, int times) {
        for (int i = 0; i < times; i++) {
            throttle.failed(HERE, user);
        }
    }

    private Optional<Duration> refusedFor(LoginThrottle throttle, String address, String user) {
        return throttle.refusedFor(address, user).map(LoginThrottle.Refusal::remaining);
    }

    @Test
    void theFifthFailureLocksTheUserOutThereForASecondAndEveryFurtherOneForTwiceAsLongUpToFiveMinutes() {
        fail(throttle, "admin", LoginThrottle.FREE_FAILURES - 1);
        assertThat(throttle.refusedFor(HERE, "admin")).as("four failures are free").isEmpty();

        throttle.failed(HERE, "admin");
        assertThat(throttle.refusedFor(HERE, "admin")).contains(new LoginThrottle.Refusal(Duration.ofSeconds(1), false));
        assertThat(throttle.refusedFor("10.0.0.2", "admin")).as("another address").isEmpty();

        clock.advance(Duration.ofSeconds(1));
        assertThat(throttle.refusedFor(HERE, "admin")).isEmpty();
        throttle.failed(HERE, "admin");
        assertThat(refusedFor(throttle, HERE, "admin")).contains(Duration.ofSeconds(2));
        fail(throttle, "admin", 12);
        assertThat(refusedFor(throttle, HERE, "admin")).contains(Duration.ofMinutes(5));
    }

    @Test
    void oneUsersWrongPasswordDoesNotLockOutAnotherUserFromTheSameAddress() {
        for (int i = 0; i < 40; i++) {
            clock.advance(LoginThrottle.MAX_LOCK);   // each after the lock-out before it, as a webhook retries
            roomy.failed(HERE, "partner-webhook");
        }

        assertThat(roomy.refusedFor(HERE, "partner-webhook")).isPresent();
        assertThat(roomy.refusedFor(HERE, "admin")).as("failures beyond a user's own lock-out do not count for the "
                + "address: they are slowed already").isEmpty();
    }

    @Test
    void failuresOfManyUserNamesFromOneAddressLockOutEveryLoginFromThere() {
        int users = LoginThrottle.ADDRESS_FREE_FAILURES / LoginThrottle.FREE_FAILURES;
        for (int user = 0; user < users - 1; user++) {
            fail(roomy, "user" + user, LoginThrottle.FREE_FAILURES);
        }
        fail(roomy, "last", LoginThrottle.FREE_FAILURES - 1);
        assertThat(roomy.refusedFor(HERE, "admin")).isEmpty();

        LoginThrottle.Reports ceiling = roomy.failed(HERE, "another");

        assertThat(ceiling.addressLockout()).contains(Duration.ofSeconds(1));
        assertThat(ceiling.userLockout()).isEmpty();
        assertThat(roomy.refusedFor(HERE, "admin")).contains(new LoginThrottle.Refusal(Duration.ofSeconds(1), true));
        assertThat(roomy.refusedFor("10.0.0.2", "admin")).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        roomy.failed(HERE, "yet-another");
        assertThat(refusedFor(roomy, HERE, "admin")).as("twice as long").contains(Duration.ofSeconds(2));
        clock.advance(LoginThrottle.WINDOW);
        assertThat(roomy.refusedFor(HERE, "admin")).isEmpty();
    }

    /**
     * An attacker tries every user name it can whenever it is not refused: the names it has locked out already
     * keep guessing at their own pace, and must not add up to more than the ceiling allows (the retries of one
     * locked-out user, a misconfigured sender, plus one guess per lock-out of the address).
     */
    @Test
    void namesLockedOutAlreadyCannotBeCycledToGuessMoreThanTheCeilingAllows() {
        List<String> tried = new ArrayList<>();
        Instant end = clock.instant().plus(Duration.ofHours(6));
        long failures = 0;
        while (clock.instant().isBefore(end)) {
            String fresh = "user" + tried.size();
            Optional<String> next = Stream.concat(tried.stream(), Stream.of(fresh))
                    .filter(user -> roomy.refusedFor(HERE, user).isEmpty()).findFirst();
            if (next.isEmpty()) {
                clock.advance(Duration.ofSeconds(1));
                continue;
            }
            if (next.get().equals(fresh)) {
                tried.add(fresh);
            }
            roomy.failed(HERE, next.get());
            failures++;
        }

        // after the ceiling's free failures, two per lock (the retrying user's, one guess in between the address's
        // lock-outs): at most one lock of MAX_LOCK after another, and the nine shorter ones before (1 s to 256 s)
        long locks = Duration.ofHours(6).dividedBy(LoginThrottle.MAX_LOCK) + 9;
        assertThat(failures).as("failures of %s user names", tried.size())
                .isLessThanOrEqualTo(LoginThrottle.ADDRESS_FREE_FAILURES + LoginThrottle.FREE_FAILURES + 2 * locks);
    }

    @Test
    void aUsersSuccessTakesItsOwnFailuresOffTheAddressesCountButNotOthers() {
        fail(roomy, "admin", LoginThrottle.ADDRESS_FREE_FAILURES / 2);   // locked out itself after the first five
        for (int i = 0; i < 4; i++) {
            fail(roomy, "alice", LoginThrottle.FREE_FAILURES - 1);
            roomy.succeeded(HERE, "alice");
        }
        assertThat(roomy.refusedFor(HERE, "bob")).as("alice's typos are forgiven").isEmpty();

        for (int user = 0; user < 3; user++) {
            fail(roomy, "guess" + user, LoginThrottle.FREE_FAILURES);
        }
        roomy.succeeded(HERE, "alice");

        assertThat(roomy.refusedFor(HERE, "bob")).as("a known password does not forgive guessing another's")
                .map(LoginThrottle.Refusal::everyUser).contains(true);
    }

    @Test
    void aUsersSuccessDoesNotTakeFailuresOfAnEarlierEpisodeOffTheAddressesCount() {
        fail(roomy, "admin", LoginThrottle.FREE_FAILURES);
        for (int retry = 0; retry < 3; retry++) {   // its own lock-out outlives the address's count
            clock.advance(LoginThrottle.MAX_LOCK);
            roomy.failed(HERE, "admin");
        }
        for (int user = 0; user < 3; user++) {
            fail(roomy, "guess" + user, LoginThrottle.FREE_FAILURES);
        }
        fail(roomy, "guess3", LoginThrottle.FREE_FAILURES - 1);

        roomy.succeeded(HERE, "admin");
        roomy.failed(HERE, "guess4");

        assertThat(roomy.refusedFor(HERE, "bob")).as("admin's failures were forgotten with the count they were in")
                .map(LoginThrottle.Refusal::everyUser).contains(true);
    }

    @Test
    void aSuccessfulLoginEndsTheUsersEpisode() {
        fail(throttle, "admin", LoginThrottle.FREE_FAILURES);
        clock.advance(Duration.ofSeconds(1));

        throttle.succeeded(HERE, "admin");
        throttle.failed(HERE, "admin");

        assertThat(throttle.refusedFor(HERE, "admin")).isEmpty();
    }

    @Test
    void theLockOutIsReportedOncePerEpisodeAndFailuresAtMostOnceAMinute() {
        assertThat(throttle.failed(HERE, "admin"))
                .isEqualTo(new LoginThrottle.Reports(Optional.of(1L), Optional.empty(), Optional.empty()));
        for (int i = 0; i < LoginThrottle.FREE_FAILURES - 2; i++) {
            assertThat(throttle.failed(HERE, "admin").failures()).isEmpty();
        }
        assertThat(throttle.failed(HERE, "admin")).isEqualTo(new LoginThrottle.Reports(Optional.empty(),
                Optional.of(Duration.ofSeconds(1)), Optional.empty()));
        clock.advance(Duration.ofMinutes(1));

        assertThat(throttle.failed(HERE, "admin")).as("five since the first report, locked since")
                .isEqualTo(new LoginThrottle.Reports(Optional.of(5L), Optional.empty(), Optional.empty()));
        assertThat(throttle.failed(HERE, "bob").failures()).as("reported per address").isEmpty();
        clock.advance(LoginThrottle.WINDOW);
        assertThat(throttle.failed(HERE, "admin").failures()).as("a new episode").contains(1L);
    }

    @Test
    void memoryIsBoundedIdleTalliesAreForgottenAndTheLongestQuietMakesRoom() {
        fail(throttle, "admin", LoginThrottle.FREE_FAILURES - 1);
        throttle.failed("10.0.0.2", "admin");
        throttle.failed("10.0.0.3", "admin");
        throttle.failed("10.0.0.4", "admin");

        assertThat(throttle.tracked()).isEqualTo(3 + 3);
        throttle.failed(HERE, "admin");
        assertThat(throttle.refusedFor(HERE, "admin")).as("forgotten: counted anew").isEmpty();

        clock.advance(LoginThrottle.WINDOW);
        assertThat(throttle.refusedFor("10.0.0.9", "admin")).isEmpty();
        assertThat(throttle.tracked()).isZero();
    }

    @Test
    void aLongUserNameIsCountedByItsStartAndItsHashSoACallerCannotFillTheMemory() {
        String longName = "x".repeat(8_000);
        fail(roomy, longName, LoginThrottle.FREE_FAILURES);

        assertThat(roomy.refusedFor(HERE, longName)).isPresent();
        assertThat(roomy.refusedFor(HERE, "x".repeat(7_999) + "y")).isEmpty();
    }
}
