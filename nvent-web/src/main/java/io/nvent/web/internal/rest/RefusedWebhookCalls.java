package io.nvent.web.internal.rest;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Makes webhook calls refused for their signature or API key visible in the server log, without letting an
 * anonymous caller flood it: the first refusal for a trigger is reported at once, later ones at most
 * once a minute, with how many there were. They are not written to the trigger's history, which is
 * bounded: anyone who can reach the endpoint could push its real entries out.
 */
final class RefusedWebhookCalls {

    static final Duration REPORT_EVERY = Duration.ofMinutes(1);

    private record Tally(Instant reportedAt, long unreported) {
    }

    private final Map<String, Tally> byTrigger = new ConcurrentHashMap<>();

    /**
     * Counts a refused call of a (known) webhook trigger.
     *
     * @return the warning to log now, if one is due
     */
    Optional<String> refused(String trigger, String reason, Instant now) {
        return due(trigger, now).map(calls -> "NVENT-0725 the webhook of trigger '" + trigger + "' refused " + calls
                + (calls == 1 ? " call" : " calls") + " (answered 401), the last because: " + reason
                + "; further refusals are reported at most once a minute");
    }

    /**
     * Counts a refused call under a key.
     *
     * @return how many calls to report now, this one included, if a report is due
     */
    Optional<Long> due(String key, Instant now) {
        long[] toReport = {0};
        byTrigger.compute(key, (name, tally) -> {
            long calls = tally == null ? 1 : tally.unreported() + 1;
            if (tally == null || !now.isBefore(tally.reportedAt().plus(REPORT_EVERY))) {
                toReport[0] = calls;
                return new Tally(now, 0);
            }
            return new Tally(tally.reportedAt(), calls);
        });
        return toReport[0] == 0 ? Optional.empty() : Optional.of(toReport[0]);
    }
}
