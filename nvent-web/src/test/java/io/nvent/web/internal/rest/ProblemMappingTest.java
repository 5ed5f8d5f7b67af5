package io.nvent.web.internal.rest;

import io.nvent.RunNotFoundException;
import io.nvent.testkit.LogRecorder;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.io.IOException;
import java.net.URI;
import java.util.logging.LogRecord;
import java.util.stream.Collectors;
import org.glassfish.jersey.internal.MapPropertiesDelegate;
import org.glassfish.jersey.server.ApplicationHandler;
import org.glassfish.jersey.server.ContainerRequest;
import org.glassfish.jersey.server.ContainerResponse;
import org.glassfish.jersey.server.ResourceConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the API answers for a failure escaping a resource, as a JAX-RS runtime (Jersey, in process)
 * picks among the API's exception mappers: the one whose type is the nearest superclass of the failure.
 * Whatever it is, the answer is {@code application/problem+json}, never the container's HTML page.
 */
class ProblemMappingTest {

    /** A resource that fails with what its path names. */
    @Path("fail")
    public static class Failing {
        @GET
        @Path("{what}")
        public String fail(@PathParam("what") String what) throws Throwable {
            throw switch (what) {
                case "stack-overflow" -> new StackOverflowError();
                case "assertion" -> new AssertionError("the run must have a flow");
                case "broken-deployment" -> new NoClassDefFoundError("com/acme/Removed");
                case "checked" -> new IOException("disk full");
                case "bad-parameter" -> new IllegalArgumentException("limit must be at least 1, was 0");
                case "bug" -> new IllegalStateException("never here");
                case "unknown-run" -> new RunNotFoundException("r-404");
                case "not-allowed" -> new NotAllowedException("GET");
                default -> new NotFoundException("no such failure");
            };
        }
    }

    /** The API's mappers, as its application registers them, and the failing resource. */
    private final ApplicationHandler api = new ApplicationHandler(new ResourceConfig(Failing.class)
            .registerClasses(new NventRestApplication().getClasses().stream()
                    .filter(ExceptionMapper.class::isAssignableFrom).collect(Collectors.toSet())));

    private ContainerResponse get(String path) {
        URI base = URI.create("http://localhost/api/nvent/");
        ContainerRequest request = new ContainerRequest(base, base.resolve(path), "GET", null,
                new MapPropertiesDelegate(), null);
        try {
            return api.apply(request).get();
        } catch (Exception e) {
            throw new AssertionError("the runtime did not answer " + path, e);
        }
    }

    @Test
    void anErrorEscapingAResourceIsA500ProblemLoggedOnceWithItsStackTrace() {
        for (String error : new String[] {"stack-overflow", "assertion", "broken-deployment"}) {
            try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage())
                    .contains("NVENT-0731"))) {
                ContainerResponse response = get("fail/" + error);

                assertThat(response.getStatus()).as(error).isEqualTo(500);
                assertThat(response.getMediaType()).hasToString("application/problem+json");
                assertThat(response.getEntity()).asString().contains("\"status\":500",
                        "\"detail\":\"see the server log (NVENT-0731)\"");
                assertThat(log.records()).as(error).singleElement().extracting(LogRecord::getThrown)
                        .isInstanceOf(Error.class);
            }
        }
    }

    @Test
    void aCheckedExceptionOrABugIsA500ProblemAndAnIllegalArgumentThe400OfItsMessage() {
        assertThat(get("fail/checked").getStatus()).isEqualTo(500);
        assertThat(get("fail/bug").getStatus()).isEqualTo(500);
        ContainerResponse badParameter = get("fail/bad-parameter");
        assertThat(badParameter.getStatus()).isEqualTo(400);
        assertThat(badParameter.getEntity()).asString().contains("limit must be at least 1, was 0");
    }

    @Test
    void nventsExceptionsAndTheContainersHttpErrorsKeepTheirNearerMappers() {
        ContainerResponse unknownRun = get("fail/unknown-run");
        assertThat(unknownRun.getStatus()).isEqualTo(404);
        assertThat(unknownRun.getEntity()).asString().contains("\"title\":\"Run not found\"");

        ContainerResponse notAllowed = get("fail/not-allowed");
        assertThat(notAllowed.getStatus()).isEqualTo(405);
        assertThat(notAllowed.getHeaderString("Allow")).isEqualTo("GET");
        assertThat(notAllowed.getMediaType()).hasToString("application/problem+json");

        ContainerResponse noRoute = get("no-such-resource");
        assertThat(noRoute.getStatus()).isEqualTo(404);
        assertThat(noRoute.getMediaType()).hasToString("application/problem+json");
    }
}
