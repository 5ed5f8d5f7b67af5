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
 * WebSocket handshake is left alone.
 */
final class ApiResponseHeaders implements Filter {

    static final Map<String, String> HEADERS = Map.of("Cache-Control", "no-store", "X-Content-Type-Options", "nosniff");

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        String path = request.getRequestURI().substring(request.getContextPath().length());
        if (path.equals(WebSettings.WS_PATH)) {
            chain.doFilter(req, res);
            return;
        }
        HttpServletResponse response = (HttpServletResponse) res;
        HEADERS.forEach(response::setHeader);
        chain.doFilter(req, new HttpServletResponseWrapper(response) {
            @Override
            public void addHeader(String name, String value) {
                if (HEADERS.keySet().stream().anyMatch(name::equalsIgnoreCase)) {
                    setHeader(name, value);
                } else {
                    super.addHeader(name, value);
                }
            }
        });
    }
}
