package io.nvent.web.internal.rest;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** A webhook signature is checked against the bytes received, whatever they are. */
class WebhookSignatureTest {

    private static final String SECRET = "demo-secret";
    private static final Instant NOW = Instant.parse("2024-05-01T10:00:00Z");
    private static final String TIMESTAMP = String.valueOf(NOW.getEpochSecond());
    private static final Duration WINDOW = Duration.ofMinutes(5);
    private static final byte[] BODY = "{\"sku\":\"A-7\"}".getBytes(StandardCharsets.UTF_8);

    private static String hexSignatureOf(byte[] message) {
        return HexFormat.of().formatHex(WebhookSignature.sign(SECRET, message));
    }

    private static String signatureOf(String message) {
        return "sha256=" + hexSignatureOf(message.getBytes(StandardCharsets.UTF_8));
    }

    private static WebhookSignature.Check check(String timestamp, String signature, byte[] body) {
        return WebhookSignature.check(List.of(SECRET), Optional.of(timestamp), Optional.of(signature), body, NOW, WINDOW);
    }

    private static Optional<String> problemOf(WebhookSignature.Check check) {
        return check instanceof WebhookSignature.Refused refused ? Optional.of(refused.problem()) : Optional.empty();
    }

    @Test
    void anEmptyBodySignedAsEmptyIsAccepted() {
        assertThat(check(TIMESTAMP, signatureOf(TIMESTAMP + "."), new byte[0]))
                .isInstanceOf(WebhookSignature.Signed.class);
    }

    @Test
    void aBodyThatIsNotUtf8IsVerifiedByteForByte() {
        byte[] latin1 = "café".getBytes(StandardCharsets.ISO_8859_1);
        String signature = "sha256=" + hexSignatureOf(WebhookSignature.signedMessage(NOW.getEpochSecond(), latin1));

        assertThat(check(TIMESTAMP, signature, latin1)).isInstanceOf(WebhookSignature.Signed.class);
        assertThat(problemOf(check(TIMESTAMP, signature, "café".getBytes(StandardCharsets.UTF_8))))
                .contains(WebhookSignature.NOT_MATCHING);
    }

    @Test
    void aSignatureOfAnotherBodyOrAnOldTimestampIsRefused() {
        String stale = String.valueOf(NOW.minus(Duration.ofMinutes(6)).getEpochSecond());

        assertThat(problemOf(check(TIMESTAMP, signatureOf(TIMESTAMP + ".{}"), new byte[0])))
                .contains(WebhookSignature.NOT_MATCHING);
        assertThat(problemOf(check(stale, signatureOf(stale + "."), new byte[0])))
                .hasValueSatisfying(p -> assertThat(p).contains("replay window"));
    }

    /** A sender who signed the body alone, or an old timestamp, learns from the refusal what to do. */
    @Test
    void eachRefusalOfASignatureSaysWhatTheSenderMustSendInstead() {
        String stale = String.valueOf(NOW.minus(Duration.ofMinutes(6)).getEpochSecond());

        assertThat(problemOf(check(TIMESTAMP, "sha256=" + hexSignatureOf(BODY), BODY))).hasValue("the signature does"
                + " not match the body; sign \"<X-Nvent-Timestamp>.<body>\" (the body's bytes as sent) with HMAC-SHA256"
                + " and the trigger's secret, and send X-Nvent-Signature: sha256=<hex>");
        assertThat(problemOf(check(stale, signatureOf(stale + "."), new byte[0]))).hasValue("X-Nvent-Timestamp is"
                + " outside the replay window of 300 s; sign each request with the current unix time (and check the"
                + " sender's clock)");
        assertThat(problemOf(WebhookSignature.check(List.of(SECRET), Optional.empty(), Optional.empty(), BODY, NOW,
                WINDOW))).hasValue("this webhook requires the headers X-Nvent-Timestamp (unix seconds) and"
                + " X-Nvent-Signature (sha256=<hex HMAC-SHA256 of \"<X-Nvent-Timestamp>.<body>\">)");
    }

    @Test
    void whileTheSecretIsReplacedARequestSignedWithTheOldOrTheNewIsTakenAndNoOtherIs() {
        List<String> oldAndNew = List.of("old-secret-0123456789", "new-secret-0123456789");
        byte[] message = WebhookSignature.signedMessage(NOW.getEpochSecond(), BODY);
        String byOld = HexFormat.of().formatHex(WebhookSignature.sign("old-secret-0123456789", message));
        String byNew = HexFormat.of().formatHex(WebhookSignature.sign("new-secret-0123456789", message));

        assertThat(WebhookSignature.check(oldAndNew, Optional.of(TIMESTAMP), Optional.of("sha256=" + byOld), BODY, NOW,
                WINDOW)).isInstanceOf(WebhookSignature.Signed.class);
        assertThat(WebhookSignature.check(oldAndNew, Optional.of(TIMESTAMP), Optional.of("sha256=" + byNew), BODY, NOW,
                WINDOW)).isInstanceOf(WebhookSignature.Signed.class);
        assertThat(problemOf(WebhookSignature.check(oldAndNew, Optional.of(TIMESTAMP),
                Optional.of(signatureOf(TIMESTAMP + ".{\"sku\":\"A-7\"}")), BODY, NOW, WINDOW)))
                .as("signed with neither").contains(WebhookSignature.NOT_MATCHING);

        assertThat(WebhookSignature.checkGithub(oldAndNew, Optional.of("sha256="
                + HexFormat.of().formatHex(WebhookSignature.sign("new-secret-0123456789", BODY))), BODY)).isEmpty();
        assertThat(WebhookSignature.checkGithub(oldAndNew, Optional.of("sha256=" + hexSignatureOf(BODY)), BODY))
                .contains("the signature does not match the body");
    }

    @Test
    void aTimestampAheadOfTheServersClockIsTakenForAMinuteNotForTheWholeWindow() {
        String minuteAhead = String.valueOf(NOW.plus(WebhookSignature.MAX_FUTURE_SKEW).getEpochSecond());
        String furtherAhead = String.valueOf(NOW.plus(WebhookSignature.MAX_FUTURE_SKEW).plusSeconds(1).getEpochSecond());
        String fourMinutesAhead = String.valueOf(NOW.plus(Duration.ofMinutes(4)).getEpochSecond());

        assertThat(check(minuteAhead, signatureOf(minuteAhead + "."), new byte[0]))
                .isInstanceOf(WebhookSignature.Signed.class);
        assertThat(problemOf(check(furtherAhead, signatureOf(furtherAhead + "."), new byte[0])))
                .contains("X-Nvent-Timestamp is more than 60 s ahead of the server's clock");
        assertThat(problemOf(check(fourMinutesAhead, signatureOf(fourMinutesAhead + "."), new byte[0])))
                .as("within the window's 300 s, but ahead").isPresent();
    }

    @Test
    void missingHeadersAreRefusedNamingBoth() {
        WebhookSignature.Check unstamped = WebhookSignature.check(List.of(SECRET), Optional.empty(),
                Optional.of(signatureOf("x")), BODY, NOW, WINDOW);

        assertThat(problemOf(unstamped))
                .hasValueSatisfying(p -> assertThat(p).contains("X-Nvent-Timestamp", "X-Nvent-Signature"));
    }

    @ParameterizedTest(name = "X-Nvent-Timestamp: {0}<seconds>")
    @ValueSource(strings = {"0", "00", "+"})
    void aTimestampRespeltWithASignOrLeadingZerosIsRefusedThoughItsNumberWasSigned(String respelling) {
        String signature = "sha256=" + hexSignatureOf(WebhookSignature.signedMessage(NOW.getEpochSecond(), BODY));

        assertThat(problemOf(check(respelling + TIMESTAMP, signature, BODY)))
                .hasValueSatisfying(p -> assertThat(p).contains("X-Nvent-Timestamp", "leading zeros"));
    }

    @Test
    void aTimestampThatIsNoNumberOrTooLargeForOneIsRefused() {
        assertThat(problemOf(check("yesterday", signatureOf("x"), BODY))).isPresent();
        assertThat(problemOf(check("99999999999999999999", signatureOf("x"), BODY))).isPresent();
        assertThat(problemOf(check("-" + TIMESTAMP, signatureOf("x"), BODY))).isPresent();
    }

    @Test
    void aSignedRequestIsIdentifiedByItsNumberAndSignatureBytesHoweverTheHeadersSpellThem() {
        String hex = hexSignatureOf(WebhookSignature.signedMessage(NOW.getEpochSecond(), BODY));
        WebhookSignature.Signed expected = new WebhookSignature.Signed(NOW.getEpochSecond(), hex);

        assertThat(check(TIMESTAMP, "sha256=" + hex, BODY)).isEqualTo(expected);
        assertThat(check(TIMESTAMP, hex, BODY)).as("without the prefix").isEqualTo(expected);
        assertThat(check(TIMESTAMP, "sha256=" + hex.toUpperCase(Locale.ROOT), BODY)).as("upper-case hex")
                .isEqualTo(expected);
        assertThat(check(" " + TIMESTAMP + " ", " sha256=" + hex + " ", BODY)).as("surrounded by blanks")
                .isEqualTo(expected);
    }

    @Test
    void aSignedRequestIsValidUntilItsTimestampLeavesTheWindow() {
        assertThat(new WebhookSignature.Signed(NOW.getEpochSecond(), "ab").validUntil(WINDOW))
                .isEqualTo(NOW.plus(WINDOW));
    }

    @Test
    void aGithubSignatureIsCheckedAsGithubDocumentsIt() {
        // The example of GitHub's "Validating webhook deliveries".
        byte[] body = "Hello, World!".getBytes(StandardCharsets.UTF_8);
        String signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

        assertThat(WebhookSignature.checkGithub(List.of("It's a Secret to Everybody"), Optional.of(signature), body))
                .isEmpty();
        assertThat(WebhookSignature.checkGithub(List.of(SECRET), Optional.of(signature), body))
                .contains("the signature does not match the body");
    }

    @Test
    void aGithubSignatureMissingOrWithoutItsPrefixIsRefused() {
        String hex = hexSignatureOf(BODY);

        assertThat(WebhookSignature.checkGithub(List.of(SECRET), Optional.of("sha256=" + hex), BODY)).isEmpty();
        assertThat(WebhookSignature.checkGithub(List.of(SECRET), Optional.empty(), BODY))
                .contains("this webhook requires the header X-Hub-Signature-256");
        assertThat(WebhookSignature.checkGithub(List.of(SECRET), Optional.of(hex), BODY))
                .contains("X-Hub-Signature-256 must be sha256=<hex>");
        assertThat(WebhookSignature.checkGithub(List.of(SECRET), Optional.of("sha256=xyz"), BODY))
                .contains("X-Hub-Signature-256 must be sha256=<hex>");
    }

    @Test
    void theSchemeIsNventOrGithubAndNothingElse() {
        assertThat(scheme("github")).contains(WebhookProtection.Scheme.GITHUB);
        assertThat(scheme("nvent")).contains(WebhookProtection.Scheme.NVENT);
        assertThat(scheme("gitlab")).isEmpty();
    }

    private static Optional<WebhookProtection.Scheme> scheme(String configured) {
        return new WebhookProtection(List.of(SECRET), configured, List.of(), "X-API-Key").scheme();
    }
}
