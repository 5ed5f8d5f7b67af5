package io.nvent.web.internal.rest;

import io.nvent.cdi.MemoryAdapters;
import io.nvent.spi.SchedulingStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A signed webhook request is accepted once while its timestamp is valid, by every instance that
 * shares the store and after a restart.
 */
class SeenSignaturesTest {

    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    private static final Instant VALID_UNTIL = NOW.plusSeconds(300);
    private static final WebhookSignature.Signed SIGNED = new WebhookSignature.Signed(1_700_000_000L, "abcd");

    private final SchedulingStore store = MemoryAdapters.schedulingStore();
    private final SeenSignatures seen = new SeenSignatures(store);

    private Optional<SeenSignatures.Acceptance> accept(SeenSignatures by, String trigger, WebhookSignature.Signed signed,
                                                       Instant now, Instant validUntil) {
        return by.accept(trigger, signed, Optional.empty(), now, validUntil);
    }

    @Test
    void theSameSignedRequestIsAcceptedOnlyOnceWithinItsWindow() {
        assertThat(accept(seen, "orders", SIGNED, NOW, VALID_UNTIL)).isPresent();

        assertThat(accept(seen, "orders", new WebhookSignature.Signed(1_700_000_000L, "abcd"), NOW.plusSeconds(60),
                VALID_UNTIL)).as("the same request sent again").isEmpty();
    }

    @Test
    void aReplaySentToAnotherInstanceOrAfterARestartIsRefusedByTheStoreTheyShare() {
        assertThat(accept(seen, "orders", SIGNED, NOW, VALID_UNTIL)).isPresent();

        SeenSignatures otherInstance = new SeenSignatures(store);
        assertThat(accept(otherInstance, "orders", SIGNED, NOW.plusSeconds(1), VALID_UNTIL))
                .as("on another instance, or this one restarted").isEmpty();
        assertThat(otherInstance.accept("orders", SIGNED, Optional.of("delivery-1"), NOW.plusSeconds(2), VALID_UNTIL))
                .as("with a key it did not come with").isEmpty();
    }

    @Test
    void aReplayWithItsSignatureRespeltIsStillTheSameRequest() {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        String hex = HexFormat.of().formatHex(WebhookSignature.sign("secret",
                WebhookSignature.signedMessage(NOW.getEpochSecond(), body)));
        String timestamp = String.valueOf(NOW.getEpochSecond());

        assertThat(accept(seen, "orders", signed(timestamp, "sha256=" + hex, body), NOW, VALID_UNTIL)).isPresent();

        assertThat(accept(seen, "orders", signed(timestamp, hex, body), NOW, VALID_UNTIL)).as("without sha256=")
                .isEmpty();
        assertThat(accept(seen, "orders", signed(timestamp, "sha256=" + hex.toUpperCase(Locale.ROOT), body), NOW,
                VALID_UNTIL)).as("in upper-case hex").isEmpty();
    }

    private static WebhookSignature.Signed signed(String timestamp, String signature, byte[] body) {
        return (WebhookSignature.Signed) WebhookSignature.check(List.of("secret"), Optional.of(timestamp),
                Optional.of(signature), body, NOW, Duration.ofMinutes(5));
    }

    @Test
    void anotherTimestampSignatureOrTriggerIsAnotherRequest() {
        accept(seen, "orders", SIGNED, NOW, VALID_UNTIL);

        assertThat(accept(seen, "orders", new WebhookSignature.Signed(1_700_000_001L, "abcd"), NOW, VALID_UNTIL))
                .isPresent();
        assertThat(accept(seen, "orders", new WebhookSignature.Signed(1_700_000_000L, "abce"), NOW, VALID_UNTIL))
                .isPresent();
        assertThat(accept(seen, "refunds", SIGNED, NOW, VALID_UNTIL)).isPresent();
    }

    @Test
    void aRequestIsForgottenOnceItsTimestampHasLeftTheWindow() {
        accept(seen, "orders", SIGNED, NOW, VALID_UNTIL);

        assertThat(accept(seen, "orders", SIGNED, VALID_UNTIL.plusSeconds(1), VALID_UNTIL.plusSeconds(301)))
                .isPresent();
    }

    @Test
    void aForgottenRequestIsAcceptedAgainOnEveryInstance() {
        SeenSignatures.Request request = accept(seen, "orders", SIGNED, NOW, VALID_UNTIL).orElseThrow().request();

        seen.forget(request);

        assertThat(accept(new SeenSignatures(store), "orders", SIGNED, NOW, VALID_UNTIL)).isPresent();
    }

    @Test
    void theStoreKeepsADigestOfTheRequestNotItsSignature() {
        SeenSignatures.Request request = accept(seen, "orders", SIGNED, NOW, VALID_UNTIL).orElseThrow().request();

        assertThat(request.id()).hasSize(64).isHexadecimal().doesNotContain("abcd")
                .isEqualTo(SeenSignatures.id(new WebhookSignature.Signed(1_700_000_000L, "abcd")));
    }

    @Test
    void theSameSignedRequestWithTheKeyItCameWithIsARepeatAndWithAnotherKeyOrNoneAReplay() {
        assertThat(seen.accept("orders", SIGNED, Optional.of("delivery-1"), NOW, VALID_UNTIL))
                .hasValueSatisfying(first -> assertThat(first.repeat()).isFalse());

        assertThat(new SeenSignatures(store).accept("orders", SIGNED, Optional.of("delivery-1"), NOW, VALID_UNTIL))
                .hasValueSatisfying(again -> assertThat(again.repeat()).isTrue());
        assertThat(seen.accept("orders", SIGNED, Optional.of("delivery-2"), NOW, VALID_UNTIL))
                .as("the key is not signed: another one must not make a replay new").isEmpty();
        assertThat(seen.accept("orders", SIGNED, Optional.empty(), NOW, VALID_UNTIL)).isEmpty();
    }
}
