package io.nvent.cdi;

import java.util.Objects;

/**
 * CDI event the web layer fires once the application's web module has started, so the engine knows
 * where the application's REST API is served: by default, webhook-await URLs then start with this
 * server's address and {@code contextPath} (a WAR at {@code /shop} serves its awaits under
 * {@code /shop/api/nvent/awaits}). A configured {@code nvent.webhooks.base-url} takes precedence.
 *
 * @param contextPath the web module's context root, {@code ""} for the root context
 * @since 0.1
 */
public record WebModuleStarted(String contextPath) {

    public WebModuleStarted {
        Objects.requireNonNull(contextPath, "contextPath");
    }
}
