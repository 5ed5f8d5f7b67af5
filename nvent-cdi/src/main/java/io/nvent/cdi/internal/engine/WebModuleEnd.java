package io.nvent.cdi.internal.engine;

import io.nvent.spi.internal.ExitSafeLogger;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.util.Set;

/**
 * Stops the engine when the web module that contains it ends (its {@code contextDestroyed}), before
 * the server takes away the resources the application defined for itself. Payara stops a WAR's
 * containers in turn: the web container first (the servlet context ends here), then the resources of
 * its {@code glassfish-resources.xml} (the JMS connection pools the queue's workers and enqueues use),
 * then its EJBs, and only then CDI ({@code @BeforeDestroyed(ApplicationScoped.class)}, the engine's
 * other stop). Stopped there, the engine's queue lost its pools 0.3 s into a SIGTERM, before its
 * shutdown grace began: every idle worker reconnected in vain (the JMS queue's warnings) and the steps
 * that finished within the grace could not enqueue the next (its enqueue failures), which waited for
 * the lost-job sweep after the restart. WildFly ends the servlet context before the application's
 * CDI context too, so the engine stops at the same point of an undeploy or a shutdown on both.
 * The engine stops once: its later stop from CDI finds it stopped. An application without a web
 * module, or whose engine was never created, is stopped by CDI as before.
 */
public final class WebModuleEnd implements ServletContainerInitializer {

    private static final System.Logger LOG = ExitSafeLogger.of(WebModuleEnd.class);

    @Override
    public void onStartup(Set<Class<?>> classes, ServletContext context) {
        context.addListener(new StopEngine());
    }

    /** The listener added to the web module: its end stops the engine, if one was created. */
    public static final class StopEngine implements ServletContextListener {

        @Override
        public void contextDestroyed(ServletContextEvent event) {
            String contextPath = event.getServletContext().getContextPath();
            BeanManager beans;
            try {
                beans = CDI.current().getBeanManager();
            } catch (IllegalStateException noCdi) {
                LOG.log(System.Logger.Level.DEBUG, () -> "no CDI container for the web module at '" + contextPath
                        + "' as it ends: the engine, if any, stops with the application's CDI context");
                return;
            }
            // Outside the try: CDI hands an observer's exception on as it is, and one the engine's stop
            // threw is no missing container; the server logs it.
            beans.getEvent().select(Stopping.class).fire(new Stopping(contextPath));
        }
    }

    /**
     * The CDI event {@link StopEngine} fires as the web module ends; {@link EngineBean} observes it
     * only if the engine exists, so an application that never used it does not create one to stop it.
     *
     * @param contextPath the web module's context root, {@code ""} for the root context
     */
    public record Stopping(String contextPath) {
    }
}
