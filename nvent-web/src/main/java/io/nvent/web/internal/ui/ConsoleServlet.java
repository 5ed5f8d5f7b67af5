package io.nvent.web.internal.ui;

import io.nvent.web.internal.WebSettings;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Serves the monitoring console (static HTML, CSS and JavaScript modules packaged under
 * {@code META-INF/nvent-ui} in this jar) at the configured path, {@code /_nvent} by default.
 * {@code index.html} gets the application's API base path filled in.
 */
public final class ConsoleServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final String ROOT = "META-INF/nvent-ui";
    private static final Pattern SAFE_PATH = Pattern.compile("(/[A-Za-z0-9_-][A-Za-z0-9._-]*)+");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html;charset=UTF-8",
            "css", "text/css;charset=UTF-8",
            "js", "text/javascript;charset=UTF-8",
            "svg", "image/svg+xml",
            "json", "application/json",
            "png", "image/png",
            "ico", "image/x-icon");
    private static final String CSP = "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
            + "style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'";

    private final transient WebSettings settings;

    public ConsoleServlet(WebSettings settings) {
        this.settings = settings;
    }

    /**
     * The file for a path: from the jar, or, while developing the console, from the directory named
     * by the system property {@code nvent.ui.dev-dir} (edit and reload, no rebuild).
     */
    private static URL resource(String path) throws IOException {
        String devDir = System.getProperty("nvent.ui.dev-dir");
        if (devDir != null && !devDir.isBlank()) {
            java.nio.file.Path file = java.nio.file.Path.of(devDir, path.substring(1)).normalize();
            return java.nio.file.Files.isRegularFile(file) && file.startsWith(java.nio.file.Path.of(devDir).normalize())
                    ? file.toUri().toURL() : null;
        }
        return ConsoleServlet.class.getClassLoader().getResource(ROOT + path);
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getPathInfo();
        if (path == null) {
            response.sendRedirect(request.getContextPath() + settings.uiPath() + "/");
            return;
        }
        if (path.equals("/")) {
            path = "/index.html";
        }
        if (!SAFE_PATH.matcher(path).matches()) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        URL resource = resource(path);
        if (resource == null) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        String extension = path.substring(path.lastIndexOf('.') + 1);
        response.setContentType(TYPES.getOrDefault(extension, "application/octet-stream"));
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Referrer-Policy", "same-origin");
        response.setHeader("Cache-Control", "no-cache");
        if (path.equals("/index.html")) {
            response.setHeader("Content-Security-Policy", CSP);
            response.setHeader("X-Frame-Options", "DENY");
            String html;
            try (InputStream in = resource.openStream()) {
                html = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            String context = request.getContextPath();
            html = html.replace("%NVENT_API%", context + WebSettings.API_PATH)
                    .replace("%NVENT_UI%", context + settings.uiPath())
                    .replace("%NVENT_TRIGGERS%", "false");
            response.getOutputStream().write(html.getBytes(StandardCharsets.UTF_8));
            return;
        }
        try (InputStream in = resource.openStream(); OutputStream out = response.getOutputStream()) {
            in.transferTo(out);
        }
    }
}
