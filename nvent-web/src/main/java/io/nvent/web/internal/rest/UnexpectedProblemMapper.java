package io.nvent.web.internal.rest;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.function.Supplier;

/**
 * Last resort: whatever no nearer mapper takes ({@link ProblemMapper} for nvent's exceptions,
 * {@link WebProblemMapper} for the container's HTTP errors) is answered with a problem, never the
 * container's HTML page or a stack trace. JAX-RS picks the mapper whose type is the nearest superclass
 * of what was thrown, so this one gets every other exception, checked ones included, and every
 * {@link Error} (a {@code StackOverflowError}, an {@code AssertionError}, a {@code NoClassDefFoundError}
 * of a broken deployment): a bug, logged once in full and answered 500. An
 * {@link IllegalArgumentException} is the caller's bad parameter, 400 with its message ({@link #withId}), when
 * a check of the request threw it ({@link #refusesTheRequest}); thrown anywhere else, it is a bug as well.
 */
public class UnexpectedProblemMapper implements ExceptionMapper<Throwable> {

    private static final String API_PACKAGE = "io.nvent.";
    private static final String WEB_PACKAGE = "io.nvent.web.";
    private static final java.util.regex.Pattern MESSAGE_ID = java.util.regex.Pattern.compile("NVENT-\\d{4}\\b");

    private static final System.Logger LOG = System.getLogger(UnexpectedProblemMapper.class.getName());

    @Override
    public Response toResponse(Throwable e) {
        if (e instanceof IllegalArgumentException refused && refusesTheRequest(refused)) {
            return Problems.of(400, "Bad request", withId(e.getMessage()));
        }
        LOG.log(System.Logger.Level.ERROR, "NVENT-0731 unexpected error", e);
        return Problems.of(500, "Internal error", "see the server log (NVENT-0731)");
    }

    /**
     * Whether an {@link IllegalArgumentException} refuses what the request sent: it carries a message id (the
     * API's refusals, and the engine's refusals of the arguments a resource passed on, see
     * {@link #checkedByTheEngine}), or the API's code threw it, checking a value it built of the request (its
     * option objects validate eagerly). The first frame past the JDK and the API's types says whose check it
     * was: one in the engine or a store (a stored value it cannot read back, a broken invariant) is a bug,
     * whose text is no business of a caller (webhooks answer anonymous ones).
     */
    static boolean refusesTheRequest(IllegalArgumentException e) {
        if (MESSAGE_ID.matcher(String.valueOf(e.getMessage())).lookingAt()) {
            return true;
        }
        for (StackTraceElement frame : e.getStackTrace()) {
            String type = frame.getClassName();
            if (!type.startsWith("java.") && !type.startsWith("jdk.") && !type.startsWith("sun.")
                    && !isApiType(type)) {
                return type.startsWith(WEB_PACKAGE);
            }
        }
        return false;
    }

    /** A type of nvent's API package itself ({@code io.nvent.StartOptions}, nested ones too), not of a subpackage. */
    private static boolean isApiType(String type) {
        return type.startsWith(API_PACKAGE) && type.indexOf('.', API_PACKAGE.length()) < 0;
    }

    /**
     * Calls the engine with arguments of the request that the engine checks itself ({@code FlowService} and
     * {@code TriggerService} document an {@link IllegalArgumentException} for them: a delayed start of a flow
     * whose entry step waits already, a bulk retry of a step the flow lacks, a blank event name): its refusal
     * is the caller's, a 400 with {@code NVENT-0769}.
     */
    static <T> T checkedByTheEngine(Supplier<T> engineCall) {
        try {
            return engineCall.get();
        } catch (IllegalArgumentException refused) {
            throw new IllegalArgumentException(withId(refused.getMessage()), refused);
        }
    }

    /**
     * A bad parameter's message with a message id: the API's own refusals carry theirs, while the engine's
     * checks of an argument (a flow that cannot start delayed, a bulk retry's step the flow lacks) say what
     * is wrong without one, and a caller could not tell them apart or search for them ({@code NVENT-0769}).
     */
    static String withId(String message) {
        String text = String.valueOf(message);
        return MESSAGE_ID.matcher(text).lookingAt() ? text : "NVENT-0769 the request was refused: " + text;
    }
}
