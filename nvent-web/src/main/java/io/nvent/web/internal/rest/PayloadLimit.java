package io.nvent.web.internal.rest;

import io.nvent.InvalidPayloadException;
import io.nvent.cdi.NventConfig;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.ext.ReaderInterceptor;
import jakarta.ws.rs.ext.ReaderInterceptorContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Keeps request bodies within {@code nvent.payload.max-bytes} (1 MiB by default), the limit the
 * engine applies to every payload, and answers 413 for a larger one before it is held in memory: a
 * declared {@code Content-Length} above the limit is refused without reading, and any other body
 * (chunked) is held no further than one byte past the limit. The rest of an over-limit chunked body
 * is then read and dropped, up to {@link #DISCARD_BYTES} more, so that a client still sending it gets
 * the 413 instead of a connection reset (closing a connection that still has unread bytes makes the
 * server's TCP stack reset it, often before the client has read the answer); a longer one is left
 * unread and its connection closed. A
 * body meant as text (JSON, without
 * another charset) must be UTF-8: one that is not is refused with 400, rather than read with its
 * bad bytes replaced and stored as if the sender had sent replacement characters.
 */
public class PayloadLimit implements ReaderInterceptor {

    static final String MAX_BYTES_KEY = "nvent.payload.max-bytes";
    static final int DEFAULT_MAX_BYTES = 1024 * 1024;
    /** How much of an over-limit chunked body is read and dropped at most (Tomcat's maxSwallowSize). */
    static final int DISCARD_BYTES = 2 * 1024 * 1024;

    private final int maxBytes;

    public PayloadLimit() {
        this(new NventConfig().getInt(MAX_BYTES_KEY, DEFAULT_MAX_BYTES, 1024));
    }

    PayloadLimit(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public Object aroundReadFrom(ReaderInterceptorContext context) throws IOException {
        byte[] body = read(context.getHeaders().getFirst(HttpHeaders.CONTENT_LENGTH), context.getInputStream());
        if (isUtf8(context.getMediaType())) {
            requireUtf8(body);
        }
        context.setInputStream(new ByteArrayInputStream(body));
        return context.proceed();
    }

    /** Whether a body of this type is UTF-8 text: JSON, or anything that names no other charset. */
    private static boolean isUtf8(MediaType type) {
        String charset = type == null ? null : type.getParameters().get(MediaType.CHARSET_PARAMETER);
        return charset == null ? type == null || !type.isCompatible(MediaType.APPLICATION_OCTET_STREAM_TYPE)
                : charset.equalsIgnoreCase("utf-8") || charset.equalsIgnoreCase("utf8");
    }

    /**
     * Checks that the body is well-formed UTF-8.
     *
     * @throws InvalidPayloadException naming the offset of the first bad byte (answered with 400)
     */
    static void requireUtf8(byte[] body) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(body);
        CharBuffer out = CharBuffer.allocate(4096);
        CoderResult result;
        do {
            out.clear();
            result = decoder.decode(in, out, true);
            if (result.isError()) {
                throw new InvalidPayloadException("NVENT-0754 the body is not valid UTF-8: byte " + in.position()
                        + " starts no UTF-8 character; JSON must be sent as UTF-8");
            }
        } while (result.isOverflow());
    }

    /**
     * The body, if it is within the limit.
     *
     * @param contentLength the declared length, or null for a chunked body
     * @throws PayloadTooLargeException if the declared length or the body exceeds the limit
     */
    byte[] read(String contentLength, InputStream body) throws IOException {
        long declared = declaredLength(contentLength);
        if (declared > maxBytes) {
            throw tooLarge("has " + declared + " bytes, more", true);
        }
        byte[] read = body.readNBytes((int) Math.min((long) maxBytes + 1, Integer.MAX_VALUE));
        if (read.length > maxBytes) {
            throw tooLarge("is larger", !discardedToItsEnd(body));
        }
        return read;
    }

    /** Reads and drops what is left of {@code body}, if that is at most {@link #DISCARD_BYTES}. */
    private static boolean discardedToItsEnd(InputStream body) {
        byte[] dropped = new byte[8192];
        try {
            for (long total = 0; total <= DISCARD_BYTES; ) {
                int read = body.read(dropped);
                if (read < 0) {
                    return true;
                }
                total += read;
            }
            return false;
        } catch (IOException unreadable) {
            return false;
        }
    }

    private static long declaredLength(String contentLength) {
        try {
            return contentLength == null ? -1 : Long.parseLong(contentLength.trim());
        } catch (NumberFormatException notANumber) {
            return -1;
        }
    }

    private PayloadTooLargeException tooLarge(String what, boolean bodyLeftUnread) {
        return new PayloadTooLargeException("NVENT-0792 the body " + what + " than the limit of " + maxBytes + " bytes ("
                + MAX_BYTES_KEY + "); send a smaller one, or have the operator raise the limit", bodyLeftUnread);
    }
}
