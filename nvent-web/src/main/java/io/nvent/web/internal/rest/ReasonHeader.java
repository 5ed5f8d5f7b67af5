package io.nvent.web.internal.rest;

import io.nvent.Operator;
import io.nvent.spi.internal.LogText;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Lets every operator endpoint (each method that takes {@code ?}{@value Operators#REASON}{@code =}) take its reason
 * in the {@value #NAME} header too: UTF-8, percent-encoded (RFC 3986, as JavaScript's {@code encodeURIComponent}
 * writes it), since a header value is ISO-8859-1. A long reason outside ASCII (1,000 Japanese characters are some
 * 9 KB percent-encoded) overran the server's limit on a request line, which refused it with a bare error before nvent
 * saw it. Before a resource is matched, the decoded reason becomes the request's {@code reason} query parameter
 * (inside the runtime only: the server logged the request line as sent), so the endpoints take it as they take
 * {@code ?reason=}; an endpoint that takes none leaves it unread ({@link KnownQueryParams} lets it pass there).
 * A blank reason is none, in the header as in the query: the other one, if any, is taken.
 * Refused, as a {@code 400} before any action: a value that is not percent-encoded UTF-8 ({@code NVENT-1125}), the
 * header given twice ({@code NVENT-1127}), a query's {@code reason} that says something else ({@code NVENT-1126}),
 * and a reason the query's would be refused for ({@code NVENT-0734}, naming the header).
 */
@PreMatching
public class ReasonHeader implements ContainerRequestFilter {

    /** The request header an operator endpoint takes a reason from, beside {@code ?reason=}. */
    public static final String NAME = "Nvent-Reason";
    /** The request property set when the query's {@code reason} came from the header. */
    static final String FROM_HEADER = ReasonHeader.class.getName() + ".fromHeader";

    private static final String ENCODE = "encode the reason's UTF-8 bytes as %XX (JavaScript's encodeURIComponent,"
            + " Java's URLEncoder with %20 for a space); the request did nothing";

    private static final java.util.Set<String> READS = java.util.Set.of("GET", "HEAD", "OPTIONS");

    @Override
    public void filter(ContainerRequestContext request) {
        List<String> values = request.getHeaders().get(NAME);
        if (values == null || values.isEmpty() || READS.contains(request.getMethod())) {
            return; // a read records no reason: the header is left unread, as any other it does not take
        }
        List<String> queryReasons = request.getUriInfo().getQueryParameters().get(Operators.REASON);
        String queryReason = queryReasons == null ? null : queryReasons.get(0);
        Optional<String> refusal = refusal(values, queryReason);
        if (refusal.isPresent()) {
            request.abortWith(Problems.of(400, "Bad request", refusal.get()));
            return;
        }
        if (givesReason(values.get(0))
                && (queryReasons == null || queryReasons.size() == 1 && queryReason.isBlank())) {
            // a blank reason is none: an empty header leaves the query's reason, an empty ?reason= gives way (one
            // given twice stays, for the endpoint to refuse)
            URI uri = request.getUriInfo().getRequestUri();
            String encoded = URLEncoder.encode(decode(values.get(0)), StandardCharsets.UTF_8).replace("+", "%20");
            request.setRequestUri(request.getUriInfo().getBaseUri(), URI.create(uri.toString()
                    .replaceFirst("[?#].*$", "") + "?" + otherParameters(uri.getRawQuery()) + Operators.REASON + "="
                    + encoded));
            request.setProperty(FROM_HEADER, Boolean.TRUE);
        }
    }

    /**
     * Whether the header's value gives a reason, which then stands in the query in place of any blank one there.
     *
     * @param value the header's value, {@code null} without one
     */
    static boolean givesReason(String value) {
        try {
            return value != null && !decode(value).isBlank();
        } catch (IllegalArgumentException malformed) {
            return false; // refused before any operator endpoint
        }
    }

    /** The raw query's parameters but its {@code reason}, each followed by {@code &}; {@code ""} without any. */
    private static String otherParameters(String rawQuery) {
        if (rawQuery == null) {
            return "";
        }
        StringBuilder others = new StringBuilder();
        for (String parameter : rawQuery.split("&")) {
            if (!parameter.isEmpty() && !parameter.equals(Operators.REASON)
                    && !parameter.startsWith(Operators.REASON + "=")) {
                others.append(parameter).append('&');
            }
        }
        return others.toString();
    }

    /**
     * Why the header's values are refused (the problem's detail), if they are.
     *
     * @param queryReason the query's {@code reason}, {@code null} without one
     */
    static Optional<String> refusal(List<String> values, String queryReason) {
        if (values.size() > 1) {
            return Optional.of("NVENT-1127 the " + NAME + " header is given " + values.size() + " times; give the"
                    + " reason once; the request did nothing");
        }
        String decoded;
        try {
            decoded = decode(values.get(0));
        } catch (IllegalArgumentException malformed) {
            return Optional.of(malformed.getMessage());
        }
        try {
            Operators.because(Operator.named(Operators.ANONYMOUS), decoded, "the " + NAME + " header");
        } catch (IllegalArgumentException refused) {
            return Optional.of(refused.getMessage());
        }
        if (queryReason != null && !queryReason.isBlank() && !decoded.isBlank()
                && !queryReason.strip().equals(decoded.strip())) {
            return Optional.of("NVENT-1126 the reason is given twice, and differently: '" + clipped(queryReason)
                    + "' in the query parameter '" + Operators.REASON + "' and '" + clipped(decoded) + "' in the "
                    + NAME + " header; give it in one of them; the request did nothing");
        }
        return Optional.empty();
    }

    /**
     * The reason a header value carries: printable ASCII as it is, every other character as the percent-encoded
     * bytes of its UTF-8.
     *
     * @throws IllegalArgumentException ({@code NVENT-1125}, saying where and what) if the value is not so
     */
    static String decode(String value) {
        Objects.requireNonNull(value, "value");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '%') {
                if (i + 2 >= value.length() || Character.digit(value.charAt(i + 1), 16) < 0
                        || Character.digit(value.charAt(i + 2), 16) < 0) {
                    String escape = value.substring(i, Math.min(i + 3, value.length()));
                    throw malformed(value, "'" + escape + "' at character " + (i + 1)
                            + " is no % followed by two hex digits (a % itself is written %25)");
                }
                bytes.write(Integer.parseInt(value, i + 1, i + 3, 16));
                i += 2;
            } else if (c < 0x20 || c > 0x7e) {
                throw malformed(value, "'" + c + "' at character " + (i + 1) + " is not printable ASCII, which"
                        + " a header cannot carry as it is");
            } else {
                bytes.write(c);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException notUtf8) {
            throw malformed(value, "its bytes are not UTF-8 (an ISO-8859-1 or Windows-1252 encoding?)");
        }
    }

    private static IllegalArgumentException malformed(String value, String what) {
        return new IllegalArgumentException("NVENT-1125 the " + NAME + " header '" + clipped(value)
                + "' is not percent-encoded UTF-8: " + what + "; " + ENCODE);
    }

    /** Caller-supplied text in a problem: control characters escaped, its first 200 characters. */
    private static String clipped(String text) {
        return LogText.of(text, 200);
    }
}
