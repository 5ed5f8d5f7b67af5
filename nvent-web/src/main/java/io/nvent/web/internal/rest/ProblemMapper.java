package io.nvent.web.internal.rest;

import io.nvent.ConcurrentRunModificationException;
import io.nvent.FlowNotFoundException;
import io.nvent.IllegalRunTransitionException;
import io.nvent.InvalidPayloadException;
import io.nvent.NventException;
import io.nvent.PayloadViolation;
import io.nvent.RunNotFoundException;
import io.nvent.spi.AdapterUnavailableException;
import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonException;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import jakarta.ws.rs.core.Response;
import java.io.StringReader;
import java.util.List;
import jakarta.ws.rs.ext.ExceptionMapper;

/** Turns nvent's exceptions into problem responses with the matching 4xx or 5xx status. */
public class ProblemMapper implements ExceptionMapper<NventException> {

    private static final System.Logger LOG = System.getLogger(ProblemMapper.class.getName());
    /** A sweep of a recovering instance finds the store again within this (its backoff ends at 10 s). */
    static final String RETRY_AFTER_SECONDS = "5";

    @Override
    public Response toResponse(NventException e) {
        if (e instanceof FlowNotFoundException) {
            return Problems.of(404, "Flow not found", e.getMessage());
        }
        if (e instanceof io.nvent.AwaitNotFoundException || e instanceof io.nvent.TriggerNotFoundException) {
            return Problems.of(404, "Not found", e.getMessage());
        }
        if (e instanceof io.nvent.AwaitClosedException closed) {
            return closed.status() == io.nvent.AwaitStatus.RESOLVED
                    ? Problems.of(409, "Already resolved", e.getMessage())
                    : Problems.of(410, "No longer waiting", e.getMessage());
        }
        if (e instanceof io.nvent.TriggerDisabledException) {
            return Problems.of(409, "Trigger disabled", e.getMessage());
        }
        if (e instanceof io.nvent.InvalidTriggerException) {
            return Problems.of(400, "Invalid trigger", e.getMessage());
        }
        if (e instanceof io.nvent.StepNotFoundException) {
            return Problems.of(404, "Step not found", e.getMessage());
        }
        if (e instanceof RunNotFoundException) {
            return Problems.of(404, "Run not found", e.getMessage());
        }
        if (e instanceof PayloadTooLargeException tooLarge) {
            Response problem = Problems.of(413, "Payload too large", e.getMessage());
            // Unread bytes of the body would be taken for the connection's next request.
            return tooLarge.bodyLeftUnread()
                    ? Response.fromResponse(problem).header("Connection", "close").build() : problem;
        }
        if (e instanceof io.nvent.RunNotStartedException && !e.isRetryable()
                && e.getCause() instanceof InvalidPayloadException) {
            // The store refused the start's await as too large (a store's payload limit); one away answers 503 below.
            return Problems.of(413, "Payload too large", e.getMessage());
        }
        if (e instanceof io.nvent.EmittedPayloadsTooLargeException) {
            // The body was within the request limit, but the run would keep too much of its emitted events.
            return Problems.of(413, "Payload too large", e.getMessage());
        }
        if (e instanceof InvalidPayloadException invalid) {
            return invalid.violations().isEmpty() ? Problems.of(400, "Invalid payload", e.getMessage())
                    : Problems.of(400, "Invalid payload", e.getMessage(),
                            body -> body.add("violations", violations(invalid.violations())));
        }
        if (e instanceof IllegalRunTransitionException) {
            return Problems.of(409, "Run cannot change that way", e.getMessage());
        }
        if (e instanceof io.nvent.UnexpectedEventException) {
            return Problems.of(422, "Event not listened to", e.getMessage());
        }
        if (e instanceof io.nvent.ConcurrencyKeyNotInPayloadException) {
            // Well-formed JSON that lacks what the trigger reads its key from: nothing was started (nor recorded
            // as received), so the sender may send it again, corrected.
            return Problems.of(422, "Concurrency key not in payload", e.getMessage());
        }
        if (e instanceof io.nvent.IdempotencyKeyConflictException) {
            return Problems.of(422, "Idempotency key reused", e.getMessage());
        }
        if (e instanceof io.nvent.IdempotencyKeyInUseException inUse) {
            // Under way: the retry gets the first request's answer. Of unknown outcome: no retry helps.
            Response problem = Problems.of(409, "Idempotency key in use", e.getMessage());
            return inUse.retryAfter().map(wait -> Response.fromResponse(problem)
                    .header("Retry-After", Math.max(1, wait.toSeconds())).build()).orElse(problem);
        }
        if (e instanceof ConcurrentRunModificationException) {
            return Problems.of(409, "Concurrent modification", e.getMessage());
        }
        if (e instanceof io.nvent.UnsupportedByAdapterException) {
            // An adapter written for an earlier nvent: no failure of the server, and the message says what
            // to do instead (it names the adapter's class, which is configuration, not its backend's text).
            return Problems.of(501, "Not supported by the adapter", e.getMessage());
        }
        if (e.isRetryable()) {
            // The store or queue cannot be reached now. Not the caller's fault, and not logged per
            // request: the engine's health report and maintenance log say it once for the outage.
            // The detail stays generic: the store's own error can name hosts and ports, and some
            // endpoints (webhooks, awaits) answer anyone. Operators find it at /api/nvent/health.
            // An adapter that says it is the one away is named: its name is configuration, not its backend's.
            return Response.fromResponse(Problems.of(503, "Temporarily unavailable", unavailable(e)))
                    .header("Retry-After", RETRY_AFTER_SECONDS).build();
        }
        LOG.log(System.Logger.Level.ERROR, "NVENT-0730 request failed", e);
        return Problems.of(500, "nvent error", serverFailure(e));
    }

    /**
     * The Bean Validation constraints a run's input broke, as a problem's {@code violations}: each with its path, its
     * message and the refused value as JSON, and for a trigger's fire the flow that refused it.
     */
    static JsonArray violations(List<PayloadViolation> violations) {
        JsonArrayBuilder array = Representations.JSON.createArrayBuilder();
        for (PayloadViolation violation : violations) {
            JsonObjectBuilder item = Representations.JSON.createObjectBuilder().add("path", violation.path())
                    .add("message", violation.message()).add("invalidValue", jsonValue(violation.invalidValue()));
            if (!violation.flow().isEmpty()) {
                item.add("flow", violation.flow());   // a trigger's fire: which of its flows refused it
            }
            array.add(item);
        }
        return array.build();
    }

    private static JsonValue jsonValue(String text) {
        try (JsonReader reader = Representations.JSON.createReader(new StringReader(text))) {
            return reader.readValue();
        } catch (JsonException notJson) {
            return Representations.JSON.createValue(text);
        }
    }

    /** What a 503 answer says of an outage: which adapter, if one said so, and never the backend's text. */
    static String unavailable(NventException e) {
        String what = e instanceof AdapterUnavailableException outage
                ? "NVENT-0732 nvent's adapter '" + outage.adapter() + "' cannot reach its backend"
                : "nvent's store or queue cannot be reached";
        return what + " right now; try again in " + RETRY_AFTER_SECONDS + " s (operators: GET /api/nvent/health "
                + "says what fails)";
    }

    /**
     * What a 500 answer says of its failure: the failure's id, never its text. A store's failure names
     * the SQL statement with its parameters, the caller's input among them, and some endpoints (webhooks,
     * awaits) answer anyone; the log line above keeps the text and the cause.
     */
    static String serverFailure(NventException e) {
        java.util.regex.Matcher id = MESSAGE_ID.matcher(String.valueOf(e.getMessage()));
        return (id.lookingAt() ? id.group() : "NVENT-0730")
                + " the request failed on the server; its log has the details (NVENT-0730)";
    }

    private static final java.util.regex.Pattern MESSAGE_ID = java.util.regex.Pattern.compile("NVENT-\\d{4}\\b");
}
