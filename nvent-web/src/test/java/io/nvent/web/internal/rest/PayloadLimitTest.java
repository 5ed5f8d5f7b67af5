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
    void aDeclaredLengthOverTheLimitClosesTheConnection() {
        assertThatThrownBy(() -> limit.read("1001", new ByteArrayInputStream(new byte[1001])))
                .isInstanceOfSatisfying(PayloadTooLargeException.class,
                        refused -> assertThat(refused.bodyLeftUnread()).isTrue());
    }

    @Test
    void aChunkedBodyOverTheLimitIsReadToItsEndWithinTheDiscardAllowanceSoItsSenderIsNotReset() {
        CountingBody body = new CountingBody(LIMIT + PayloadLimit.DISCARD_BYTES);

        assertThatThrownBy(() -> limit.read(null, body))
                .isInstanceOfSatisfying(PayloadTooLargeException.class, refused -> {
                    assertThat(refused).hasMessageContaining("larger than the limit of 1000 bytes");
                    assertThat(refused.bodyLeftUnread()).isFalse();
                });
        assertThat(body.bytesRead).isEqualTo(LIMIT + PayloadLimit.DISCARD_BYTES);
    }

    @Test
    void aChunkedBodyLongerThanTheDiscardAllowanceIsLeftUnreadAndItsConnectionClosed() {
        CountingBody body = new CountingBody(Long.MAX_VALUE);

        assertThatThrownBy(() -> limit.read(null, body))
                .isInstanceOfSatisfying(PayloadTooLargeException.class,
                        refused -> assertThat(refused.bodyLeftUnread()).isTrue());
        assertThat(body.bytesRead).isLessThanOrEqualTo(LIMIT + 1 + PayloadLimit.DISCARD_BYTES + 8192L);
    }

    @Test
    void aChunkedBodyOverTheLimitIsHeldNoFurtherThanOneBytePastIt() throws Exception {
        assertThatThrownBy(() -> limit.read(null, new CountingBody(LIMIT + 1)))
                .isInstanceOfSatisfying(PayloadTooLargeException.class,
                        refused -> assertThat(refused.bodyLeftUnread()).isFalse());
        assertThat(limit.read(null, new CountingBody(LIMIT))).hasSize(LIMIT);
    }

    /** A body of {@code length} bytes, counting what was read of it. */
    private static final class CountingBody extends InputStream {

        private final long length;
        long bytesRead;

        CountingBody(long length) {
            this.length = length;
        }

        @Override
        public int read() {
            if (bytesRead == length) {
                return -1;
            }
            bytesRead++;
            return 'x';
        }
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
