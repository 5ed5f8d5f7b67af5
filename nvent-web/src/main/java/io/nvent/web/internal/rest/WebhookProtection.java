package io.nvent.web.internal.rest;

import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;

/**
 * How the callers of a webhook trigger must prove who they are, as configured: a secret to sign
 * with ({@code nvent.triggers.<name>.secret}), API keys to send in a header
 * ({@code nvent.triggers.<name>.api-key}, several, comma-separated, while one is being replaced; the
 * header {@code nvent.triggers.<name>.api-key-header}, by default {@value #DEFAULT_API_KEY_HEADER}),
 * both (then both are required) or neither. Read from MicroProfile Config, so the environment
 * variable form ({@code NVENT_TRIGGERS_ERP_HOOK_API_KEY}) counts. {@link #toString()} names which
 * protections are on and never the secret or a key.
 *
 * @param secret the HMAC secret requests are signed with
 * @param apiKeys the keys a request may carry, none when no key is required
 * @param apiKeyHeader the header that carries the key
 */
public record WebhookProtection(Optional<String> secret, List<String> apiKeys, String apiKeyHeader) {

    /** The header that carries the API key unless {@code nvent.triggers.<name>.api-key-header} names another. */
    public static final String DEFAULT_API_KEY_HEADER = "X-API-Key";

    /** The header that, when named, takes the key as {@code Bearer <key>}. */
    static final String AUTHORIZATION = "Authorization";

    public WebhookProtection {
        apiKeys = List.copyOf(apiKeys);
    }

    /** The protection configured for a trigger, by its name as stored. */
    public static WebhookProtection of(Config config, String trigger) {
        String prefix = "nvent.triggers." + trigger + ".";
        List<String> keys = config.getOptionalValues(prefix + "api-key", String.class).orElse(List.of()).stream()
                .map(String::trim).filter(key -> !key.isEmpty()).toList();
        String header = config.getOptionalValue(prefix + "api-key-header", String.class).map(String::trim)
                .filter(name -> !name.isEmpty()).orElse(DEFAULT_API_KEY_HEADER);
        return new WebhookProtection(config.getOptionalValue(prefix + "secret", String.class), keys, header);
    }

    /** Whether requests must be signed. */
    public boolean signed() {
        return secret.isPresent();
    }

    /** Whether requests must carry one of the API keys. */
    public boolean apiKeyRequired() {
        return !apiKeys.isEmpty();
    }

    /** Whether anyone who reaches the webhook can fire the trigger. */
    public boolean open() {
        return !signed() && !apiKeyRequired();
    }

    /** Whether the key is sent as {@code Authorization: Bearer <key>}. */
    boolean bearer() {
        return apiKeyHeader.equalsIgnoreCase(AUTHORIZATION);
    }

    @Override
    public String toString() {
        return "WebhookProtection[signed=" + signed() + ", apiKey=" + apiKeyRequired() + ", apiKeyHeader="
                + apiKeyHeader + "]";
    }
}
