package io.nvent.web.internal;

import io.nvent.cdi.WebModuleAddress;
import io.nvent.cdi.WebModuleStarted;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletRequestEvent;
import jakarta.servlet.ServletRequestListener;
import jakarta.servlet.http.HttpServletRequest;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tells the engine the application's context root once the web module has started (see
 * {@link WebModuleStarted}), and the address the server is reached at once the first request shows
 * it (see {@link WebModuleAddress}, {@link ServerAddress}).
 */
public final class WebModuleAnnouncer implements ServletContextListener, ServletRequestListener {

    private static final System.Logger LOG = System.getLogger(WebModuleAnnouncer.class.getName());

    private final AtomicBoolean addressAnnounced = new AtomicBoolean();

    @Override
    public void contextInitialized(ServletContextEvent event) {
        announce(new WebModuleStarted(event.getServletContext().getContextPath()),
                event.getServletContext().getContextPath(), "its context root");
    }

    @Override
    public void requestInitialized(ServletRequestEvent event) {
        if (addressAnnounced.get() || !(event.getServletRequest() instanceof HttpServletRequest request)
                || !addressAnnounced.compareAndSet(false, true)) {
            return;
        }
        announce(new WebModuleAddress(ServerAddress.baseUrl(request)), request.getContextPath(),
                "the address this server listens on");
    }

    private static void announce(Object event, String contextPath, String what) {
        try {
            CDI.current().getBeanManager().getEvent().fire(event);
        } catch (IllegalStateException noCdi) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0709 CDI is not available to the web module at {0}; "
                    + "webhook-await URLs leave out " + what + " unless nvent.webhooks.base-url is set", contextPath);
        }
    }
}
