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
 */
final class ContentTypeCheck implements Filter {

    private final Filter guarded;

    /** @param guarded the filter that answers next (the security filter) */
    ContentTypeCheck(Filter guarded) {
        this.guarded = guarded;
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        Optional<String> problem = ApiResponseHeaders.isApiRequest(request)
                ? HeaderGuard.contentTypeProblem(request.getContentType()) : Optional.empty();
        if (problem.isPresent()) {
            NventSecurityFilter.problem((HttpServletResponse) res, 400, "Bad request", problem.get());
            return;
        }
        guarded.doFilter(req, res, chain);
    }
}
