package io.nvent.web.internal.rest;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A webhook signature is checked against the bytes received, whatever they are. */
class WebhookSignatureTest {

    private static final String SECRET = "demo-secret";
    private static final Instant NOW = Instant.parse("2024-05-01T10:00:00Z");
    private static final Duration WINDOW = Duration.ofMinutes(5);

    private static String signatureOf(String message) {
        return "sha256=" + HexFormat.of().formatHex(
                WebhookSignature.sign(SECRET, message.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void anEmptyBodySignedAsEmptyIsAccepted() {
        String timestamp = String.valueOf(NOW.getEpochSecond());

        assertThat(WebhookSignature.problem(SECRET, timestamp, signatureOf(timestamp + "."), new byte[0], NOW,
                WINDOW)).isEmpty();
    }

    @Test
    void aBodyThatIsNotUtf8IsVerifiedByteForByte() {
        String timestamp = String.valueOf(NOW.getEpochSecond());
        byte[] latin1 = "café".getBytes(StandardCharsets.ISO_8859_1);
        byte[] message = WebhookSignature.signedMessage(NOW.getEpochSecond(), latin1);
        String signature = "sha256=" + HexFormat.of().formatHex(WebhookSignature.sign(SECRET, message));

        assertThat(WebhookSignature.problem(SECRET, timestamp, signature, latin1, NOW, WINDOW)).isEmpty();
        assertThat(WebhookSignature.problem(SECRET, timestamp, signature, "café".getBytes(StandardCharsets.UTF_8),
                NOW, WINDOW)).contains("the signature does not match the body");
    }

    @Test
    void aSignatureOfAnotherBodyOrAnOldTimestampIsRefused() {
        String timestamp = String.valueOf(NOW.getEpochSecond());
        String stale = String.valueOf(NOW.minus(Duration.ofMinutes(6)).getEpochSecond());

        assertThat(WebhookSignature.problem(SECRET, timestamp, signatureOf(timestamp + ".{}"), new byte[0], NOW,
                WINDOW)).contains("the signature does not match the body");
        assertThat(WebhookSignature.problem(SECRET, stale, signatureOf(stale + "."), new byte[0], NOW, WINDOW))
                .hasValueSatisfying(p -> assertThat(p).contains("replay window"));
    }
}
