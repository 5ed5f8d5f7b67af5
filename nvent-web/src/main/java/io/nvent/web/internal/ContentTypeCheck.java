package io.nvent.web.internal;

import io.nvent.web.internal.rest.HeaderGuard;
import io.nvent.web.internal.security.NventSecurityFilter;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;

/**
 * Answers an API request whose {@code Content-Type} is no media type ({@code garbage}) with the API's
 * 400 problem ({@code NVENT-0772}, as {@link HeaderGuard} words it) before the JAX-RS servlet sees it:
 * Payara's Jersey refuses such a request in its servlet, before any JAX-RS filter runs, with
 * {@code sendError(400)}, which the server answered with its HTML error page.
 *
 * <p>It judges the request the security filter lets through, so a caller is asked to log in (401) before
 * its headers are judged. A webhook's request, which the security filter lets through for its resource to
 * authenticate, is judged before that resource: the server could not hand it to the resource.
 */
final class ContentTypeCheck implements Filter {

    private final Filter guarded;

    /** @param guarded the filter that answers first (the security filter) */
    ContentTypeCheck(Filter guarded) {
        this.guarded = guarded;
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        guarded.doFilter(req, res, (passed, response) -> {
            HttpServletRequest request = (HttpServletRequest) passed;
            Optional<String> problem = ApiResponseHeaders.isApiRequest(request)
                    ? HeaderGuard.contentTypeProblem(request.getContentType()) : Optional.empty();
            if (problem.isPresent()) {
                NventSecurityFilter.problem((HttpServletResponse) response, 400, "Bad request", problem.get());
                return;
            }
            chain.doFilter(passed, response);
        });
    }
}
