package io.nvent.war.restart;

import io.nvent.spi.FlowStore;
import io.nvent.spi.SchedulingStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Application;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.time.Clock;
import java.util.Arrays;
import java.util.Set;

/** Test-only endpoints showing what the engine's stores hold: {@code /api/restart/...}. */
@ApplicationScoped
@Path("")
public class RestartProbe {

    @Inject
    FlowStore store;
    @Inject
    SchedulingStore scheduling;
    @Inject
    Clock clock;

    /** A run's state value as stored (JSON), or 404. */
    @GET
    @Path("state/{runId}/{key}")
    @Produces(MediaType.APPLICATION_JSON)
    public Response state(@PathParam("runId") String runId, @PathParam("key") String key) {
        return store.getState(runId, key, clock.instant()).map(json -> Response.ok(json).build())
                .orElse(Response.status(404).build());
    }

    /** The store beans the engine was given, e.g. to tell the JPA scheduling store from the memory fallback. */
    @GET
    @Path("adapters")
    @Produces(MediaType.TEXT_PLAIN)
    public String adapters() {
        return store + " " + scheduling;
    }

    /**
     * The stacks of the server's threads that are in nvent code, with the locks they wait for:
     * what a test that timed out reports, since CI keeps no server log.
     */
    @GET
    @Path("threads")
    @Produces(MediaType.TEXT_PLAIN)
    public String threads() {
        StringBuilder dump = new StringBuilder();
        for (ThreadInfo thread : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            boolean nvent = thread.getThreadName().startsWith("nvent") || Arrays.stream(thread.getStackTrace())
                    .anyMatch(frame -> frame.getClassName().startsWith("io.nvent."));
            if (nvent) {
                dump.append('"').append(thread.getThreadName()).append("\" ").append(thread.getThreadState());
                if (thread.getLockName() != null) {
                    dump.append(" on ").append(thread.getLockName()).append(" owned by ").append(thread.getLockOwnerName());
                }
                dump.append('\n');
                Arrays.stream(thread.getStackTrace()).limit(40)
                        .forEach(frame -> dump.append("    at ").append(frame).append('\n'));
            }
        }
        return dump.toString();
    }

    /** The fixtures' own JAX-RS application. */
    @ApplicationPath("api/restart")
    public static class RestartApplication extends Application {
        @Override
        public Set<Class<?>> getClasses() {
            return Set.of(RestartProbe.class);
        }
    }
}
