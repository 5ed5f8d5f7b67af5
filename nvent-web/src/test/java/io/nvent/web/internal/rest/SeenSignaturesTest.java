package io.nvent.web.internal.rest;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A signed webhook request is accepted once while its timestamp is valid. */
class SeenSignaturesTest {

    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    private static final Instant VALID_UNTIL = NOW.plusSeconds(300);
    private static final WebhookSignature.Signed SIGNED = new WebhookSignature.Signed(1_700_000_000L, "abcd");

    private final SeenSignatures seen = new SeenSignatures();

    @Test
    void theSameSignedRequestIsAcceptedOnlyOnceWithinItsWindow() {
        assertThat(seen.accept("orders", SIGNED, NOW, VALID_UNTIL)).isPresent();

        assertThat(seen.accept("orders", new WebhookSignature.Signed(1_700_000_000L, "abcd"), NOW.plusSeconds(60),
                VALID_UNTIL)).as("the same request sent again").isEmpty();
    }

    @Test
    void aReplayWithItsSignatureRespeltIsStillTheSameRequest() {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        String hex = HexFormat.of().formatHex(WebhookSignature.sign("secret",
                WebhookSignature.signedMessage(NOW.getEpochSecond(), body)));
        String timestamp = String.valueOf(NOW.getEpochSecond());

        assertThat(seen.accept("orders", signed(timestamp, "sha256=" + hex, body), NOW, VALID_UNTIL)).isPresent();

        assertThat(seen.accept("orders", signed(timestamp, hex, body), NOW, VALID_UNTIL)).as("without sha256=")
                .isEmpty();
        assertThat(seen.accept("orders", signed(timestamp, "sha256=" + hex.toUpperCase(Locale.ROOT), body), NOW,
                VALID_UNTIL)).as("in upper-case hex").isEmpty();
    }

    private static WebhookSignature.Signed signed(String timestamp, String signature, byte[] body) {
        return (WebhookSignature.Signed) WebhookSignature.check(List.of("secret"), Optional.of(timestamp),
                Optional.of(signature), body, NOW, Duration.ofMinutes(5));
    }

    @Test
    void anotherTimestampSignatureOrTriggerIsAnotherRequest() {
        seen.accept("orders", SIGNED, NOW, VALID_UNTIL);

        assertThat(seen.accept("orders", new WebhookSignature.Signed(1_700_000_001L, "abcd"), NOW, VALID_UNTIL))
                .isPresent();
        assertThat(seen.accept("orders", new WebhookSignature.Signed(1_700_000_000L, "abce"), NOW, VALID_UNTIL))
                .isPresent();
        assertThat(seen.accept("refunds", SIGNED, NOW, VALID_UNTIL)).isPresent();
    }

    @Test
    void aRequestIsForgottenOnceItsTimestampHasLeftTheWindow() {
        seen.accept("orders", SIGNED, NOW, VALID_UNTIL);

        assertThat(seen.accept("orders", SIGNED, VALID_UNTIL.plusSeconds(1), VALID_UNTIL.plusSeconds(301)))
                .isPresent();
    }

    @Test
    void aForgottenRequestIsAcceptedAgain() {
        SeenSignatures.Request request = seen.accept("orders", SIGNED, NOW, VALID_UNTIL).orElseThrow();

        seen.forget(request);

        assertThat(seen.accept("orders", SIGNED, NOW, VALID_UNTIL)).isPresent();
    }

    @Test
    void theSameSignedRequestWithTheKeyItCameWithIsARepeatAndWithAnotherKeyOrNoneAReplay() {
        assertThat(seen.accept("orders", SIGNED, java.util.Optional.of("delivery-1"), NOW, VALID_UNTIL))
                .hasValueSatisfying(first -> assertThat(first.repeat()).isFalse());

        assertThat(seen.accept("orders", SIGNED, java.util.Optional.of("delivery-1"), NOW, VALID_UNTIL))
                .hasValueSatisfying(again -> assertThat(again.repeat()).isTrue());
        assertThat(seen.accept("orders", SIGNED, java.util.Optional.of("delivery-2"), NOW, VALID_UNTIL))
                .as("the key is not signed: another one must not make a replay new").isEmpty();
        assertThat(seen.accept("orders", SIGNED, java.util.Optional.empty(), NOW, VALID_UNTIL)).isEmpty();
    }
}
