package io.nvent.web.internal.rest;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.MultivaluedMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Answers a request whose path or query names a run, flow, step, trigger, queue or token with a control
 * character ({@code /runs/a%00b}, {@code ?flow=a%00b}) before any resource reads the store: no id or
 * name has one, and PostgreSQL fails a query given a NUL (SQLState 22021, a 500). In the path it is an
 * unknown one, 404; in the query a bad parameter, 400.
 */
public class ControlCharacterGuard implements ContainerRequestFilter {

    /** Why the request is refused: its status and the problem's detail. */
    record Refusal(int status, String detail) {
    }

    @Override
    public void filter(ContainerRequestContext request) {
        refusal(request.getUriInfo().getPathParameters(), request.getUriInfo().getQueryParameters())
                .ifPresent(r -> request.abortWith(Problems.of(r.status(), r.status() == 404 ? "Not found" : "Bad request",
                        r.detail())));
    }

    static Optional<Refusal> refusal(MultivaluedMap<String, String> path, MultivaluedMap<String, String> query) {
        Optional<String> inPath = withControlCharacter(path);
        if (inPath.isPresent()) {
            return Optional.of(new Refusal(404, "NVENT-0784 no " + inPath.get() + " with a control character exists"
                    + " (ids and names have none)"));
        }
        return withControlCharacter(query).map(name -> new Refusal(400, "NVENT-0785 query parameter '" + name
                + "' holds a control character; no id, name or value it takes has one"));
    }

    private static Optional<String> withControlCharacter(Map<String, List<String>> parameters) {
        return parameters.entrySet().stream()
                .filter(e -> e.getValue().stream().anyMatch(ControlCharacterGuard::hasControlCharacter))
                .map(Map.Entry::getKey).sorted().findFirst();
    }

    /** Whether the text holds a control character (U+0000..U+001F, U+007F..U+009F), which no id or name has. */
    public static boolean hasControlCharacter(String text) {
        return text != null && text.chars().anyMatch(Character::isISOControl);
    }
}
