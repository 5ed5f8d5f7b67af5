package io.nvent.web.internal.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Slows down password guessing, per user name and per address. After {@value #FREE_FAILURES} failed logins of
 * one user name from one address within {@link #WINDOW}, that user's logins from that address are refused for
 * {@link #FIRST_LOCK}, twice as long after every further failure, up to {@link #MAX_LOCK}; a successful login
 * of that user from there ends it. The same user from another address, and another user from the same address
 * (behind a proxy or a NAT: every caller there), are not affected: one sender's wrong password locks out only
 * itself.
 *
 * <p>The ceiling per address: every user name's failures also count for the address, but those of one user after
 * its own lock-out (a misconfigured sender retrying: slowed by its lock-out already), and after
 * {@value #ADDRESS_FREE_FAILURES} of those within {@link #WINDOW} every login from the address is refused the same
 * growing while, so trying many user names from one address buys no more guesses than that: the first locked-out
 * user retrying at its own pace, and one further guess per lock-out of the address. A user's successful
 * login takes its own failures off the address's count, but not others': knowing one password must not help to
 * guess another. The address's count is forgotten {@link #WINDOW} after the last failure it counted.
 *
 * <p>Memory stays bounded: a user's or an address's tally is forgotten {@link #WINDOW} after its last failure, and
 * at most {@link #MAX_TRACKED} of each are kept (the one that failed longest ago makes room). Also keeps the log
 * readable: of an address's failures the first is reported at once, later ones at most once per
 * {@link #REPORT_EVERY} with how many there were; each lock-out once per episode.
 */
final class LoginThrottle {

    static final int FREE_FAILURES = 5;
    static final int ADDRESS_FREE_FAILURES = 4 * FREE_FAILURES;
    static final Duration WINDOW = Duration.ofMinutes(15);
    static final Duration FIRST_LOCK = Duration.ofSeconds(1);
    static final Duration MAX_LOCK = Duration.ofMinutes(5);
    static final Duration REPORT_EVERY = Duration.ofMinutes(1);
    static final int MAX_TRACKED = 10_000;
    /** A user name longer than this is counted by its start and its hash: a caller sends up to the head's limit. */
    private static final int MAX_NAME = 128;

    /**
     * What to log about a failed login.
     *
     * @param failures the failures from the address to report now (this one and those not reported yet), if a
     *        report is due
     * @param userLockout how long this user's logins from the address are refused now, if this failure started
     *        such a lock-out episode
     * @param addressLockout how long every login from the address is refused now, if this failure started such an
     *        episode
     */
    record Reports(Optional<Long> failures, Optional<Duration> userLockout, Optional<Duration> addressLockout) {
    }

    /**
     * Logins refused for a while.
     *
     * @param remaining how much longer
     * @param everyUser whether every login from the address is (the ceiling), not only this user's
     */
    record Refusal(Duration remaining, boolean everyUser) {
    }

    private record UserAt(String address, String user) {
    }

    /** An episode of failures of one key: what decides its lock-out. */
    private static final class Lock {
        int failures;
        Instant lastFailure;
        Instant lockedUntil = Instant.MIN;
        boolean lockoutReported;
        /** A user's: the address's count its failures went into last, and how many; a new count has none of them. */
        Lock countedIn;
        int counted;

        /** Counts a failure beyond {@code free} ones; the lock it starts, if it is the episode's first. */
        Optional<Duration> fail(Instant now, int free) {
            failures++;
            lastFailure = now;
            if (failures < free) {
                return Optional.empty();
            }
            Duration lock = FIRST_LOCK.multipliedBy(1L << Math.min(failures - free, 20));
            lock = lock.compareTo(MAX_LOCK) > 0 ? MAX_LOCK : lock;
            lockedUntil = now.plus(lock);
            if (lockoutReported) {
                return Optional.empty();
            }
            lockoutReported = true;
            return Optional.of(lock);
        }

        Optional<Duration> remaining(Instant now) {
            return now.isBefore(lockedUntil) ? Optional.of(Duration.between(now, lockedUntil)) : Optional.empty();
        }
    }

    private static final class AddressTally {
        /** The ceiling's count: the users' failures but those of {@link #retrying} after its own lock-out. */
        Lock counted = new Lock();
        /** The one locked-out user whose further failures do not count for the address, while it is tracked. */
        UserAt retrying;
        Instant lastFailure;
        Instant reportedAt;
        long unreported;
    }

    private final Clock clock;
    private final int maxTracked;
    /** Least recently failed first, as {@link #byAddress}. */
    private final LinkedHashMap<UserAt, Lock> byUser = new LinkedHashMap<>();
    private final LinkedHashMap<String, AddressTally> byAddress = new LinkedHashMap<>();

    LoginThrottle(Clock clock, int maxTracked) {
        this.clock = clock;
        this.maxTracked = maxTracked;
    }

    /** Whether, and how much longer, this user's logins from this address are refused. */
    synchronized Optional<Refusal> refusedFor(String address, String user) {
        Instant now = clock.instant();
        forgetIdle(now);
        Optional<Duration> everyUser = Optional.ofNullable(byAddress.get(address))
                .flatMap(tally -> tally.counted.remaining(now));
        Optional<Duration> thisUser = Optional.ofNullable(byUser.get(key(address, user)))
                .flatMap(lock -> lock.remaining(now));
        if (everyUser.isPresent() && (thisUser.isEmpty() || everyUser.get().compareTo(thisUser.get()) >= 0)) {
            return Optional.of(new Refusal(everyUser.get(), true));
        }
        return thisUser.map(remaining -> new Refusal(remaining, false));
    }

    /** Counts a failed login of this user from this address. */
    synchronized Reports failed(String address, String user) {
        Instant now = clock.instant();
        forgetIdle(now);
        UserAt key = key(address, user);
        Lock userLock = mostRecent(byUser, key, Lock::new);
        AddressTally tally = mostRecent(byAddress, address, AddressTally::new);
        tally.lastFailure = now;
        boolean lockedOutAlready = userLock.failures >= FREE_FAILURES;
        if (lockedOutAlready && (tally.retrying == null || !byUser.containsKey(tally.retrying))) {
            tally.retrying = key;
        }
        // one locked-out user retrying is a misconfigured sender; if the retries of all were free, a caller could
        // lock out one name after another and guess with all of them, each at its own pace
        boolean countsForAddress = !lockedOutAlready || !key.equals(tally.retrying);
        Optional<Duration> userLockout = userLock.fail(now, FREE_FAILURES);
        Optional<Duration> addressLockout = Optional.empty();
        if (countsForAddress) {
            if (tally.counted.lastFailure != null && !now.isBefore(tally.counted.lastFailure.plus(WINDOW))) {
                tally.counted = new Lock();
            }
            addressLockout = tally.counted.fail(now, ADDRESS_FREE_FAILURES);
            userLock.counted = userLock.countedIn == tally.counted ? userLock.counted + 1 : 1;
            userLock.countedIn = tally.counted;
        }
        long failures = tally.unreported + 1;
        if (tally.reportedAt == null || !now.isBefore(tally.reportedAt.plus(REPORT_EVERY))) {
            tally.reportedAt = now;
            tally.unreported = 0;
            return new Reports(Optional.of(failures), userLockout, addressLockout);
        }
        tally.unreported = failures;
        return new Reports(Optional.empty(), userLockout, addressLockout);
    }

    /**
     * A successful login of this user from this address ends its episode, and takes its failures off the
     * address's count.
     */
    synchronized void succeeded(String address, String user) {
        Lock userLock = byUser.remove(key(address, user));
        AddressTally tally = byAddress.get(address);
        if (userLock != null && tally != null && userLock.countedIn == tally.counted) {
            tally.counted.failures = Math.max(0, tally.counted.failures - userLock.counted);
        }
    }

    /** How many user names and addresses are tracked. */
    synchronized int tracked() {
        return byUser.size() + byAddress.size();
    }

    private static UserAt key(String address, String user) {
        return new UserAt(address, user.length() <= MAX_NAME ? user
                : user.substring(0, MAX_NAME) + "#" + Integer.toHexString(user.hashCode()));
    }

    /** The key's tally, now the most recently failed; the longest quiet one makes room if there are too many. */
    private <K, V> V mostRecent(LinkedHashMap<K, V> tallies, K key, Supplier<V> create) {
        V tally = tallies.remove(key);
        tallies.put(key, tally == null ? create.get() : tally);
        if (tallies.size() > maxTracked) {
            tallies.remove(tallies.keySet().iterator().next());
        }
        return tallies.get(key);
    }

    /** Tallies whose last failure is {@link #WINDOW} ago (a lock never lasts that long) are forgotten. */
    private void forgetIdle(Instant now) {
        for (Iterator<Lock> oldestFirst = byUser.values().iterator(); oldestFirst.hasNext(); ) {
            if (now.isBefore(oldestFirst.next().lastFailure.plus(WINDOW))) {
                break;
            }
            oldestFirst.remove();
        }
        for (Iterator<Map.Entry<String, AddressTally>> oldestFirst = byAddress.entrySet().iterator();
                oldestFirst.hasNext(); ) {
            if (now.isBefore(oldestFirst.next().getValue().lastFailure.plus(WINDOW))) {
                return;
            }
            oldestFirst.remove();
        }
    }
}
