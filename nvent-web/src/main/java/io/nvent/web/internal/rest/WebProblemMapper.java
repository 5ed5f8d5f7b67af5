package io.nvent.web.internal.rest;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Application;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.Optional;
import java.util.Set;

/**
 * Gives the container's own HTTP errors (404, 405, 415 …) the same problem format. Where the JAX-RS
 * runtime refused the request before any resource ran, its message ("HTTP 415 Unsupported Media Type")
 * says nothing of what to send instead: the problem says it, with a message id.
 */
public class WebProblemMapper implements ExceptionMapper<WebApplicationException> {

    @Context
    Application application;
    @Context
    HttpHeaders headers;
    @Context
    Request request;
    @Context
    UriInfo uri;

    @Override
    public Response toResponse(WebApplicationException e) {
        Response original = e.getResponse();
        int status = original.getStatus();
        String allow = original.getHeaderString("Allow");
        String detail = isTheRuntimesOwn(e, original) ? refusal(status, allow).orElse(e.getMessage()) : e.getMessage();
        Response problem = Problems.of(status, original.getStatusInfo().getReasonPhrase(), detail);
        if (allow != null) {
            return Response.fromResponse(problem).header("Allow", allow).build();
        }
        return problem;
    }

    /**
     * Whether the runtime, not a resource, refused the request: Jersey says only the status
     * ({@code HTTP 404 Not Found}), RESTEasy its own message id; a resource's refusal says what it refused.
     */
    private static boolean isTheRuntimesOwn(WebApplicationException e, Response original) {
        String message = String.valueOf(e.getMessage());
        return message.equals("HTTP " + original.getStatus() + " " + original.getStatusInfo().getReasonPhrase())
                || message.startsWith("RESTEASY");
    }

    /**
     * The types the resource methods of this request's method and path answer with; application/json,
     * the type of nearly all the API's answers, where the application's classes say none.
     */
    private String answeredTypes() {
        Set<String> types = AnsweredTypes.of(application.getClasses(), request.getMethod(), uri.getPath());
        return types.isEmpty() ? MediaType.APPLICATION_JSON : String.join(", ", types);
    }

    /** What the runtime's refusal of this request means, in the terms of nvent's API. */
    private Optional<String> refusal(int status, String allow) {
        String path = uri.getRequestUri().getRawPath();
        return switch (status) {
            case 404 -> Optional.of("NVENT-0776 no resource of nvent's API has the path " + path
                    + "; GET " + uri.getBaseUriBuilder().path("openapi.yaml").build().getRawPath()
                    + " describes them all");
            case 405 -> Optional.of("NVENT-0777 " + request.getMethod() + " is not a method of " + path
                    + "; it takes " + Optional.ofNullable(allow).orElse("others") + " (header Allow)");
            case 415 -> Optional.of("NVENT-0778 the body was sent " + Optional.ofNullable(headers.getHeaderString(
                    HttpHeaders.CONTENT_TYPE)).map(type -> "as " + type).orElse("without a Content-Type")
                    + "; this request takes application/json: send the body as JSON with "
                    + "Content-Type: application/json");
            case 406 -> Optional.of("NVENT-0779 the Accept header '" + headers.getHeaderString(HttpHeaders.ACCEPT)
                    + "' takes none of the types this request answers (" + answeredTypes() + "); accept "
                    + "one of them, or leave the header out");
            default -> Optional.empty();
        };
    }
}
