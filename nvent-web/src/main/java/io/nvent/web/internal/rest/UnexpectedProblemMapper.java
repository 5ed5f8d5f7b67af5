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
 * {@link IllegalArgumentException} is the caller's bad parameter: 400, with its message.
 */
public class UnexpectedProblemMapper implements ExceptionMapper<Throwable> {

    private static final System.Logger LOG = System.getLogger(UnexpectedProblemMapper.class.getName());

    @Override
    public Response toResponse(Throwable e) {
        if (e instanceof IllegalArgumentException) {
            return Problems.of(400, "Bad request", e.getMessage());
        }
        LOG.log(System.Logger.Level.ERROR, "NVENT-0731 unexpected error", e);
        return Problems.of(500, "Internal error", "see the server log (NVENT-0731)");
    }
}
