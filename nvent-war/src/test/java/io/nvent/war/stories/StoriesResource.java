package io.nvent.war.stories;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Application;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.Set;

/** Test-only endpoints that drive the probes. */
@ApplicationScoped
@Path("")
public class StoriesResource {

    @Inject
    TransactionProbe transactions;
    @Inject
    DelayedJobProbe delayed;

    @POST
    @Path("tx/commit")
    public String commit() {
        return transactions.startAndCommit();
    }

    @POST
    @Path("tx/rollback")
    public Response rollback() {
        try {
            transactions.startAndRollBack();
        } catch (RuntimeException rolledBack) {
            // setRollbackOnly ends the call normally; anything else is reported below
        }
        return Response.noContent().build();
    }

    @GET
    @Path("tx/executions")
    public String executions() {
        return String.valueOf(TransactionProbe.EXECUTIONS.get());
    }

    @POST
    @Path("delayed/{jobId}/{delayMs}")
    public Response delay(@PathParam("jobId") String jobId, @PathParam("delayMs") long delayMs) {
        delayed.enqueue(jobId, Duration.ofMillis(delayMs));
        return Response.noContent().build();
    }

    @GET
    @Path("delayed/{jobId}")
    public Response lateness(@PathParam("jobId") String jobId) {
        return delayed.lateness(jobId).map(ms -> Response.ok(String.valueOf(ms)).build())
                .orElse(Response.status(404).build());
    }

    /** The fixtures' own JAX-RS application. */
    @ApplicationPath("api/stories")
    public static class StoriesApplication extends Application {
        @Override
        public Set<Class<?>> getClasses() {
            return Set.of(StoriesResource.class);
        }
    }
}
