package io.nvent.web.internal.rest;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Bodies over {@code nvent.payload.max-bytes} are refused with 413 before they are held in memory. */
class PayloadLimitTest {

    private static final int LIMIT = 1000;

    private final PayloadLimit limit = new PayloadLimit(LIMIT);

    @Test
    void aBodyWithinTheLimitIsReadWhole() throws Exception {
        byte[] body = "{\"id\":1}".getBytes(StandardCharsets.UTF_8);

        assertThat(limit.read(String.valueOf(body.length), new ByteArrayInputStream(body))).isEqualTo(body);
        assertThat(limit.read(null, new ByteArrayInputStream(new byte[LIMIT]))).hasSize(LIMIT);
    }

    @Test
    void aBodyThatIsNotUtf8IsRefusedNamingTheFirstBadByte() {
        byte[] body = "{\"id\":\"??\"}".getBytes(StandardCharsets.UTF_8);
        body[7] = (byte) 0xff;
        body[8] = (byte) 0xfe;

        assertThatThrownBy(() -> PayloadLimit.requireUtf8(body))
                .isInstanceOf(io.nvent.InvalidPayloadException.class)
                .hasMessageContaining("not valid UTF-8: byte 7 starts no UTF-8 character");
        PayloadLimit.requireUtf8("{\"id\":\"äöü €𝄞\"}".getBytes(StandardCharsets.UTF_8));
        PayloadLimit.requireUtf8("x".repeat(10_000).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aDeclaredLengthOverTheLimitIsRefusedWithoutReadingTheBody() {
        EndlessBody body = new EndlessBody();

        assertThatThrownBy(() -> limit.read("300000000", body))
                .isInstanceOf(PayloadTooLargeException.class)
                .hasMessageContaining("300000000 bytes").hasMessageContaining("limit of 1000 bytes")
                .hasMessageContaining("nvent.payload.max-bytes");
        assertThat(body.bytesRead).isZero();
    }

    @Test
    void aChunkedBodyIsReadNoFurtherThanOneBytePastTheLimit() {
        EndlessBody body = new EndlessBody();

        assertThatThrownBy(() -> limit.read(null, body))
                .isInstanceOf(PayloadTooLargeException.class)
                .hasMessageContaining("larger than the limit of 1000 bytes");
        assertThat(body.bytesRead).isEqualTo(LIMIT + 1);
    }

    /** A body that never ends, counting what was read of it. */
    private static final class EndlessBody extends InputStream {

        long bytesRead;

        @Override
        public int read() {
            bytesRead++;
            return 'x';
        }
    }
}
