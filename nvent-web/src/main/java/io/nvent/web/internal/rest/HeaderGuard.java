package io.nvent.web.internal.rest;

import io.nvent.web.internal.WebSettings;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Refuses a request whose headers cannot mean one thing, before a resource reads them: JAX-RS hands a
 * resource the first of a header given twice and drops the others unnoticed, and fails a
 * {@code Content-Type} it cannot read with an empty 400, which the servlet container answers with its
 * HTML error page.
 *
 * <p>It runs behind the security filter, so a caller is asked to log in (401) before its headers are
 * judged. A webhook's caller authenticates to the resource (API key, signature, token), after this filter:
 * there the resource judges the {@code Idempotency-Key} itself, once the caller proved who it is
 * ({@link #idempotencyKeyRefusal}). A {@code Content-Type} that is no media type is refused here on every
 * other path, as the runtime could not route the request to a resource at all; on a webhook's it is set aside
 * ({@link #SET_ASIDE_CONTENT_TYPE}) for the resource to refuse once the caller proved who it is.
 */
@PreMatching
public class HeaderGuard implements ContainerRequestFilter {

    /**
     * Where a webhook's {@code Content-Type} that is refused ({@link #contentTypeProblem}) is set aside, with
     * {@code application/octet-stream} in its place, so that the request reaches the webhook: it refuses the
     * type ({@link #requireNoSetAsideContentType}) only after the caller's key or signature, so that a caller who
     * cannot sign learns the refusal of its signature, not what the webhook parses. A caller that sends this
     * header itself gains nothing: it is judged only after the caller authenticated, as a Content-Type would be.
     */
    public static final String SET_ASIDE_CONTENT_TYPE = "Nvent-Set-Aside-Content-Type";

    private static final String IDENTITY = "identity";
    private static final String SEND_JSON = "send application/json (in UTF-8, its default charset)";

    @Override
    public void filter(ContainerRequestContext request) {
        MultivaluedMap<String, String> headers = request.getHeaders();
        Optional<String> encoded = contentEncodingRefusal(headers.get(HttpHeaders.CONTENT_ENCODING));
        if (encoded.isPresent()) {
            // RFC 7694: a 415 for a content coding says in Accept-Encoding which ones the server takes.
            request.abortWith(Response.fromResponse(Problems.of(415, "Unsupported Media Type", encoded.get()))
                    .header(HttpHeaders.ACCEPT_ENCODING, IDENTITY).build());
            return;
        }
        boolean webhook = WebSettings.isWebhook(WebSettings.API_PATH + "/" + request.getUriInfo().getPath(false));
        if (webhook) {
            String contentType = headers.getFirst(HttpHeaders.CONTENT_TYPE);
            if (contentTypeProblem(contentType).isPresent()) {
                headers.putSingle(SET_ASIDE_CONTENT_TYPE, contentType);
                headers.putSingle(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_OCTET_STREAM);
            } else if (!MediaType.APPLICATION_OCTET_STREAM.equals(contentType)) {
                // Only the servlet filter sets a type aside, and puts octet-stream in its place: beside any other
                // type the header is the caller's own, which would refuse a Content-Type it never sent.
                headers.remove(SET_ASIDE_CONTENT_TYPE);
            }
            return;
        }
        refusal(headers).ifPresent(detail -> request.abortWith(Problems.of(400, "Bad request", detail)));
    }

    /**
     * Refuses a webhook's {@code Content-Type} that was set aside ({@link #SET_ASIDE_CONTENT_TYPE}); the webhook
     * calls it once the caller proved who it is, before it reads the body.
     *
     * @throws IllegalArgumentException ({@code NVENT-0772}, a 400) naming the header as the caller sent it
     */
    static void requireNoSetAsideContentType(HttpHeaders headers) {
        contentTypeProblem(headers.getHeaderString(SET_ASIDE_CONTENT_TYPE)).ifPresent(problem -> {
            throw new IllegalArgumentException(problem);
        });
    }

    /** Why headers are refused (the problem's detail), if they are. */
    static Optional<String> refusal(MultivaluedMap<String, String> headers) {
        return contentTypeProblem(headers.getFirst(HttpHeaders.CONTENT_TYPE)).or(() -> idempotencyKeyRefusal(headers));
    }

    /**
     * Why the {@code Idempotency-Key} headers are refused ({@code NVENT-0771}, the problem's detail), if they
     * are: given more than once.
     */
    static Optional<String> idempotencyKeyRefusal(MultivaluedMap<String, String> headers) {
        List<String> keys = Optional.ofNullable(headers.get(StartRequests.IDEMPOTENCY_KEY)).orElse(List.of());
        if (keys.size() > 1) {
            // A retry sending its keys in another order would otherwise start a second run.
            return Optional.of("NVENT-0771 the " + StartRequests.IDEMPOTENCY_KEY + " header is given " + keys.size()
                    + " times; give it once, with the one key that makes this request safe to repeat; the request"
                    + " did nothing: no run was started, no event delivered");
        }
        return Optional.empty();
    }

    /**
     * Why a body's {@code Content-Encoding} is refused ({@code NVENT-0768}, a 415), if it is: any coding but
     * {@code identity}. Nothing decodes a request body (Jersey on Payara and RESTEasy on WildFly alike), so a
     * gzip body's compressed bytes were read as JSON, and refused as such, or as UTF-8 that is none.
     *
     * @param encodings the header's values; {@code null} when the request has none
     */
    static Optional<String> contentEncodingRefusal(List<String> encodings) {
        List<String> codings = Optional.ofNullable(encodings).orElse(List.of()).stream()
                .flatMap(value -> Arrays.stream(value.split(","))).map(String::trim)
                .filter(coding -> !coding.isEmpty() && !coding.equalsIgnoreCase(IDENTITY)).toList();
        if (codings.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("NVENT-0768 the body was sent with Content-Encoding: " + String.join(", ", codings)
                + ", which this server does not decode; it accepts only identity: send the body uncompressed, "
                + "without the header");
    }

    /**
     * Why a {@code Content-Type} is refused, if it is: it is no media type, or names a charset this
     * server does not know.
     *
     * @param contentType the header's value; {@code null} when the request has none (never refused)
     */
    public static Optional<String> contentTypeProblem(String contentType) {
        if (contentType == null) {
            return Optional.empty();
        }
        MediaType type;
        try {
            type = MediaType.valueOf(contentType);
        } catch (IllegalArgumentException notAMediaType) {
            return Optional.of("NVENT-0772 the Content-Type header '" + contentType + "' is not a media type; "
                    + SEND_JSON);
        }
        String charset = type.getParameters().get(MediaType.CHARSET_PARAMETER);
        if (charset != null && !isKnownCharset(charset)) {
            return Optional.of("NVENT-0772 the Content-Type header '" + contentType + "' names the charset '" + charset
                    + "', which this server does not know; " + SEND_JSON);
        }
        return Optional.empty();
    }

    private static boolean isKnownCharset(String name) {
        try {
            return Charset.isSupported(name);
        } catch (IllegalCharsetNameException e) {
            return false;
        }
    }
}
