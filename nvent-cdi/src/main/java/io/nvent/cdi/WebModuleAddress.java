package io.nvent.cdi;

import java.util.Objects;

/**
 * CDI event the web layer fires once, when the first HTTP request reaches the application's web
 * module: that request shows the scheme, host and port the server listens on, which the Servlet API
 * does not tell at start. Unless {@code nvent.webhooks.base-url} is set, webhook-await URLs then start
 * with {@code baseUrl} (instead of {@code http://localhost:8080} and the context root, see
 * {@link WebModuleStarted}).
 *
 * @param baseUrl scheme, host, port and context root, without a trailing slash, such as
 *     {@code http://localhost:8181/shop}
 * @since 0.1
 */
public record WebModuleAddress(String baseUrl) {

    public WebModuleAddress {
        Objects.requireNonNull(baseUrl, "baseUrl");
    }
}
