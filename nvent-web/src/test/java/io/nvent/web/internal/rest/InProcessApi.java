package io.nvent.web.internal.rest;

import io.nvent.FlowService;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.SecurityContext;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.net.URI;
import java.util.stream.Collectors;
import org.glassfish.jersey.internal.MapPropertiesDelegate;
import org.glassfish.jersey.internal.inject.AbstractBinder;
import org.glassfish.jersey.server.ApplicationHandler;
import org.glassfish.jersey.server.ContainerRequest;
import org.glassfish.jersey.server.ContainerResponse;
import org.glassfish.jersey.server.ResourceConfig;

/**
 * Resources of the API with its exception mappers, request filters and properties, as its application registers them, in a JAX-RS
 * runtime (Jersey) in process: a request gets the status, headers and body a client would, without a
 * server. Resources that inject a {@link FlowService} get the one given.
 */
final class InProcessApi {

    private static final URI BASE = URI.create("http://localhost/api/nvent/");

    private final ApplicationHandler handler;

    private InProcessApi(ResourceConfig config) {
        NventRestApplication application = new NventRestApplication();
        handler = new ApplicationHandler(config.addProperties(application.getProperties())
                .registerClasses(application.getClasses().stream()
                        .filter(type -> ExceptionMapper.class.isAssignableFrom(type)
                                || ContainerRequestFilter.class.isAssignableFrom(type))
                        .collect(Collectors.toSet())));
    }

    /** The resource classes, with the API's mappers. */
    static InProcessApi of(Class<?>... resources) {
        return new InProcessApi(new ResourceConfig(resources));
    }

    /** The resource classes, with the API's mappers and what {@code binder} binds for them to inject. */
    static InProcessApi of(AbstractBinder binder, Class<?>... resources) {
        return new InProcessApi(new ResourceConfig(resources).register(binder));
    }

    /** The resource classes, with the API's mappers, their {@code FlowService} being {@code flows}. */
    static InProcessApi of(FlowService flows, Class<?>... resources) {
        return new InProcessApi(new ResourceConfig(resources).register(new AbstractBinder() {
            @Override
            protected void configure() {
                bind(flows).to(FlowService.class);
            }
        }));
    }

    /**
     * The resource classes, with the API's mappers, their {@code FlowService} being {@code flows}, and what
     * {@link FlowsResource} injects besides: the system clock and flow counts over it.
     */
    static InProcessApi withFlowsResource(FlowService flows, Class<?>... resources) {
        java.time.Clock clock = java.time.Clock.systemUTC();
        return new InProcessApi(new ResourceConfig(resources).register(FlowsResource.class).register(new AbstractBinder() {
            @Override
            protected void configure() {
                bind(flows).to(FlowService.class);
                bind(clock).to(java.time.Clock.class);
                bind(new io.nvent.web.internal.stats.FlowCounts(flows, new io.nvent.cdi.NventConfig(
                        key -> java.util.Optional.empty()), clock, Thread::new))
                        .to(io.nvent.web.internal.stats.FlowCounts.class);
            }
        }));
    }

    /**
     * {@link QueuesResource} with the API's mappers, over {@code engine}'s flows, queue and controls, as an
     * application's are, and the system clock.
     */
    static InProcessApi withQueues(io.nvent.cdi.EmbeddedEngine engine) {
        return withQueues(engine.flows(), engine.queue(), engine.queueControls());
    }

    /** {@link QueuesResource} with the API's mappers, over these flows, queue and controls, and the system clock. */
    static InProcessApi withQueues(FlowService flows, io.nvent.spi.JobQueue queue,
            io.nvent.cdi.QueueControls controls) {
        return of(new AbstractBinder() {
            @Override
            protected void configure() {
                bind(flows).to(FlowService.class);
                bind(queue).to(io.nvent.spi.JobQueue.class);
                bind(controls).to(io.nvent.cdi.QueueControls.class);
                bind(java.time.Clock.systemUTC()).to(java.time.Clock.class);
            }
        }, QueuesResource.class);
    }

    /**
     * The resource classes, with the API's mappers and its check of query parameters ({@link KnownQueryParams}),
     * their {@code TriggerService} being {@code triggers} and their {@code SchedulingStore} one that no request of the
     * test reaches.
     */
    static InProcessApi withTriggers(io.nvent.TriggerService triggers, Class<?>... resources) {
        return withTriggers(triggers, java.time.Clock.systemUTC(), resources);
    }

    /** As {@link #withTriggers(io.nvent.TriggerService, Class[])}, the engine's clock being {@code clock}. */
    static InProcessApi withTriggers(io.nvent.TriggerService triggers, java.time.Clock clock, Class<?>... resources) {
        io.nvent.spi.SchedulingStore unused = (io.nvent.spi.SchedulingStore) java.lang.reflect.Proxy.newProxyInstance(
                InProcessApi.class.getClassLoader(), new Class<?>[] {io.nvent.spi.SchedulingStore.class},
                (proxy, method, args) -> {
                    throw new UnsupportedOperationException(method.getName());
                });
        return new InProcessApi(new ResourceConfig(resources).register(KnownQueryParams.class).register(new AbstractBinder() {
            @Override
            protected void configure() {
                bind(triggers).to(io.nvent.TriggerService.class);
                bind(unused).to(io.nvent.spi.SchedulingStore.class);
                bind(clock).to(java.time.Clock.class);
            }
        }));
    }

    /** The answer to a {@code GET} of a path relative to {@code /api/nvent/}, without a signed-in user. */
    ContainerResponse get(String path) {
        return request("GET", path, null);
    }

    /** The answer to a request without a body, by the user of {@code security} ({@code null}: none). */
    ContainerResponse request(String method, String path, SecurityContext security) {
        return send(new ContainerRequest(BASE, BASE.resolve(path), method, security, new MapPropertiesDelegate(),
                null));
    }

    /**
     * The answer to a request without a body, by the user of {@code security} ({@code null}: none), with headers
     * given as name, value, name, value … (a name given twice is sent as two header fields).
     */
    ContainerResponse request(String method, String path, SecurityContext security, String... headerNameValues) {
        ContainerRequest request = new ContainerRequest(BASE, BASE.resolve(path), method, security,
                new MapPropertiesDelegate(), null);
        for (int i = 0; i < headerNameValues.length; i += 2) {
            request.header(headerNameValues[i], headerNameValues[i + 1]);
        }
        return send(request);
    }

    /**
     * The answer to a request without a signed-in user, with a body and headers given as name, value, name,
     * value … (a name given twice is sent as two header fields, as a client sends it).
     */
    ContainerResponse requestWithBody(String method, String path, String body, String... headerNameValues) {
        ContainerRequest request = new ContainerRequest(BASE, BASE.resolve(path), method, null,
                new MapPropertiesDelegate(), null);
        for (int i = 0; i < headerNameValues.length; i += 2) {
            request.header(headerNameValues[i], headerNameValues[i + 1]);
        }
        request.setEntityStream(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
        return send(request);
    }

    private ContainerResponse send(ContainerRequest request) {
        String method = request.getMethod();
        String path = request.getRequestUri().getPath();
        try {
            return handler.apply(request).get();
        } catch (Exception e) {
            throw new AssertionError("the runtime did not answer " + method + " " + path, e);
        }
    }
}
