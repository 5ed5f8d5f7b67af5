package io.nvent.cdi.internal.engine;

import io.nvent.cdi.NventConfig;
import io.nvent.cdi.SettingsCheck;
import io.nvent.cdi.internal.registry.StepDefaults;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Reads settings as {@link NventConfig} does, but goes on past an invalid value (taking the
 * default) and remembers why it is invalid, so that {@link #failIfInvalid()} reports every invalid
 * value at once: a user then fixes them all in one redeploy, not one per deployment.
 */
final class SettingsReading implements SettingsCheck {

    private final NventConfig config;
    private final List<IllegalArgumentException> problems = new ArrayList<>();

    SettingsReading(NventConfig config) {
        this.config = config;
    }

    String get(String key, String defaultValue) {
        return config.get(key, defaultValue);
    }

    int getInt(String key, int defaultValue) {
        return valid(() -> config.getInt(key, defaultValue), defaultValue);
    }

    int getInt(String key, int defaultValue, int min) {
        return valid(() -> config.getInt(key, defaultValue, min), defaultValue);
    }

    long getLong(String key, long defaultValue, long min) {
        return valid(() -> config.getLong(key, defaultValue, min), defaultValue);
    }

    boolean getBoolean(String key, boolean defaultValue) {
        return valid(() -> config.getBoolean(key, defaultValue), defaultValue);
    }

    Duration getMillis(String key, Duration defaultValue) {
        return valid(() -> config.getMillis(key, defaultValue), defaultValue);
    }

    Duration getMillis(String key, Duration defaultValue, Duration min) {
        return valid(() -> config.getMillis(key, defaultValue, min), defaultValue);
    }

    /**
     * A delay in milliseconds of at least {@code min} and at most {@link io.nvent.StartOptions#LONGEST_DELAY}:
     * a longer one would overflow the due time of the first retry or await that takes it.
     */
    Duration getDelayMillis(String key, Duration defaultValue, Duration min) {
        return valid(() -> {
            Duration value = config.getMillis(key, defaultValue, min);
            if (value.compareTo(io.nvent.StartOptions.LONGEST_DELAY) > 0) {
                throw new IllegalArgumentException("NVENT-0001 configuration key " + key + " must be at most "
                        + io.nvent.StartOptions.LONGEST_DELAY.toMillis() + " ms (100 years, StartOptions.LONGEST_DELAY), "
                        + "was " + value.toMillis() + " ms");
            }
            return value;
        }, defaultValue);
    }

    /**
     * The defaults with the retry schedule of {@code nvent.step.retry-delays-ms} (milliseconds separated by
     * commas, which replaces the backoff settings and gives {@code nvent.step.max-attempts} one more than the
     * delays listed when that is not set) and the jitter of {@code nvent.step.retry-jitter}.
     */
    StepDefaults retrySchedule(StepDefaults defaults) {
        String key = "nvent.step.retry-delays-ms";
        List<Duration> delays = valid(() -> config.get(key).map(text -> delays(key, text)).orElse(List.of()),
                List.of());
        double jitter = valid(() -> config.get("nvent.step.retry-jitter").map(text -> {
            double value;
            try {
                value = Double.parseDouble(text.trim());
            } catch (NumberFormatException bad) {
                value = Double.NaN;
            }
            if (!(value >= 0 && value <= 1)) {
                throw new IllegalArgumentException("NVENT-0001 configuration key nvent.step.retry-jitter is the fraction"
                        + " by which a retry delay is spread either way, from 0 (none) to 1, was '" + text + "'");
            }
            return value;
        }).orElse(0.0), 0.0);
        int maxAttempts = defaults.maxAttempts();
        if (!delays.isEmpty()) {
            for (String backoff : new String[] {"nvent.step.backoff-delay-ms", "nvent.step.backoff-max-delay-ms"}) {
                if (config.get(backoff).isPresent()) {
                    invalid("NVENT-0001 configuration key " + key + " is the whole default retry schedule, and "
                            + backoff + " is set too; keep one of them");
                }
            }
            if (config.get("nvent.step.max-attempts").isEmpty()) {
                maxAttempts = delays.size() + 1;
            } else if (delays.size() > maxAttempts - 1) {
                invalid("NVENT-0001 configuration key " + key + " lists " + delays.size() + " delays, more than the "
                        + (maxAttempts - 1) + " retries of nvent.step.max-attempts = " + maxAttempts + "; drop the"
                        + " delays never waited, or raise nvent.step.max-attempts (or leave it out: it is then one"
                        + " more than the delays listed)");
            }
        }
        return new StepDefaults(maxAttempts, defaults.backoffDelay(), defaults.backoffMaxDelay(), defaults.timeout(),
                defaults.awaitTimeout(), defaults.awaitTimeoutRetries(), delays, jitter);
    }

    private static List<Duration> delays(String key, String text) {
        List<Duration> delays = new ArrayList<>();
        String[] parts = text.split(",", -1);
        for (int i = 0; i < parts.length; i++) {
            long millis;
            try {
                millis = Long.parseLong(parts[i].trim().replace("_", ""));
            } catch (NumberFormatException bad) {
                throw new IllegalArgumentException("NVENT-0001 configuration key " + key + " has value '" + text
                        + "', which is not milliseconds separated by commas such as 10000,60000,600000", bad);
            }
            if (millis < 0 || millis > io.nvent.StartOptions.LONGEST_DELAY.toMillis()) {
                throw new IllegalArgumentException("NVENT-0001 configuration key " + key + " has the delay " + millis
                        + " ms before attempt " + (i + 2) + ", which must be from 0 to "
                        + io.nvent.StartOptions.LONGEST_DELAY.toMillis() + " ms (100 years)");
            }
            delays.add(Duration.ofMillis(millis));
        }
        return delays;
    }

    /** An ISO-8601 duration of zero or more, such as {@code PT10M}. */
    Duration getDuration(String key, Duration defaultValue) {
        return getDuration(key, defaultValue, false, "");
    }

    /**
     * An ISO-8601 duration longer than zero, such as {@code PT10M}.
     *
     * @param hint what to say after the refusal of zero, e.g. how to do without the setting
     */
    Duration getPositiveDuration(String key, Duration defaultValue, String hint) {
        return getDuration(key, defaultValue, true, hint);
    }

    /**
     * Refused quoting the value as written: the duration would name {@code P0D} {@code PT0S},
     * {@code -PT5S} {@code PT-5S}, and not say where it came from.
     */
    private Duration getDuration(String key, Duration defaultValue, boolean positive, String hint) {
        return valid(() -> config.get(key).map(text -> {
            Duration value;
            try {
                value = Duration.parse(text.trim());
            } catch (java.time.format.DateTimeParseException bad) {
                throw new IllegalArgumentException("NVENT-0001 configuration key " + key + " has value '" + text
                        + "', which is not an ISO-8601 duration such as PT10M", bad);
            }
            if (value.isNegative() || (positive && value.isZero())) {
                throw new IllegalArgumentException("NVENT-0001 configuration key " + key + " must "
                        + (positive ? "be longer than zero" : "not be negative") + ", was '" + text + "'" + hint);
            }
            return value;
        }).orElse(defaultValue), defaultValue);
    }

    /**
     * What a reading or check gives, or {@code fallback} if it is refused with an
     * {@link IllegalArgumentException}, whose message is then one of the problems reported.
     */
    @Override
    public <T> T valid(Supplier<T> reading, T fallback) {
        try {
            return reading.get();
        } catch (IllegalArgumentException invalid) {
            remember(invalid);
            return fallback;
        }
    }

    /** Remembers a problem that a check across settings found (one value must be below another). */
    void invalid(String message) {
        remember(new IllegalArgumentException(message));
    }

    /** A default every queue reads (nvent.queue.limiter.scope) is one problem, however many queues read it. */
    private void remember(IllegalArgumentException problem) {
        if (problems.stream().noneMatch(known -> known.getMessage().equals(problem.getMessage()))) {
            problems.add(problem);
        }
    }

    /**
     * Fails if any value read was invalid: with that value's own exception if it is the only one,
     * else with {@code NVENT-0191} listing every problem, each with its own message id.
     */
    void failIfInvalid() {
        if (problems.size() == 1) {
            throw problems.get(0);
        }
        if (!problems.isEmpty()) {
            IllegalArgumentException all = new IllegalArgumentException("NVENT-0191 " + problems.size()
                    + " settings are invalid; fix them all before deploying again:" + problems.stream()
                    .map(p -> "\n  - " + p.getMessage()).collect(Collectors.joining()));
            problems.forEach(all::addSuppressed);
            throw all;
        }
    }
}
