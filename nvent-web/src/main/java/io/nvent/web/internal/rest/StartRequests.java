package io.nvent.web.internal.rest;

import io.nvent.EventOptions;
import io.nvent.RestartOptions;
import io.nvent.StartOptions;
import io.nvent.StartedRun;
import jakarta.json.JsonObjectBuilder;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;

/**
 * How a request asks for a start's options: the {@code Idempotency-Key} header
 * (draft-ietf-httpapi-idempotency-key-header, as Stripe and others use it) that makes a start, a
 * restart, a rerun, a trigger fire, an emit or a publish safe to send again, the response header that says a request was
 * answered from an earlier one, and a start's delay.
 */
final class StartRequests {

    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    static final String REPLAYED = "Idempotent-Replayed";

    private StartRequests() {
    }

    /** The start options the header asks for; none without it. */
    static StartOptions startOptions(String headerValue) {
        return startOptions(headerValue, Optional.empty());
    }

    /** The start options the header and a start delay ask for. */
    static StartOptions startOptions(String headerValue, Optional<Duration> delay) {
        return startOptions(IDEMPOTENCY_KEY, headerValue, delay);
    }

    /**
     * The start options the header, a start delay and a concurrency key ({@code ?concurrencyKey=}, checked
     * as {@link StartOptions.Builder#concurrencyKey} checks it: a 400 saying what is wrong) ask for.
     */
    static StartOptions startOptions(String headerValue, Optional<Duration> delay,
                                     Optional<String> concurrencyKey) {
        return startOptions(headerValue, delay, concurrencyKey, null);
    }

    /**
     * The start options the header, a start delay, a concurrency key and its limit ({@code ?concurrencyLimit=}, a
     * whole number checked as {@link StartOptions.Builder#concurrencyKey(String, int)} checks it, and only with a
     * key) ask for; each refused with a 400 saying what is wrong.
     */
    static StartOptions startOptions(String headerValue, Optional<Duration> delay,
                                     Optional<String> concurrencyKey, String concurrencyLimit) {
        StartOptions options = startOptions(headerValue, delay);
        if (concurrencyKey.isEmpty()) {
            if (concurrencyLimit != null) {
                throw new IllegalArgumentException("NVENT-0794 query parameter 'concurrencyLimit' needs"
                        + " 'concurrencyKey': it limits how many runs of one key run at a time; no run was started");
            }
            return options;
        }
        // Without ?concurrencyLimit= the limit is left unchosen, so that a trigger's fire keeps the trigger's.
        StartOptions.Builder keyed = concurrencyLimit == null
                ? StartOptions.newBuilder().concurrencyKey(concurrencyKey.get())
                : StartOptions.newBuilder().concurrencyKey(concurrencyKey.get(), concurrencyLimit(concurrencyLimit));
        options.idempotencyKey().ifPresent(keyed::idempotencyKey);
        options.delay().ifPresent(keyed::delay);
        return keyed.build();
    }

    /**
     * These options with the labels a start's {@code ?label=} parameters give (one each), checked as
     * {@link StartOptions#labels()} says: a 400 saying what is wrong ({@code NVENT-0727}).
     */
    static StartOptions withLabels(StartOptions options, List<String> labels) {
        if (labels == null || labels.isEmpty()) {
            return options;
        }
        try {
            return new StartOptions(options.idempotencyKey(), options.delay(), options.concurrencyKey(),
                    options.concurrencyLimit(), options.concurrencyLimitChosen(), new HashSet<>(labels));
        } catch (IllegalArgumentException | NullPointerException refused) {
            throw new IllegalArgumentException("NVENT-0727 query parameter 'label' refused: " + refused.getMessage()
                    + "; no run was started", refused);
        }
    }

    /**
     * The options with the run timeout the {@code timeout} query parameter gives (an ISO-8601 duration, positive,
     * at most {@link StartOptions#LONGEST_RUN_TIMEOUT}); the options as they are without it.
     *
     * @throws IllegalArgumentException (a 400) naming the parameter, if the value is not such a duration
     */
    static StartOptions withTimeout(StartOptions options, String timeout) {
        Optional<Duration> given = QueryParams.optionalPositiveDuration("timeout", timeout);
        if (given.isEmpty()) {
            return options;
        }
        if (given.get().compareTo(StartOptions.LONGEST_RUN_TIMEOUT) > 0) {
            throw QueryParams.invalid("timeout", timeout, "a run timeout of at most "
                    + StartOptions.LONGEST_RUN_TIMEOUT.toDays() + " days (" + StartOptions.LONGEST_RUN_TIMEOUT + ")");
        }
        if (given.get().getNano() % 1_000_000 != 0) {
            throw QueryParams.invalid("timeout", timeout, "a run timeout in whole milliseconds");
        }
        return options.toBuilder().timeout(given.get()).build();
    }

    /** The options of a restart or rerun the header asks for; none without it. */
    static RestartOptions restartOptions(String headerValue) {
        if (headerValue == null) {
            return RestartOptions.DEFAULTS;
        }
        requireValidKey(IDEMPOTENCY_KEY, headerValue);
        return RestartOptions.idempotent(headerValue);
    }

    /**
     * The options of an emit or a publish the header asks for; none without it.
     *
     * @throws IllegalArgumentException ({@code NVENT-0757}, a 400) for a key that is blank, too long, or holds
     *     anything but printable ASCII
     */
    static EventOptions eventOptions(String headerValue) {
        if (headerValue == null) {
            return EventOptions.DEFAULTS;
        }
        requireValidKey(IDEMPOTENCY_KEY, headerValue, "nothing was delivered");
        return EventOptions.idempotent(headerValue);
    }

    /**
     * The answer to an emit or a publish: {@code 200} with {@code body}, and {@code Idempotent-Replayed: true} if a
     * repeated request's key delivered the event before.
     */
    static Response delivered(boolean replayed, String body) {
        Response.ResponseBuilder answer = Response.ok(body, MediaType.APPLICATION_JSON);
        return (replayed ? answer.header(REPLAYED, "true") : answer).build();
    }

    /**
     * The answer to a request that starts a run (a start, a restart, a rerun): {@code 201} with the run's
     * {@code Location} and {@code body} plus {@code "created":true}; a repeated request, whose key made the run
     * before, gets the same with {@code 200}, {@code "created":false} and {@code Idempotent-Replayed: true}.
     */
    static Response startedRun(UriInfo uri, StartedRun run, JsonObjectBuilder body) {
        URI location = uri.getBaseUriBuilder().path("runs").path(run.runId()).build();
        String entity = body.add("created", run.created()).build().toString();
        return (run.created() ? Response.created(location) : Response.ok().location(location)
                .header(REPLAYED, "true"))
                .entity(entity).type(MediaType.APPLICATION_JSON).build();
    }

    /** A start's concurrency limit as {@code ?concurrencyLimit=} gives it. */
    private static int concurrencyLimit(String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(QueryParams.invalid("concurrencyLimit", value,
                    "a whole number within 1.." + StartOptions.MAX_CONCURRENCY_LIMIT).getMessage()
                    + "; no run was started");
        }
    }

    /**
     * The start options a header that stands for the idempotency key asks for (GitHub's delivery id
     * does when a request has no {@code Idempotency-Key}), refused naming that header.
     *
     * @throws IllegalArgumentException ({@code NVENT-0757}, a 400) for a key that is blank, too long,
     *     or holds anything but printable ASCII
     */
    static StartOptions startOptions(String header, String headerValue, Optional<Duration> delay) {
        StartOptions.Builder options = StartOptions.newBuilder();
        delay.ifPresent(options::delay);
        if (headerValue == null) {
            return options.build();
        }
        requireValidKey(header, headerValue);
        return options.idempotencyKey(headerValue).build();
    }

    /**
     * A header's value reaches us as the server decoded its bytes (ISO-8859-1 mostly), so a key sent
     * in UTF-8 would be stored as other characters than the sender's and never match its retry: only
     * printable ASCII is taken, as the draft's sf-string allows.
     */
    private static void requireValidKey(String header, String key) {
        requireValidKey(header, key, "no run was started");
    }

    /** The same check for a request that starts no run: {@code unchanged} says what it did not do. */
    private static void requireValidKey(String header, String key, String unchanged) {
        String problem;
        if (key.isBlank()) {
            problem = "is blank";
        } else if (key.length() > StartOptions.MAX_KEY_LENGTH) {
            problem = "has " + key.length() + " characters, more than the " + StartOptions.MAX_KEY_LENGTH + " allowed";
        } else {
            int at = firstNotPrintableAscii(key);
            if (at < 0) {
                return;
            }
            char c = key.charAt(at);
            problem = "holds " + (c < 0x20 || c == 0x7f ? "a control character" : "a character that is not ASCII")
                    + String.format(" (U+%04X at position %d)", (int) c, at + 1);
        }
        throw new IllegalArgumentException("NVENT-0757 the " + header + " header " + problem + "; an idempotency key "
                + "is 1 to " + StartOptions.MAX_KEY_LENGTH + " printable ASCII characters (letters, digits, "
                + "punctuation, spaces), such as a UUID; " + unchanged);
    }

    private static int firstNotPrintableAscii(String key) {
        for (int i = 0; i < key.length(); i++) {
            if (key.charAt(i) < 0x20 || key.charAt(i) > 0x7e) {
                return i;
            }
        }
        return -1;
    }
}
