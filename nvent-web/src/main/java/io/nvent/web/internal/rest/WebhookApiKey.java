package io.nvent.web.internal.rest;

import io.nvent.web.internal.security.Secrets;
import java.util.Optional;

/**
 * Checks the API key a webhook request carries against the keys configured for its trigger. The
 * comparison takes the same time whichever key matches and however much of a wrong key is right:
 * every configured key is compared, each as the SHA-256 digest of its bytes, so neither where a
 * guess goes wrong nor its length shows in the timing. Refusals say what is wrong, never the key.
 */
final class WebhookApiKey {

    private static final String BEARER = "Bearer ";

    private WebhookApiKey() {
    }

    /**
     * Why a request is refused, or empty when it carries one of the keys.
     *
     * @param value the value of the trigger's API key header, if the request has it
     */
    static Optional<String> refusal(WebhookProtection protection, Optional<String> value) {
        String header = protection.apiKeyHeader();
        String wanted = protection.bearer() ? header + ": Bearer <key>" : header;
        if (value.isEmpty() || value.get().isBlank()) {
            return Optional.of("this webhook requires an API key in the header " + wanted);
        }
        String given = value.get().trim();
        if (protection.bearer()) {
            if (!given.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
                return Optional.of("the " + header + " header must be 'Bearer <key>'");
            }
            given = given.substring(BEARER.length()).trim();
        }
        boolean matches = Secrets.matchesAny(given, protection.apiKeys());
        return matches ? Optional.empty() : Optional.of("the " + header + " header holds no valid API key");
    }
}
