package io.nvent.web.internal.rest;

import io.nvent.RunNotFoundException;
import io.nvent.UnsupportedByAdapterException;
import io.nvent.testkit.LogRecorder;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import java.io.IOException;
import java.util.logging.LogRecord;
import org.glassfish.jersey.server.ContainerResponse;
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
                case "bad-parameter-with-id" -> new IllegalArgumentException("NVENT-0774 query parameter 'limit' must "
                        + "be a whole number within 1..1000; was '0'");
                case "bug" -> new IllegalStateException("never here");
                case "engine-bug" -> thrownByTheEngine("not a step job (runId, flow and step are required): {\"runId\":"
                        + "\"r-1\"}");
                case "bad-option" -> refusalOf(() -> io.nvent.StartOptions.idempotent(" "));
                case "unknown-run" -> new RunNotFoundException("r-404");
                case "unsupported-by-adapter" -> new UnsupportedByAdapterException("NVENT-0552 run 'r-1' not deleted:"
                        + " the store com.acme.OldStore cannot delete a single run (written for nvent 0.1)",
                        new UnsupportedOperationException("NVENT-0261"));
                case "not-allowed" -> new NotAllowedException("GET");
                default -> new NotFoundException("no such failure");
            };
        }
    }

    /**
     * An {@link IllegalArgumentException} as the engine's own code throws it, deep in a request that gave it no
     * bad argument: a bug (here, of reading back a stored step job), thrown beyond nvent-web and the API's types.
     */
    static IllegalArgumentException thrownByTheEngine(String message) {
        IllegalArgumentException bug = new IllegalArgumentException(message);
        StackTraceElement[] here = bug.getStackTrace();
        StackTraceElement[] deep = new StackTraceElement[here.length + 2];
        // Code beyond nvent-web and the API's types, as the engine's or a store's is (named here by none of
        // theirs: no module names another's internal packages).
        deep[0] = new StackTraceElement("com.acme.engine.StoredJobs", "parse", "StoredJobs.java", 271);
        deep[1] = new StackTraceElement("com.acme.engine.Engine", "run", "Engine.java", 512);
        System.arraycopy(here, 0, deep, 2, here.length);
        bug.setStackTrace(deep);
        return bug;
    }

    private static IllegalArgumentException refusalOf(Runnable check) {
        try {
            check.run();
        } catch (IllegalArgumentException refused) {
            return refused;
        }
        throw new AssertionError("not refused");
    }

    /** The API's mappers, as its application registers them, and the failing resource. */
    private final InProcessApi api = InProcessApi.of(Failing.class);

    private ContainerResponse get(String path) {
        return api.get(path);
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

    /** The engine's checks of an argument (a flow that cannot start delayed) reached the caller without an id. */
    @Test
    void anIllegalArgumentWithoutAMessageIdGetsOneAndOneWithAnIdKeepsItsOwn() {
        assertThat(get("fail/bad-parameter").getEntity()).asString()
                .contains("\"detail\":\"NVENT-0769 the request was refused: limit must be at least 1, was 0\"");
        assertThat(get("fail/bad-parameter-with-id").getEntity()).asString()
                .contains("\"detail\":\"NVENT-0774 query parameter 'limit' must");
    }

    /**
     * An IllegalArgumentException the engine's code throws for what it got from elsewhere (a stored value it cannot
     * read back, a broken invariant) is no bad parameter of the request: answered 400 with its text, it blamed the
     * caller for a bug, showed internal data to anyone (webhooks answer anonymous callers), and was never logged.
     */
    @Test
    void anIllegalArgumentThrownDeepInTheEngineIsABugAnswered500AndLogged() {
        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage())
                .contains("NVENT-0731"))) {
            ContainerResponse response = get("fail/engine-bug");

            assertThat(response.getStatus()).isEqualTo(500);
            assertThat(response.getEntity()).asString().contains("\"detail\":\"see the server log (NVENT-0731)\"")
                    .doesNotContain("step job");
            assertThat(log.records()).singleElement().extracting(LogRecord::getThrown)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    /** An option object's eager check of what the resource built from the request is the caller's refusal. */
    @Test
    void anOptionTheResourceBuiltFromTheRequestThatTheApiRefusesIsA400() {
        ContainerResponse response = get("fail/bad-option");

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(response.getEntity()).asString()
                .contains("\"detail\":\"NVENT-0769 the request was refused: an idempotency key must not be blank\"");
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

    /** An adapter written for an earlier nvent cannot do what was asked: no bug of the server, nothing to log per click. */
    @Test
    void whatAnAdapterCannotDoIsA501ProblemWithItsMessageAndNoErrorLogged() {
        try (LogRecorder log = LogRecorder.recording(entry -> entry.getLevel().intValue()
                >= java.util.logging.Level.SEVERE.intValue())) {
            ContainerResponse unsupported = get("fail/unsupported-by-adapter");

            assertThat(unsupported.getStatus()).isEqualTo(501);
            assertThat(unsupported.getMediaType()).hasToString("application/problem+json");
            assertThat(unsupported.getEntity()).asString().contains("NVENT-0552 run 'r-1' not deleted: the store"
                    + " com.acme.OldStore cannot delete a single run");
            assertThat(log.records()).isEmpty();
        }
    }
}
