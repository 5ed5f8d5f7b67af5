package io.nvent.web.internal.rest;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.MultivaluedMap;
import java.util.List;
import java.util.Optional;

/**
 * Refuses a request whose headers cannot mean one thing, before a resource reads them: JAX-RS hands a
 * resource the first of a header given twice and drops the others unnoticed.
 */
@PreMatching
public class HeaderGuard implements ContainerRequestFilter {

    @Override
    public void filter(ContainerRequestContext request) {
        refusal(request.getHeaders()).ifPresent(detail -> request.abortWith(Problems.of(400, "Bad request", detail)));
    }

    /** Why headers are refused (the problem's detail), if they are. */
    static Optional<String> refusal(MultivaluedMap<String, String> headers) {
        List<String> keys = Optional.ofNullable(headers.get(StartRequests.IDEMPOTENCY_KEY)).orElse(List.of());
        if (keys.size() > 1) {
            // A retry sending its keys in another order would otherwise start a second run.
            return Optional.of("NVENT-0771 the " + StartRequests.IDEMPOTENCY_KEY + " header is given " + keys.size()
                    + " times; give it once, with the one key that makes this request safe to repeat; nothing was"
                    + " started");
        }
        return Optional.empty();
    }
}
