package io.nvent.web.internal.rest;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 webhook signatures: the sender signs {@code <unix seconds>.<body>} with the
 * trigger's secret and sends {@code X-Nvent-Timestamp: <unix seconds>} and
 * {@code X-Nvent-Signature: sha256=<hex>}. A timestamp outside the replay window is refused, so a
 * captured request cannot be replayed later.
 */
final class WebhookSignature {

    static final String TIMESTAMP_HEADER = "X-Nvent-Timestamp";
    static final String SIGNATURE_HEADER = "X-Nvent-Signature";

    private WebhookSignature() {
    }

    /** Why a request is not properly signed, or empty when it is. */
    static Optional<String> problem(String secret, String timestamp, String signature, byte[] body, Instant now,
                                    Duration replayWindow) {
        if (timestamp == null || signature == null) {
            return Optional.of("this webhook requires the headers " + TIMESTAMP_HEADER + " and " + SIGNATURE_HEADER);
        }
        long seconds;
        try {
            seconds = Long.parseLong(timestamp.trim());
        } catch (NumberFormatException e) {
            return Optional.of(TIMESTAMP_HEADER + " must be unix seconds");
        }
        if (Math.abs(now.getEpochSecond() - seconds) > replayWindow.toSeconds()) {
            return Optional.of(TIMESTAMP_HEADER + " is outside the replay window of " + replayWindow.toSeconds() + " s");
        }
        byte[] expected = sign(secret, signedMessage(seconds, body));
        String given = signature.trim().startsWith("sha256=") ? signature.trim().substring(7) : signature.trim();
        byte[] givenBytes;
        try {
            givenBytes = HexFormat.of().parseHex(given);
        } catch (IllegalArgumentException e) {
            return Optional.of(SIGNATURE_HEADER + " must be sha256=<hex>");
        }
        return MessageDigest.isEqual(expected, givenBytes) ? Optional.empty()
                : Optional.of("the signature does not match the body");
    }

    /** What the sender signs: {@code <unix seconds>.} followed by the body exactly as sent. */
    static byte[] signedMessage(long seconds, byte[] body) {
        byte[] prefix = (seconds + ".").getBytes(StandardCharsets.US_ASCII);
        byte[] message = Arrays.copyOf(prefix, prefix.length + body.length);
        System.arraycopy(body, 0, message, prefix.length, body.length);
        return message;
    }

    /** The signature of a message, as the sender computes it. */
    static byte[] sign(String secret, byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
