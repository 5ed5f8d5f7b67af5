package io.nvent.web.internal.rest;

import io.nvent.web.internal.security.Secrets;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 webhook signatures: the sender signs {@code <unix seconds>.<body>} with the
 * trigger's secret and sends {@code X-Nvent-Timestamp: <unix seconds>} and
 * {@code X-Nvent-Signature: sha256=<hex>}. A timestamp outside the replay window is refused, so a
 * captured request cannot be replayed later; one ahead of the server's clock by more than
 * {@link #MAX_FUTURE_SKEW} is refused too. GitHub's scheme ({@link #checkGithub}) signs the body
 * alone, with no timestamp.
 */
final class WebhookSignature {

    static final String TIMESTAMP_HEADER = "X-Nvent-Timestamp";
    static final String SIGNATURE_HEADER = "X-Nvent-Signature";
    static final String GITHUB_SIGNATURE_HEADER = "X-Hub-Signature-256";

    private static final String SIGNATURE_PREFIX = "sha256=";
    /** What is signed, as a refusal says it. */
    private static final String SIGNED_TEXT = "\"<" + TIMESTAMP_HEADER + ">.<body>\"";
    /** Why a request signed otherwise is refused, and how to sign it: signing the body alone is the usual slip. */
    static final String NOT_MATCHING = "the signature does not match the body; sign " + SIGNED_TEXT + " (the body's"
            + " bytes as sent) with HMAC-SHA256 and the trigger's secret, and send " + SIGNATURE_HEADER + ": "
            + SIGNATURE_PREFIX + "<hex>";

    /**
     * Unix seconds written as the sender writes them: digits, no sign, no leading zeros. A timestamp
     * has one spelling only, so a captured request cannot pass for another by respelling it.
     */
    private static final Pattern CANONICAL_SECONDS = Pattern.compile("0|[1-9][0-9]{0,18}");

    /**
     * How far a timestamp may lie ahead of the server's clock: senders' clocks drift by seconds, not
     * minutes. Accepting the whole replay window ahead too (as {@code Math.abs} did) let a request
     * signed with a timestamp 300 s ahead be replayed for twice the window.
     */
    static final Duration MAX_FUTURE_SKEW = Duration.ofSeconds(60);

    private WebhookSignature() {
    }

    /** The outcome of checking a request's signature headers. */
    sealed interface Check permits Signed, Refused {
    }

    /**
     * A properly signed request, identified by what the headers mean rather than how they were
     * written: the timestamp as a number and the signature as lower-case hex without its prefix.
     * Two requests with the same identity are the same request, sent again.
     *
     * @param seconds the timestamp, unix seconds
     * @param signatureHex the signature's bytes as lower-case hex
     */
    record Signed(long seconds, String signatureHex) implements Check {

        /** When the timestamp leaves the replay window, after which the check refuses the request anyway. */
        Instant validUntil(Duration replayWindow) {
            return Instant.ofEpochSecond(seconds).plus(replayWindow);
        }
    }

    /** A request that is not properly signed, and why (for the 401 and the log). */
    record Refused(String problem) implements Check {
    }

    /**
     * Checks a request's signature headers against its body.
     *
     * @param secrets the trigger's secrets: a signature with any of them is taken, each compared in
     *     constant time, all of them every time, so the timing tells neither which one matched nor how
     *     close a guess came
     */
    static Check check(List<String> secrets, Optional<String> timestamp, Optional<String> signature, byte[] body,
                       Instant now, Duration replayWindow) {
        if (timestamp.isEmpty() || signature.isEmpty()) {
            return new Refused("this webhook requires the headers " + TIMESTAMP_HEADER + " (unix seconds) and "
                    + SIGNATURE_HEADER + " (" + SIGNATURE_PREFIX + "<hex HMAC-SHA256 of " + SIGNED_TEXT + ">)");
        }
        String secondsText = timestamp.get().trim();
        if (!CANONICAL_SECONDS.matcher(secondsText).matches()) {
            return new Refused(TIMESTAMP_HEADER + " must be unix seconds, written as digits without sign or "
                    + "leading zeros");
        }
        long seconds;
        try {
            seconds = Long.parseLong(secondsText);
        } catch (NumberFormatException tooLarge) {
            return new Refused(TIMESTAMP_HEADER + " must be unix seconds");
        }
        if (now.getEpochSecond() - seconds > replayWindow.toSeconds()) {
            return new Refused(TIMESTAMP_HEADER + " is outside the replay window of " + replayWindow.toSeconds()
                    + " s; sign each request with the current unix time (and check the sender's clock)");
        }
        if (seconds - now.getEpochSecond() > MAX_FUTURE_SKEW.toSeconds()) {
            return new Refused(TIMESTAMP_HEADER + " is more than " + MAX_FUTURE_SKEW.toSeconds() + " s ahead of the "
                    + "server's clock");
        }
        // The prefix is optional for senders that always sent bare hex; the identity of the request
        // does not depend on it.
        String given = signature.get().trim();
        String hex = given.startsWith(SIGNATURE_PREFIX) ? given.substring(SIGNATURE_PREFIX.length()) : given;
        byte[] givenBytes;
        try {
            givenBytes = HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            return new Refused(SIGNATURE_HEADER + " must be sha256=<hex>");
        }
        byte[] message = signedMessage(seconds, body);
        return signedWithAny(secrets, message, givenBytes) ? new Signed(seconds, HexFormat.of().formatHex(givenBytes))
                : new Refused(NOT_MATCHING);
    }

    /**
     * Checks a request signed as GitHub signs webhook deliveries: {@code X-Hub-Signature-256:
     * sha256=<hex HMAC-SHA256 of the body>}.
     *
     * @return why the request is refused, or empty if it is signed with the secret
     */
    static Optional<String> checkGithub(List<String> secrets, Optional<String> signature, byte[] body) {
        if (signature.isEmpty()) {
            return Optional.of("this webhook requires the header " + GITHUB_SIGNATURE_HEADER);
        }
        String given = signature.get().trim();
        Optional<String> malformed = Optional.of(GITHUB_SIGNATURE_HEADER + " must be sha256=<hex>");
        if (!given.startsWith(SIGNATURE_PREFIX)) {
            return malformed;
        }
        byte[] givenBytes;
        try {
            givenBytes = HexFormat.of().parseHex(given.substring(SIGNATURE_PREFIX.length()));
        } catch (IllegalArgumentException e) {
            return malformed;
        }
        return signedWithAny(secrets, body, givenBytes) ? Optional.empty()
                : Optional.of("the signature does not match the body");
    }

    /** Whether the signature is the message's with one of the secrets, every one of them compared. */
    private static boolean signedWithAny(List<String> secrets, byte[] message, byte[] signature) {
        return Secrets.matchesAnyBytes(signature, secrets.stream().map(secret -> sign(secret, message)).toList());
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
