package io.nvent.web.internal.rest;

import java.time.Instant;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A signed webhook request is accepted once while its timestamp is valid. */
class SeenSignaturesTest {

    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    private static final Instant VALID_UNTIL = NOW.plusSeconds(300);

    private final SeenSignatures seen = new SeenSignatures();

    @Test
    void theSameSignedRequestIsAcceptedOnlyOnceWithinItsWindow() {
        assertThat(seen.accept("orders", "1700000000", "sha256=ABCD", NOW, VALID_UNTIL)).isPresent();

        assertThat(seen.accept("orders", "1700000000", "sha256=abcd", NOW.plusSeconds(60), VALID_UNTIL))
                .as("the same signature, hex in another case").isEmpty();
    }

    @Test
    void anotherTimestampSignatureOrTriggerIsAnotherRequest() {
        seen.accept("orders", "1700000000", "sha256=abcd", NOW, VALID_UNTIL);

        assertThat(seen.accept("orders", "1700000001", "sha256=abcd", NOW, VALID_UNTIL)).isPresent();
        assertThat(seen.accept("orders", "1700000000", "sha256=abce", NOW, VALID_UNTIL)).isPresent();
        assertThat(seen.accept("refunds", "1700000000", "sha256=abcd", NOW, VALID_UNTIL)).isPresent();
    }

    @Test
    void aRequestIsForgottenOnceItsTimestampHasLeftTheWindow() {
        seen.accept("orders", "1700000000", "sha256=abcd", NOW, VALID_UNTIL);

        assertThat(seen.accept("orders", "1700000000", "sha256=abcd", VALID_UNTIL.plusSeconds(1),
                VALID_UNTIL.plusSeconds(301))).isPresent();
    }

    @Test
    void aForgottenRequestIsAcceptedAgain() {
        String key = seen.accept("orders", "1700000000", "sha256=abcd", NOW, VALID_UNTIL).orElseThrow();

        seen.forget(key);

        assertThat(seen.accept("orders", "1700000000", "sha256=abcd", NOW, VALID_UNTIL)).isPresent();
    }
}
