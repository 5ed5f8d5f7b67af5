package io.nvent.web.internal.live;

import io.nvent.web.internal.WebSettings;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;

/** Registers the {@link LiveEndpoint} with the server's WebSocket container when the application starts. */
public final class LiveEndpointRegistrar implements ServletContextListener {

    private static final System.Logger LOG = System.getLogger(LiveEndpointRegistrar.class.getName());

    @Override
    public void contextInitialized(ServletContextEvent event) {
        Object container = event.getServletContext().getAttribute(ServerContainer.class.getName());
        if (!(container instanceof ServerContainer server)) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0723 the server offers no WebSocket container; the live "
                    + "stream at {0} is not available", WebSettings.WS_PATH);
            return;
        }
        try {
            server.addEndpoint(ServerEndpointConfig.Builder.create(LiveEndpoint.class, WebSettings.WS_PATH)
                    .configurator(new Configurator()).build());
        } catch (DeploymentException e) {
            throw new IllegalStateException("NVENT-0724 could not register the live stream at " + WebSettings.WS_PATH, e);
        }
    }

    /** Creates endpoint instances directly: no container injection into endpoints. */
    private static final class Configurator extends ServerEndpointConfig.Configurator {

        @Override
        public <T> T getEndpointInstance(Class<T> endpointClass) throws InstantiationException {
            if (endpointClass != LiveEndpoint.class) {
                throw new InstantiationException("unexpected endpoint " + endpointClass);
            }
            return endpointClass.cast(new LiveEndpoint());
        }
    }
}
