package io.nvent.web.internal.rest;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;

/** Last resort: a bug is logged in full and answered with a 500 problem, never a stack trace. */
public class UnexpectedProblemMapper implements ExceptionMapper<RuntimeException> {

    private static final System.Logger LOG = System.getLogger(UnexpectedProblemMapper.class.getName());

    @Override
    public Response toResponse(RuntimeException e) {
        if (e instanceof IllegalArgumentException) {
            return Problems.of(400, "Bad request", e.getMessage());
        }
        LOG.log(System.Logger.Level.ERROR, "NVENT-0731 unexpected error", e);
        return Problems.of(500, "Internal error", "see the server log (NVENT-0731)");
    }
}
