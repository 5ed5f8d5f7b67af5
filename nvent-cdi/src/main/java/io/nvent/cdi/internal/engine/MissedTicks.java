package io.nvent.cdi.internal.engine;

import io.nvent.cdi.internal.schedule.Schedule;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * The ticks of a schedule that fell between {@code since} (its last fire, or when it was created,
 * enabled or changed) and a start: the latest of them, and how many fell before it.
 *
 * @param latest the latest tick at or before the start
 * @param earlier ticks before it since {@code since}, at most {@value #MOST_COUNTED}
 */
record MissedTicks(Instant latest, int earlier) implements LateTick {

    /** An every-second schedule misses 86,400 ticks a day: beyond this many they are not walked. */
    static final int MOST_COUNTED = 10_000;

    /**
     * The ticks after {@code since} up to and including {@code now}; empty if none fell.
     */
    static Optional<MissedTicks> of(Schedule schedule, Instant since, Instant now) {
        Optional<Instant> latest = schedule.latestAtOrBefore(now).filter(tick -> tick.isAfter(since));
        if (latest.isEmpty()) {
            return Optional.empty();
        }
        int earlier = 0;
        Optional<Instant> cursor = schedule.nextAfter(since);
        while (cursor.isPresent() && cursor.get().isBefore(latest.get()) && earlier < MOST_COUNTED) {
            earlier++;
            cursor = schedule.nextAfter(cursor.get());
        }
        return Optional.of(new MissedTicks(latest.get(), earlier));
    }

    /**
     * The missed ticks from {@code oldest} on (those within the misfire grace), oldest first: the latest
     * {@code most} of them, the latest being {@link #latest()}. Walked back from it, so that an every-second
     * schedule after a long outage walks {@code most} ticks, not all of them.
     *
     * @param since its last fire, or when it was created, enabled or changed: no tick at or before it is missed
     */
    List<Instant> latestWithin(Schedule schedule, Instant since, Instant oldest, int most) {
        Deque<Instant> within = new ArrayDeque<>();
        Optional<Instant> cursor = Optional.of(latest);
        while (within.size() < most && cursor.isPresent() && cursor.get().isAfter(since)
                && !cursor.get().isBefore(oldest)) {
            within.addFirst(cursor.get());
            cursor = schedule.latestAtOrBefore(cursor.get().minusSeconds(1));
        }
        return List.copyOf(within);
    }

    /**
     * How many ticks fell before {@code first} within the misfire grace (from {@code oldest} on, after
     * {@code since}), counted back from it up to {@value #MOST_COUNTED}: those the bound on how many fire
     * skipped, not the grace.
     */
    static int countWithinBefore(Schedule schedule, Instant since, Instant oldest, Instant first) {
        int count = 0;
        Optional<Instant> cursor = schedule.latestAtOrBefore(first.minusSeconds(1));
        while (count < MOST_COUNTED && cursor.isPresent() && cursor.get().isAfter(since)
                && !cursor.get().isBefore(oldest)) {
            count++;
            cursor = schedule.latestAtOrBefore(cursor.get().minusSeconds(1));
        }
        return count;
    }

    /** How many of these ticks are not among {@code fired}, in words for a log line. */
    String skippedBesides(List<Instant> fired) {
        int skipped = earlier + 1 - fired.size();
        return earlier >= MOST_COUNTED ? "more than " + skipped : String.valueOf(skipped);
    }

    /** How many earlier ticks, in words for a log line. */
    String earlierInWords() {
        String count = earlier >= MOST_COUNTED ? "more than " + MOST_COUNTED : String.valueOf(earlier);
        return count + " earlier " + (earlier == 1 ? "one" : "ones");
    }

    @Override
    public String entryMember() {
        return "missed";
    }

    /** The details a {@code trigger.fired} entry of the late fire holds (earlier ones counted up to {@value #MOST_COUNTED}). */
    @Override
    public String json() {
        return JsonText.object().str("scheduledAt", latest.toString()).num("earlierSkipped", earlier).build();
    }
}
