package io.nvent.web.internal;

import io.nvent.cdi.NventConfig;
import io.nvent.web.internal.live.LiveEndpointRegistrar;
import io.nvent.web.internal.security.NventSecurityFilter;
import io.nvent.web.internal.ui.ConsoleServlet;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.SessionCookieConfig;
import jakarta.servlet.ServletRegistration;
import java.util.EnumSet;
import java.util.Set;

/**
 * Wires the web layer into the application that includes this jar, with the paths from
 * configuration: the security filter, with the API's response headers ({@link ApiResponseHeaders}),
 * before the API, the console and the stream; the console
 * servlet; and the WebSocket endpoint (registered once the WebSocket container is ready).
 */
public final class NventWebInitializer implements ServletContainerInitializer {

    private static final System.Logger LOG = System.getLogger(NventWebInitializer.class.getName());

    @Override
    public void onStartup(Set<Class<?>> classes, ServletContext context) {
        // Invalid values fail the deployment with the engine's, all in one (WebSettingsCheck); a server that
        // initializes the web module before the application's scope starts, and with it the engine's check,
        // must not fail here first on one of them.
        WebSettings settings = WebSettings.read(new NventConfig(), WebSettings.DEFAULT_IF_INVALID);
        FilterRegistration.Dynamic filter = context.addFilter("nvent-security",
                new ApiResponseHeaders(new ContentTypeCheck(new NventSecurityFilter(settings))));
        filter.setAsyncSupported(true);
        filter.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false,
                WebSettings.API_PATH + "/*", settings.uiPath() + "/*");
        if (settings.uiEnabled()) {
            ServletRegistration.Dynamic console = context.addServlet("nvent-console", new ConsoleServlet(settings));
            console.addMapping(settings.uiPath() + "/*");
        }
        protectSessionCookie(context.getSessionCookieConfig());
        context.addListener(LiveEndpointRegistrar.class);
        context.addListener(WebModuleAnnouncer.class);
        context.addListener(WebhookSecretsCheck.class);
        if (!settings.securityEnabled()) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0706 nvent.security.enabled=false: the console at {0}, the "
                    + "API and the stream are open to anyone who can reach this server", settings.uiPath());
        } else if (settings.usesDefaultPassword()) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0707 the nvent console and API accept the default login "
                    + "{0}/{1}; set nvent.security.password (or nvent.security.identity-store=application)",
                    settings.username(), WebSettings.DEFAULT_PASSWORD);
        }
        LOG.log(System.Logger.Level.INFO, "NVENT-0708 nvent console at {0}{1}/, API at {0}{2}, stream at {0}{3}",
                context.getContextPath(), settings.uiPath(), WebSettings.API_PATH, WebSettings.WS_PATH);
    }

    /**
     * The console's session carries an administrator's rights: its cookie is kept from scripts
     * ({@code HttpOnly}) and from other sites' requests ({@code SameSite=Lax}, unless the application
     * chose a value; written by servers that apply Servlet 6's cookie attributes, as WildFly does,
     * not Payara 6). Payara marks it HttpOnly by itself, WildFly does not.
     */
    private static void protectSessionCookie(SessionCookieConfig cookie) {
        cookie.setHttpOnly(true);
        if (cookie.getAttribute("SameSite") == null) {
            cookie.setAttribute("SameSite", "Lax");
        }
    }
}
