package io.nvent.web.internal;

import io.nvent.web.internal.rest.HeaderGuard;
import io.nvent.web.internal.security.NventSecurityFilter;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.ws.rs.core.HttpHeaders;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;

/**
 * Answers an API request whose {@code Content-Type} is no media type ({@code garbage}) with the API's
 * 400 problem ({@code NVENT-0772}, as {@link HeaderGuard} words it) before the JAX-RS servlet sees it:
 * Payara's Jersey refuses such a request in its servlet, before any JAX-RS filter runs, with
 * {@code sendError(400)}, which the server answered with its HTML error page.
 *
 * <p>It judges the request the security filter lets through, so a caller is asked to log in (401) before
 * its headers are judged. A webhook's request, which the security filter lets through for its resource to
 * authenticate, is passed on with its {@code Content-Type} set aside ({@link HeaderGuard#SET_ASIDE_CONTENT_TYPE}):
 * the webhook refuses it after the caller's key or signature, so that a caller who cannot sign learns nothing of
 * what the webhook parses.
 */
final class ContentTypeCheck implements Filter {

    private final Filter guarded;

    /** A webhook's request whose {@code Content-Type} the server could not read, set aside for the webhook to judge. */
    private static final class ContentTypeSetAside extends HttpServletRequestWrapper {

        private static final String OCTETS = "application/octet-stream";

        ContentTypeSetAside(HttpServletRequest request) {
            super(request);
        }

        @Override
        public String getContentType() {
            return OCTETS;
        }

        @Override
        public String getHeader(String name) {
            return name.equalsIgnoreCase(HttpHeaders.CONTENT_TYPE) ? OCTETS
                    : name.equalsIgnoreCase(HeaderGuard.SET_ASIDE_CONTENT_TYPE) ? super.getContentType()
                    : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            String replaced = name.equalsIgnoreCase(HttpHeaders.CONTENT_TYPE)
                    || name.equalsIgnoreCase(HeaderGuard.SET_ASIDE_CONTENT_TYPE) ? getHeader(name) : null;
            return replaced == null ? super.getHeaders(name) : Collections.enumeration(List.of(replaced));
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            List<String> names = new ArrayList<>(Collections.list(super.getHeaderNames()));
            names.removeIf(HeaderGuard.SET_ASIDE_CONTENT_TYPE::equalsIgnoreCase);
            names.add(HeaderGuard.SET_ASIDE_CONTENT_TYPE);
            return Collections.enumeration(names);
        }
    }

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
            if (problem.isPresent() && WebSettings.isWebhook(ApiResponseHeaders.pathOf(request))) {
                chain.doFilter(new ContentTypeSetAside(request), response);
                return;
            }
            if (problem.isPresent()) {
                NventSecurityFilter.problem((HttpServletResponse) response, 400, "Bad request", problem.get());
                return;
            }
            chain.doFilter(passed, response);
        });
    }
}
