package io.nvent.web.internal.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Slows down password guessing: after {@value #FREE_FAILURES} failed logins from one address within
 * {@link #WINDOW}, logins from that address are refused for {@link #FIRST_LOCK}, twice as long after
 * every further failure, up to {@link #MAX_LOCK}; a successful login ends it. Other addresses are not
 * affected. Memory stays bounded: an address is forgotten {@link #WINDOW} after its last failure, and
 * at most {@link #MAX_ADDRESSES} are tracked (the one that failed longest ago makes room).
 *
 * <p>Also keeps the log readable: of an address's failures the first is reported at once, later ones
 * at most once per {@link #REPORT_EVERY} with how many there were; a lock-out once per episode.
 */
final class LoginThrottle {

    static final int FREE_FAILURES = 5;
    static final Duration WINDOW = Duration.ofMinutes(15);
    static final Duration FIRST_LOCK = Duration.ofSeconds(1);
    static final Duration MAX_LOCK = Duration.ofMinutes(5);
    static final Duration REPORT_EVERY = Duration.ofMinutes(1);
    static final int MAX_ADDRESSES = 10_000;

    /**
     * What to log about a failed login.
     *
     * @param failures the failures to report now (this one and those not reported yet), if a report is due
     * @param lockout how long logins from the address are refused now, if this failure started a lock-out episode
     */
    record Reports(Optional<Long> failures, Optional<Duration> lockout) {
    }

    private static final class Tally {
        int failures;
        Instant lastFailure;
        Instant lockedUntil = Instant.MIN;
        Instant reportedAt;
        long unreported;
        boolean lockoutReported;
    }

    private final Clock clock;
    private final int maxAddresses;
    /** Least recently failed first. */
    private final LinkedHashMap<String, Tally> byAddress = new LinkedHashMap<>();

    LoginThrottle(Clock clock, int maxAddresses) {
        this.clock = clock;
        this.maxAddresses = maxAddresses;
    }

    /** How much longer logins from this address are refused; empty if they are not. */
    synchronized Optional<Duration> refusedFor(String address) {
        Instant now = clock.instant();
        forgetIdle(now);
        Tally tally = byAddress.get(address);
        return tally == null || !now.isBefore(tally.lockedUntil) ? Optional.empty()
                : Optional.of(Duration.between(now, tally.lockedUntil));
    }

    /** Counts a failed login from this address. */
    synchronized Reports failed(String address) {
        Instant now = clock.instant();
        forgetIdle(now);
        Tally tally = byAddress.remove(address);
        if (tally == null) {
            tally = new Tally();
        }
        byAddress.put(address, tally);   // now the most recently failed
        if (byAddress.size() > maxAddresses) {
            byAddress.remove(byAddress.keySet().iterator().next());
        }
        tally.failures++;
        tally.lastFailure = now;
        Optional<Duration> lockout = Optional.empty();
        if (tally.failures >= FREE_FAILURES) {
            int doublings = Math.min(tally.failures - FREE_FAILURES, 20);
            Duration lock = FIRST_LOCK.multipliedBy(1L << doublings);
            lock = lock.compareTo(MAX_LOCK) > 0 ? MAX_LOCK : lock;
            tally.lockedUntil = now.plus(lock);
            if (!tally.lockoutReported) {
                tally.lockoutReported = true;
                lockout = Optional.of(lock);
            }
        }
        long failures = tally.unreported + 1;
        if (tally.reportedAt == null || !now.isBefore(tally.reportedAt.plus(REPORT_EVERY))) {
            tally.reportedAt = now;
            tally.unreported = 0;
            return new Reports(Optional.of(failures), lockout);
        }
        tally.unreported = failures;
        return new Reports(Optional.empty(), lockout);
    }

    /** A successful login from this address ends its episode. */
    synchronized void succeeded(String address) {
        byAddress.remove(address);
    }

    /** How many addresses are tracked. */
    synchronized int tracked() {
        return byAddress.size();
    }

    /** Addresses whose last failure is {@link #WINDOW} ago (a lock never lasts that long) are forgotten. */
    private void forgetIdle(Instant now) {
        Iterator<Map.Entry<String, Tally>> oldestFirst = byAddress.entrySet().iterator();
        while (oldestFirst.hasNext()) {
            Tally tally = oldestFirst.next().getValue();
            if (now.isBefore(tally.lastFailure.plus(WINDOW))) {
                return;
            }
            oldestFirst.remove();
        }
    }
}
