package io.nvent.web.internal.rest;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads query parameters given as text, so that a value out of range or not a number answers 400
 * naming the parameter and what it accepts (a JAX-RS {@code int} parameter would answer 404). An
 * absent or empty parameter takes its default.
 */
final class QueryParams {

    /** A whole number too large for a {@code long}, as {@link Long#parseLong} refuses it. */
    private static final java.util.regex.Pattern DIGITS = java.util.regex.Pattern.compile("\\+?\\d+");

    private QueryParams() {
    }

    /** A whole number within {@code min..max}. */
    static int intWithin(String name, String value, int defaultValue, int min, int max) {
        return (int) longWithin(name, value, defaultValue, min, max);
    }

    /** A whole number within {@code min..max}. */
    static long longWithin(String name, String value, long defaultValue, long min, long max) {
        return optionalLongWithin(name, value, min, max).orElse(defaultValue);
    }

    /** A whole number within {@code min..max}; empty when the parameter is absent. */
    static Optional<Long> optionalLongWithin(String name, String value, long min, long max) {
        if (isAbsent(value)) {
            return Optional.empty();
        }
        long number;
        try {
            number = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw invalid(name, value, "a whole number " + (DIGITS.matcher(value.trim()).matches()
                    ? "within " + min + ".." + max : range(min, max)));
        }
        if (number > max) {
            // Named even where the range reads "of at least": the value is at least that, and too large.
            throw invalid(name, value, "a whole number within " + min + ".." + max);
        }
        if (number < min) {
            throw invalid(name, value, "a whole number " + range(min, max));
        }
        return Optional.of(number);
    }

    /** A time zone id such as {@code Europe/Paris} or {@code UTC}. */
    static ZoneId zone(String name, String value, ZoneId defaultValue) {
        if (isAbsent(value)) {
            return defaultValue;
        }
        try {
            return ZoneId.of(value.trim());
        } catch (DateTimeException e) {
            throw invalid(name, value, "a time zone id like Europe/Paris or UTC");
        }
    }

    /** A positive ISO-8601 duration such as {@code PT10M}; empty when the parameter is absent. */
    static Optional<java.time.Duration> optionalPositiveDuration(String name, String value) {
        if (isAbsent(value)) {
            return Optional.empty();
        }
        try {
            java.time.Duration duration = java.time.Duration.parse(value.trim());
            if (!duration.isNegative() && !duration.isZero()) {
                return Optional.of(duration);
            }
        } catch (DateTimeException e) {
            // answered below
        }
        throw invalid(name, value, "a positive ISO-8601 duration like PT10M or P3D");
    }

    /** An ISO-8601 instant such as {@code 2026-12-03T14:00:00Z}; empty when the parameter is absent. */
    static Optional<java.time.Instant> optionalInstant(String name, String value) {
        if (isAbsent(value)) {
            return Optional.empty();
        }
        try {
            return Optional.of(java.time.Instant.parse(value.trim()));
        } catch (DateTimeException e) {
            throw invalid(name, value, "an ISO-8601 instant like 2026-12-03T14:00:00Z");
        }
    }

    /** One of the given options, matched by name ignoring case; empty when the parameter is absent. */
    static <T> Optional<T> optionalChoice(String name, String value, List<T> options, Function<T, String> nameOf) {
        if (isAbsent(value)) {
            return Optional.empty();
        }
        String wanted = value.trim().toLowerCase(Locale.ROOT);
        return Optional.of(options.stream().filter(o -> nameOf.apply(o).toLowerCase(Locale.ROOT).equals(wanted))
                .findFirst()
                .orElseThrow(() -> invalid(name, value,
                        "one of " + String.join(", ", options.stream().map(nameOf).toList()))));
    }

    /** One of the given names, matched ignoring case and returned as listed. */
    static String choice(String name, String value, String defaultValue, String... options) {
        return optionalChoice(name, value, List.of(options), Function.identity()).orElse(defaultValue);
    }

    private static boolean isAbsent(String value) {
        return value == null || value.isBlank();
    }

    private static String range(long min, long max) {
        return max == Long.MAX_VALUE || max == Integer.MAX_VALUE ? "of at least " + min
                : "within " + min + ".." + max;
    }

    /**
     * Refuses a parameter the request does not take, and one given more than once: where a filter narrows
     * what a request acts on (a bulk retry or cancel, clearing a flow's history), a misspelt one would act
     * on everything it meant to leave out, and of a repeated one JAX-RS reads the first and drops the rest.
     */
    static void onlyKnown(jakarta.ws.rs.core.UriInfo uri, String... known) {
        onlyKnown(uri.getQueryParameters(), known);
    }

    /**
     * As {@link #onlyKnown(jakarta.ws.rs.core.UriInfo, String...)}: the request takes {@code others} and
     * {@code repeatable} (named last in a refusal), which may be given more than once: a start's {@code label},
     * one per label.
     */
    static void onlyKnownRepeating(jakarta.ws.rs.core.UriInfo uri, String repeatable, String... others) {
        String[] known = Arrays.copyOf(others, others.length + 1);
        known[others.length] = repeatable;
        onlyKnown(uri.getQueryParameters(), java.util.Set.of(repeatable), known);
    }

    static void onlyKnown(java.util.Map<String, List<String>> given, String... known) {
        onlyKnown(given, java.util.Set.of(), known);
    }

    /** Refuses a parameter not {@code known}, and one given more than once that is not {@code repeatable}. */
    static void onlyKnown(java.util.Map<String, List<String>> given, java.util.Set<String> repeatable,
                          String... known) {
        onlyKnown(given.keySet(), known);
        given.entrySet().stream().filter(e -> e.getValue().size() > 1 && !repeatable.contains(e.getKey()))
                .map(java.util.Map.Entry::getKey).sorted()
                .findFirst().ifPresent(repeated -> {
                    throw new IllegalArgumentException("NVENT-0775 query parameter '" + repeated + "' is given "
                            + given.get(repeated).size() + " times (" + given.get(repeated) + "); give it once");
                });
    }

    static void onlyKnown(java.util.Set<String> given, String... known) {
        List<String> takes = List.of(known);
        given.stream().filter(name -> !takes.contains(name)).sorted().findFirst().ifPresent(unknown -> {
            throw new IllegalArgumentException("NVENT-0775 query parameter '" + unknown + "' is not one this request takes ("
                    + (takes.isEmpty() ? "it takes none" : String.join(", ", takes))
                    + "): a request would act on, or list, what that parameter was meant to leave out");
        });
    }

    static IllegalArgumentException invalid(String name, String value, String expected) {
        return new IllegalArgumentException("NVENT-0774 query parameter '" + name + "' must be " + expected + "; was '"
                + value + "'");
    }
}
