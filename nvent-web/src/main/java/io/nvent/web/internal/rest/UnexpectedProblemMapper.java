package io.nvent.web.internal.rest;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;

/**
 * Last resort: whatever no nearer mapper takes ({@link ProblemMapper} for nvent's exceptions,
 * {@link WebProblemMapper} for the container's HTTP errors) is answered with a problem, never the
 * container's HTML page or a stack trace. JAX-RS picks the mapper whose type is the nearest superclass
 * of what was thrown, so this one gets every other exception, checked ones included, and every
 * {@link Error} (a {@code StackOverflowError}, an {@code AssertionError}, a {@code NoClassDefFoundError}
 * of a broken deployment): a bug, logged once in full and answered 500. An
 * {@link IllegalArgumentException} is the caller's bad parameter: 400, with its message ({@link #withId}).
 */
public class UnexpectedProblemMapper implements ExceptionMapper<Throwable> {

    private static final java.util.regex.Pattern MESSAGE_ID = java.util.regex.Pattern.compile("NVENT-\\d{4}\\b");

    private static final System.Logger LOG = System.getLogger(UnexpectedProblemMapper.class.getName());

    @Override
    public Response toResponse(Throwable e) {
        if (e instanceof IllegalArgumentException) {
            return Problems.of(400, "Bad request", withId(e.getMessage()));
        }
        LOG.log(System.Logger.Level.ERROR, "NVENT-0731 unexpected error", e);
        return Problems.of(500, "Internal error", "see the server log (NVENT-0731)");
    }

    /**
     * A bad parameter's message with a message id: the API's own refusals carry theirs, while the engine's
     * checks of an argument (a flow that cannot start delayed, a bulk retry's step the flow lacks) say what
     * is wrong without one, and a caller could not tell them apart or search for them ({@code NVENT-0769}).
     */
    static String withId(String message) {
        String text = String.valueOf(message);
        return MESSAGE_ID.matcher(text).lookingAt() ? text : "NVENT-0769 the request was refused: " + text;
    }
}
