package io.nvent.cdi.internal.schedule;

import java.time.Instant;
import java.time.ZoneId;
import java.util.Objects;
import java.util.Optional;

/**
 * Ticks on the times of a cron expression in a time zone.
 *
 * @param cron the expression
 * @param zone the zone its fields are read in
 */
public record CronSchedule(Cron cron, ZoneId zone) implements Schedule {

    public CronSchedule {
        Objects.requireNonNull(cron, "cron");
        Objects.requireNonNull(zone, "zone");
    }

    @Override
    public Optional<Instant> nextAfter(Instant after) {
        return cron.nextAfter(after, zone);
    }

    @Override
    public Optional<Instant> latestAtOrBefore(Instant at) {
        return cron.latestAtOrBefore(at, zone);
    }

    @Override
    public String expression() {
        return cron.expression();
    }

    @Override
    public String describe() {
        return cron.describe();
    }
}
