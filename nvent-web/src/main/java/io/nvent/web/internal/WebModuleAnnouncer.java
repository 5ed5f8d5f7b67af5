package io.nvent.web.internal;

import io.nvent.cdi.WebModuleStarted;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

/** Tells the engine the application's context root once the web module has started (see {@link WebModuleStarted}). */
public final class WebModuleAnnouncer implements ServletContextListener {

    private static final System.Logger LOG = System.getLogger(WebModuleAnnouncer.class.getName());

    @Override
    public void contextInitialized(ServletContextEvent event) {
        try {
            CDI.current().getBeanManager().getEvent().select(WebModuleStarted.class)
                    .fire(new WebModuleStarted(event.getServletContext().getContextPath()));
        } catch (IllegalStateException noCdi) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0709 CDI is not available to the web module at {0}; "
                    + "webhook-await URLs leave out its context root unless nvent.webhooks.base-url is set",
                    event.getServletContext().getContextPath());
        }
    }
}
