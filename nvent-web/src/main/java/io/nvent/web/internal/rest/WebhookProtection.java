package io.nvent.web.internal.rest;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;

/**
 * How the callers of a webhook trigger must prove who they are, as configured: secrets to sign
 * with ({@code nvent.triggers.<name>.secret}, several, comma-separated, while one is being replaced: a
 * request signed with any of them is taken; as nvent or as GitHub signs,
 * {@code nvent.triggers.<name>.signature-scheme}), API keys to send in a header
 * ({@code nvent.triggers.<name>.api-key}, several, comma-separated, while one is being replaced; the
 * header {@code nvent.triggers.<name>.api-key-header}, by default {@value #DEFAULT_API_KEY_HEADER}),
 * both (then both are required) or neither. Read from MicroProfile Config, so the environment
 * variable form ({@code NVENT_TRIGGERS_ERP_HOOK_API_KEY}) counts. {@link #toString()} names which
 * protections are on and never the secret or a key.
 *
 * @param secrets the HMAC secrets a request may be signed with, none when requests need no signature
 * @param signatureScheme how requests are signed, as configured (trimmed, lower case): {@code nvent}
 *     unless set; see {@link #scheme()}
 * @param apiKeys the keys a request may carry, none when no key is required
 * @param apiKeyHeader the header that carries the key
 */
public record WebhookProtection(List<String> secrets, String signatureScheme, List<String> apiKeys,
                                String apiKeyHeader) {

    /** The header that carries the API key unless {@code nvent.triggers.<name>.api-key-header} names another. */
    public static final String DEFAULT_API_KEY_HEADER = "X-API-Key";

    /** The signature scheme unless {@code nvent.triggers.<name>.signature-scheme} names another. */
    public static final String DEFAULT_SIGNATURE_SCHEME = "nvent";

    /** How a signed request is signed. */
    public enum Scheme {
        /** {@code X-Nvent-Timestamp} and {@code X-Nvent-Signature} over {@code "<timestamp>.<body>"}. */
        NVENT,
        /** GitHub's {@code X-Hub-Signature-256: sha256=<hex>} over the body alone. */
        GITHUB
    }

    /** The header that, when named, takes the key as {@code Bearer <key>}. */
    static final String AUTHORIZATION = "Authorization";

    /**
     * The fewest characters of a secret or key that is not reported as short ({@code NVENT-0793}): as
     * for metrics tokens, which refuse shorter ones; a secret is only warned about, so that a deployment
     * that signed with a short one keeps working after an upgrade.
     */
    public static final int MIN_SECRET_LENGTH = 16;

    public WebhookProtection {
        secrets = List.copyOf(secrets);
        apiKeys = List.copyOf(apiKeys);
    }

    /** The protection configured for a trigger, by its name as stored. */
    public static WebhookProtection of(Config config, String trigger) {
        String prefix = "nvent.triggers." + trigger + ".";
        List<String> keys = list(config, prefix + "api-key");
        String header = config.getOptionalValue(prefix + "api-key-header", String.class).map(String::trim)
                .filter(name -> !name.isEmpty()).orElse(DEFAULT_API_KEY_HEADER);
        String scheme = config.getOptionalValue(prefix + "signature-scheme", String.class)
                .map(name -> name.trim().toLowerCase(Locale.ROOT)).filter(name -> !name.isEmpty())
                .orElse(DEFAULT_SIGNATURE_SCHEME);
        return new WebhookProtection(list(config, prefix + "secret"), scheme, keys, header);
    }

    /** A comma-separated setting's values, trimmed ({@code \,} is a comma inside one), blank ones left out. */
    private static List<String> list(Config config, String key) {
        return config.getOptionalValues(key, String.class).orElse(List.of()).stream().map(String::trim)
                .filter(value -> !value.isEmpty()).toList();
    }

    /** Whether requests must be signed. */
    public boolean signed() {
        return !secrets.isEmpty();
    }

    /** Whether one of the secrets is shorter than {@value #MIN_SECRET_LENGTH} characters, and so easier to guess. */
    public boolean shortSecret() {
        return secrets.stream().anyMatch(secret -> secret.length() < MIN_SECRET_LENGTH);
    }

    /** The scheme signed requests follow, or empty if {@link #signatureScheme()} names none. */
    public Optional<Scheme> scheme() {
        return Arrays.stream(Scheme.values()).filter(s -> s.name().toLowerCase(Locale.ROOT).equals(signatureScheme))
                .findFirst();
    }

    /** Whether requests must carry one of the API keys. */
    public boolean apiKeyRequired() {
        return !apiKeys.isEmpty();
    }

    /** Whether anyone who reaches the webhook can fire the trigger. */
    public boolean open() {
        return !signed() && !apiKeyRequired();
    }

    /**
     * What is said of a webhook trigger that anyone can fire ({@code NVENT-0712}): at start, when it is
     * created or changed at run time, and in its representation.
     *
     * @param webhookPath the path of its webhook, with the application's context root where known
     */
    public static String openWarning(String trigger, String webhookPath) {
        return "NVENT-0712 webhook trigger " + trigger + " takes unauthenticated requests: anyone who reaches "
                + webhookPath + " starts its flows; set nvent.triggers." + trigger + ".secret to require a signature "
                + "or nvent.triggers." + trigger + ".api-key to require an API key";
    }

    /** Whether the key is sent as {@code Authorization: Bearer <key>}. */
    boolean bearer() {
        return apiKeyHeader.equalsIgnoreCase(AUTHORIZATION);
    }

    /**
     * The {@code WWW-Authenticate} challenge of a 401 for a missing or wrong API key (RFC 9110
     * requires one on every 401): {@code Bearer} when the key travels in {@code Authorization},
     * else {@code ApiKey header="<header>"}.
     */
    String apiKeyChallenge() {
        return bearer() ? "Bearer" : "ApiKey header=\"" + apiKeyHeader + "\"";
    }

    /**
     * The {@code WWW-Authenticate} challenges of a 401 for a missing or wrong API key: the key's, and
     * the signature's too when requests must also be signed, so that a caller who sent neither learns
     * both at once (RFC 9110 allows several challenges).
     */
    List<String> apiKeyChallenges() {
        return signed() ? List.of(apiKeyChallenge(), signatureChallenge()) : List.of(apiKeyChallenge());
    }

    /**
     * The {@code WWW-Authenticate} challenge of a 401 for a missing or bad signature: the scheme
     * {@code Signature} with the signature scheme, the algorithm and the headers to send, e.g.
     * {@code Signature scheme="github", algorithm="hmac-sha256", headers="X-Hub-Signature-256"}.
     */
    String signatureChallenge() {
        String headers = scheme().orElse(Scheme.NVENT) == Scheme.GITHUB ? WebhookSignature.GITHUB_SIGNATURE_HEADER
                : WebhookSignature.TIMESTAMP_HEADER + " " + WebhookSignature.SIGNATURE_HEADER;
        return "Signature scheme=\"" + signatureScheme + "\", algorithm=\"hmac-sha256\", headers=\"" + headers
                + "\"";
    }

    @Override
    public String toString() {
        return "WebhookProtection[signed=" + signed() + ", signatureScheme=" + signatureScheme + ", apiKey="
                + apiKeyRequired() + ", apiKeyHeader=" + apiKeyHeader + "]";
    }
}
