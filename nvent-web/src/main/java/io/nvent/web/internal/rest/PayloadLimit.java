package io.nvent.web.internal.rest;

import io.nvent.cdi.NventConfig;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.ext.Provider;
import jakarta.ws.rs.ext.ReaderInterceptor;
import jakarta.ws.rs.ext.ReaderInterceptorContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Keeps request bodies within {@code nvent.payload.max-bytes} (1 MiB by default), the limit the
 * engine applies to every payload, and answers 413 for a larger one before it is held in memory: a
 * declared {@code Content-Length} above the limit is refused without reading, and any other body
 * (chunked) is read no further than one byte past the limit.
 */
@Provider
public class PayloadLimit implements ReaderInterceptor {

    static final String MAX_BYTES_KEY = "nvent.payload.max-bytes";
    static final int DEFAULT_MAX_BYTES = 1024 * 1024;

    private final int maxBytes;

    public PayloadLimit() {
        this(new NventConfig().getInt(MAX_BYTES_KEY, DEFAULT_MAX_BYTES, 1024));
    }

    PayloadLimit(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public Object aroundReadFrom(ReaderInterceptorContext context) throws IOException {
        context.setInputStream(new ByteArrayInputStream(
                read(context.getHeaders().getFirst(HttpHeaders.CONTENT_LENGTH), context.getInputStream())));
        return context.proceed();
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
            throw tooLarge("has " + declared + " bytes, more");
        }
        byte[] read = body.readNBytes((int) Math.min((long) maxBytes + 1, Integer.MAX_VALUE));
        if (read.length > maxBytes) {
            throw tooLarge("is larger");
        }
        return read;
    }

    private static long declaredLength(String contentLength) {
        try {
            return contentLength == null ? -1 : Long.parseLong(contentLength.trim());
        } catch (NumberFormatException notANumber) {
            return -1;
        }
    }

    private PayloadTooLargeException tooLarge(String what) {
        return new PayloadTooLargeException("the body " + what + " than the limit of " + maxBytes + " bytes ("
                + MAX_BYTES_KEY + ")");
    }
}
