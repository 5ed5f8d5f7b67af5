package io.nvent.web.internal.rest;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;

/** Gives the container's own HTTP errors (404, 405, 415 …) the same problem format. */
public class WebProblemMapper implements ExceptionMapper<WebApplicationException> {

    @Override
    public Response toResponse(WebApplicationException e) {
        Response original = e.getResponse();
        int status = original.getStatus();
        Response problem = Problems.of(status, original.getStatusInfo().getReasonPhrase(), e.getMessage());
        if (original.getHeaderString("Allow") != null) {
            return Response.fromResponse(problem).header("Allow", original.getHeaderString("Allow")).build();
        }
        return problem;
    }
}
