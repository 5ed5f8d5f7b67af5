package io.nvent.web.internal.rest;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A webhook request carries one of its trigger's API keys in the configured header, or is refused saying why. */
class WebhookApiKeyTest {

    private static final WebhookProtection TWO_KEYS = new WebhookProtection(List.of(), "nvent",
            List.of("old-key-1", "new-key-2"), WebhookProtection.DEFAULT_API_KEY_HEADER);
    private static final WebhookProtection BEARER = new WebhookProtection(List.of(), "nvent",
            List.of("token-3"), "authorization");

    @Test
    void eitherKeyOfARotationIsAccepted() {
        assertThat(WebhookApiKey.refusal(TWO_KEYS, Optional.of("old-key-1"))).isEmpty();
        assertThat(WebhookApiKey.refusal(TWO_KEYS, Optional.of(" new-key-2 "))).isEmpty();
    }

    @Test
    void aMissingOrWrongKeyIsRefusedWithoutEchoingIt() {
        assertThat(WebhookApiKey.refusal(TWO_KEYS, Optional.empty()))
                .contains("this webhook requires an API key in the header X-API-Key");
        assertThat(WebhookApiKey.refusal(TWO_KEYS, Optional.of(" ")))
                .contains("this webhook requires an API key in the header X-API-Key");
        assertThat(WebhookApiKey.refusal(TWO_KEYS, Optional.of("old-key-")))
                .contains("the X-API-Key header holds no valid API key");
        assertThat(WebhookApiKey.refusal(TWO_KEYS, Optional.of("old-key-1,new-key-2")))
                .hasValueSatisfying(reason -> assertThat(reason).doesNotContain("key-1", "key-2"));
    }

    @Test
    void inTheAuthorizationHeaderTheKeyComesAsABearerToken() {
        assertThat(WebhookApiKey.refusal(BEARER, Optional.of("Bearer token-3"))).isEmpty();
        assertThat(WebhookApiKey.refusal(BEARER, Optional.of("bearer  token-3"))).isEmpty();
        assertThat(WebhookApiKey.refusal(BEARER, Optional.of("token-3")))
                .contains("the authorization header must be 'Bearer <key>'");
        assertThat(WebhookApiKey.refusal(BEARER, Optional.of("Bearer token-4")))
                .contains("the authorization header holds no valid API key");
        assertThat(WebhookApiKey.refusal(BEARER, Optional.empty()))
                .contains("this webhook requires an API key in the header authorization: Bearer <key>");
    }

    @Test
    void aRefusalChallengesForTheKeyInItsHeaderOrAsABearerToken() {
        assertThat(TWO_KEYS.apiKeyChallenge()).isEqualTo("ApiKey header=\"X-API-Key\"");
        assertThat(BEARER.apiKeyChallenge()).isEqualTo("Bearer");
    }

    @Test
    void aRefusedKeyOfASignedWebhookChallengesForTheKeyAndTheSignatureBoth() {
        WebhookProtection keyedAndSigned = new WebhookProtection(List.of("s"), "nvent", List.of("k"), "X-API-Key");

        assertThat(keyedAndSigned.apiKeyChallenges()).containsExactly("ApiKey header=\"X-API-Key\"",
                keyedAndSigned.signatureChallenge());
        assertThat(TWO_KEYS.apiKeyChallenges()).containsExactly("ApiKey header=\"X-API-Key\"");
    }

    @Test
    void aRefusedSignatureChallengesForTheHeadersOfItsScheme() {
        assertThat(new WebhookProtection(List.of("s"), "nvent", List.of(), "X-API-Key").signatureChallenge())
                .isEqualTo("Signature scheme=\"nvent\", algorithm=\"hmac-sha256\", "
                        + "headers=\"X-Nvent-Timestamp X-Nvent-Signature\"");
        assertThat(new WebhookProtection(List.of("s"), "github", List.of(), "X-API-Key").signatureChallenge())
                .isEqualTo("Signature scheme=\"github\", algorithm=\"hmac-sha256\", headers=\"X-Hub-Signature-256\"");
    }

    @Test
    void aProtectionShowsWhichChecksAreOnButNeverTheSecretOrAKey() {
        WebhookProtection both = new WebhookProtection(List.of("demo-secret"), "github", List.of("k-1"),
                "X-API-Key");

        assertThat(both).hasToString("WebhookProtection[signed=true, signatureScheme=github, apiKey=true, "
                + "apiKeyHeader=X-API-Key]");
        assertThat(both.open()).isFalse();
        assertThat(new WebhookProtection(List.of(), "nvent", List.of(), "X-API-Key").open()).isTrue();
    }
}
