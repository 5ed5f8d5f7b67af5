package io.nvent.web.internal;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.util.Map;

/**
 * Every answer of the API ({@code /api/nvent/*}, refusals of the security filter included) carries
 * {@code Cache-Control: no-store} (runs, jobs and sessions hold data no browser or proxy should keep)
 * and {@code X-Content-Type-Options: nosniff}. A resource that sets either header itself (the health
 * and metrics answers, a webhook await's page) replaces it rather than adding a second one. The
 * WebSocket handshake and the console's paths are left alone.
 *
 * <p>It wraps the security filter rather than being a filter of its own, so the headers come first
 * whatever order a server gives filters registered together (as two filters, Payara ran the security
 * filter first, so its refusals went without them).
 */
final class ApiResponseHeaders implements Filter {

    static final Map<String, String> HEADERS = Map.of("Cache-Control", "no-store", "X-Content-Type-Options", "nosniff");

    private final Filter guarded;

    /** @param guarded the filter that answers next (the security filter) */
    ApiResponseHeaders(Filter guarded) {
        this.guarded = guarded;
    }

    /** Whether the request is one of the API's, its WebSocket handshake and the console's paths not. */
    static boolean isApiRequest(HttpServletRequest request) {
        String path = pathOf(request);
        return path.startsWith(WebSettings.API_PATH + "/") && !path.equals(WebSettings.WS_PATH);
    }

    /** The request's path within the application, as received. */
    static String pathOf(HttpServletRequest request) {
        return request.getRequestURI().substring(request.getContextPath().length());
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        if (!isApiRequest((HttpServletRequest) req)) {
            guarded.doFilter(req, res, chain);
            return;
        }
        HttpServletResponse response = (HttpServletResponse) res;
        HEADERS.forEach(response::setHeader);
        guarded.doFilter(req, new HttpServletResponseWrapper(response) {
            @Override
            public void addHeader(String name, String value) {
                if (HEADERS.keySet().stream().anyMatch(name::equalsIgnoreCase)) {
                    setHeader(name, value);
                } else {
                    super.addHeader(name, value);
                }
            }
        }, chain);
    }
}
