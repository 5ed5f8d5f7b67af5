package io.nvent.cdi.internal.schedule;

import io.nvent.InvalidTriggerException;
import io.nvent.TriggerSpec;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Ticks at a fixed interval, on its multiples since 1970-01-01T00:00:00Z: the instants follow from
 * the interval alone, so instances armed at different times tick together and claim the same ticks.
 *
 * @param every a whole number of seconds, at least {@link TriggerSpec#MIN_EVERY}
 */
public record IntervalSchedule(Duration every) implements Schedule {

    private static final long MINUTE = 60;
    private static final long HOUR = 60 * MINUTE;
    private static final long DAY = 24 * HOUR;

    public IntervalSchedule {
        Objects.requireNonNull(every, "every");
        TriggerSpec.durationProblem(every).ifPresent(problem -> {
            throw new IllegalArgumentException("the interval " + TriggerSpec.durationText(every) + " is refused: "
                    + problem);
        });
    }

    /**
     * Parses an interval written as an ISO-8601 duration ({@code PT90S}, {@code PT36H}, {@code P1D}).
     *
     * @throws InvalidTriggerException naming the text and what is wrong with it
     */
    public static IntervalSchedule parse(String text) {
        String trimmed = text == null ? "" : text.trim();
        Duration every;
        try {
            every = Duration.parse(trimmed);
        } catch (DateTimeException | ArithmeticException e) {
            throw new InvalidTriggerException("interval '" + trimmed + "' is not an ISO-8601 duration such as PT90S,"
                    + " PT15M or PT36H");
        }
        // Named as written: the duration would say PT0.5S for PT0.500S, PT-5S for -PT5S.
        Optional<String> problem = TriggerSpec.durationProblem(every);
        if (problem.isPresent()) {
            throw new InvalidTriggerException("interval '" + trimmed + "': " + problem.get());
        }
        return new IntervalSchedule(every);
    }

    private long seconds() {
        return every.getSeconds();
    }

    @Override
    public Optional<Instant> latestAtOrBefore(Instant at) {
        return Optional.of(Instant.ofEpochSecond(Math.floorDiv(at.getEpochSecond(), seconds()) * seconds()));
    }

    @Override
    public Optional<Instant> nextAfter(Instant after) {
        long latest = Math.floorDiv(after.getEpochSecond(), seconds()) * seconds();
        try {
            return Optional.of(Instant.ofEpochSecond(Math.addExact(latest, seconds())));
        } catch (ArithmeticException | DateTimeException pastTheEndOfTime) {
            return Optional.empty();
        }
    }

    @Override
    public String expression() {
        return every.toString();
    }

    @Override
    public String describe() {
        long s = seconds();
        if (s % DAY == 0) {
            return every(s / DAY, "day");
        }
        if (s % HOUR == 0) {
            return every(s / HOUR, "hour");
        }
        if (s % MINUTE == 0) {
            return every(s / MINUTE, "minute");
        }
        return every(s, "second");
    }

    private static String every(long count, String unit) {
        return count == 1 ? "every " + unit : "every " + count + " " + unit + "s";
    }
}
