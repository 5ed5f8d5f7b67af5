package io.nvent.web.internal;

import io.nvent.cdi.NventConfig;
import io.nvent.cdi.SettingsCheck;
import io.nvent.web.internal.security.TrustedProxies;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Settings of the web layer, read once at deployment from MicroProfile Config
 * ({@code nvent.ui.*}, {@code nvent.security.*}, {@code nvent.ws.*}; {@code nvent.console.trace-url} through
 * {@link #traceUrl}).
 *
 * @param uiEnabled whether the console is served ({@code nvent.ui.enabled}, default true)
 * @param uiPath path of the console within the application ({@code nvent.ui.path}, default {@code /_nvent})
 * @param securityEnabled whether the console, API and stream require the admin role ({@code nvent.security.enabled})
 * @param role role required ({@code nvent.security.role}, default {@code nvent-admin})
 * @param realm realm named in the Basic challenge ({@code nvent.security.realm}, default {@code nvent})
 * @param identityStores where credentials are checked, in order ({@code nvent.security.identity-store}):
 *        {@code config} (the user below) and/or {@code application} (the application's Jakarta Security identity stores)
 * @param username the {@code config} store's user ({@code nvent.security.username}, default {@code admin})
 * @param password the {@code config} store's password ({@code nvent.security.password}, default {@code admin})
 * @param metricsTokens tokens that let a scraper read {@code GET /api/nvent/metrics} as {@code Authorization:
 *        Bearer <token>} without a user ({@code nvent.security.metrics-tokens}, comma-separated; none by default)
 * @param publicPaths paths reachable without login: the webhooks {@code /api/nvent/triggers/{name}/webhook}
 *        and {@code /api/nvent/awaits/{token}}, which authenticate by signature or secret token, and the
 *        probes {@code /api/nvent/health/live} and {@code /ready}, which answer UP or DOWN only
 * @param trustedProxies the reverse proxies whose forwarding headers name the caller, whose address the lock-out
 *        for failed logins counts ({@code nvent.security.trusted-proxies}; none by default)
 */
public record WebSettings(boolean uiEnabled, String uiPath, boolean securityEnabled, String role, String realm,
                          List<String> identityStores, String username, String password, List<String> metricsTokens,
                          List<Pattern> publicPaths, TrustedProxies trustedProxies) {

    /** Base path of the REST API, the stream and the webhooks. */
    public static final String API_PATH = "/api/nvent";
    /** The webhooks' paths: public, their resources authenticate the caller by API key, signature or token. */
    private static final Pattern TRIGGER_WEBHOOK_PATH = Pattern.compile("^" + API_PATH + "/triggers/[^/]+/webhook$");
    private static final List<Pattern> WEBHOOK_PATHS = List.of(
            TRIGGER_WEBHOOK_PATH,
            // /awaits/{token} (with a slash after it, as a link may be pasted); the list (/awaits) and
            // operator resolve (/awaits/id/...) stay protected
            Pattern.compile("^" + API_PATH + "/awaits/(?!id/?$)[^/]+/?$"));
    /** Path of the WebSocket endpoint. */
    public static final String WS_PATH = API_PATH + "/ws";
    /** The metrics endpoint, which a scrape token may read. */
    public static final String METRICS_PATH = API_PATH + "/metrics";
    /** Shorter tokens could be guessed. */
    static final int MIN_METRICS_TOKEN_LENGTH = 16;
    /** The setting of {@link #traceUrl}. */
    public static final String TRACE_URL_KEY = "nvent.console.trace-url";
    private static final String TRACE_ID = "{traceId}";
    private static final String SPAN_ID = "{spanId}";
    /** The setting of {@link #replayWindow}. */
    static final String REPLAY_WINDOW_KEY = "nvent.webhooks.replay-window-s";
    private static final long DEFAULT_REPLAY_WINDOW_SECONDS = 300;
    /** Default credentials, documented for the demo; a warning is logged while they are in use. */
    public static final String DEFAULT_USER = "admin";
    public static final String DEFAULT_PASSWORD = "admin";

    /** Reads the settings; the first invalid one fails with its message. */
    public static WebSettings read(NventConfig config) {
        return read(config, FIRST_INVALID_FAILS);
    }

    /**
     * Reads the settings, each through {@code check}: an invalid one is reported to it and replaced by
     * its default, so that the check learns every invalid one.
     */
    public static WebSettings read(NventConfig config, SettingsCheck check) {
        String uiPath = check.valid(() -> normalize(config.get("nvent.ui.path", "/_nvent")), "/_nvent");
        List<String> stores = check.valid(() -> identityStores(config), List.of("config"));
        return new WebSettings(check.valid(() -> config.getBoolean("nvent.ui.enabled", true), true), uiPath,
                check.valid(() -> config.getBoolean("nvent.security.enabled", true), true),
                config.get("nvent.security.role", "nvent-admin"),
                config.get("nvent.security.realm", "nvent"),
                stores,
                config.get("nvent.security.username", DEFAULT_USER),
                config.get("nvent.security.password", DEFAULT_PASSWORD),
                check.valid(() -> metricsTokens(config), List.of()),
                Stream.concat(WEBHOOK_PATHS.stream(),
                        // probes: status only; the report with details (/health) stays protected
                        Stream.of(Pattern.compile("^" + API_PATH + "/health/(live|ready)$"))).toList(),
                check.valid(() -> TrustedProxies.parse(config.get(TrustedProxies.KEY, "")), TrustedProxies.NONE));
    }

    /**
     * How long a signed webhook request's timestamp stays valid ({@code nvent.webhooks.replay-window-s},
     * whole seconds, at least 1, default 300).
     *
     * @throws IllegalArgumentException (the engine's message for a bad setting, naming the key) for a value that is no
     *     whole number or below 1
     */
    public static Duration replayWindow(NventConfig config) {
        return Duration.ofSeconds(config.getLong(REPLAY_WINDOW_KEY, DEFAULT_REPLAY_WINDOW_SECONDS, 1));
    }

    /**
     * The console's link from an attempt to its trace ({@code nvent.console.trace-url}): an http(s) address with
     * {@code {traceId}} (and, if the backend takes it, {@code {spanId}}) where the attempt's ids go, e.g.
     * {@code https://jaeger.example/trace/{traceId}}; none (the default, or blank): the console shows the ids without a
     * link.
     *
     * @throws IllegalArgumentException ({@code NVENT-1122}, naming the key, the value and an example) for a template
     *     without {@code {traceId}}, or that is no absolute http or https address with a host
     */
    public static Optional<String> traceUrl(NventConfig config) {
        String template = config.get(TRACE_URL_KEY, "").trim();
        if (template.isEmpty()) {
            return Optional.empty();
        }
        String why = !template.contains(TRACE_ID) ? "has no " + TRACE_ID + " for the attempt's trace id"
                : !isHttpAddress(template.replace(TRACE_ID, "0af7651916cd43dd8448eb211c80319c")
                        .replace(SPAN_ID, "b7ad6b7169203331")) ? "is no http or https address with a host" : null;
        if (why != null) {
            throw new IllegalArgumentException("NVENT-1122 " + TRACE_URL_KEY + " '" + template + "' " + why
                    + ": give your trace backend's address of a trace, e.g. https://jaeger.example/trace/" + TRACE_ID
                    + " (" + SPAN_ID + " is replaced too), or remove the setting");
        }
        return Optional.of(template);
    }

    private static boolean isHttpAddress(String url) {
        try {
            URI uri = new URI(url);
            return uri.getScheme() != null && List.of("http", "https").contains(uri.getScheme().toLowerCase(Locale.ROOT))
                    && uri.getHost() != null;
        } catch (URISyntaxException notAnAddress) {
            return false;
        }
    }

    /**
     * A check that replaces an invalid value with its default, for a reading whose invalid values
     * the engine's settings check reports ({@link WebSettingsCheck}).
     */
    static final SettingsCheck DEFAULT_IF_INVALID = new SettingsCheck() {
        @Override
        public <T> T valid(Supplier<T> reading, T fallback) {
            try {
                return reading.get();
            } catch (IllegalArgumentException reportedByTheEngine) {
                return fallback;
            }
        }
    };

    /** A check that lets the first invalid value fail, with its own message. */
    public static final SettingsCheck FIRST_INVALID_FAILS = new SettingsCheck() {
        @Override
        public <T> T valid(Supplier<T> reading, T fallback) {
            return reading.get();
        }
    };

    private static List<String> identityStores(NventConfig config) {
        List<String> stores = new ArrayList<>();
        for (String store : config.get("nvent.security.identity-store", "config").split(",")) {
            String name = store.trim().toLowerCase(Locale.ROOT);
            if (!name.equals("config") && !name.equals("application")) {
                throw new IllegalArgumentException("NVENT-0701 nvent.security.identity-store has value '" + store
                        + "'; use 'config', 'application' or both, comma-separated");
            }
            stores.add(name);
        }
        return List.copyOf(stores);
    }

    private static List<String> metricsTokens(NventConfig config) {
        List<String> tokens = new ArrayList<>();
        for (String token : config.get("nvent.security.metrics-tokens", "").split(",")) {
            String trimmed = token.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            if (trimmed.length() < MIN_METRICS_TOKEN_LENGTH) {
                throw new IllegalArgumentException("NVENT-0713 nvent.security.metrics-tokens holds a token of "
                        + trimmed.length() + " characters; use at least " + MIN_METRICS_TOKEN_LENGTH
                        + " random ones (e.g. openssl rand -hex 24)");
            }
            tokens.add(trimmed);
        }
        return List.copyOf(tokens);
    }

    private static String normalize(String path) {
        String p = path.trim();
        if (!p.startsWith("/")) {
            p = "/" + p;
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.isEmpty() || p.startsWith(API_PATH) || !p.matches("(/[A-Za-z0-9._~-]+)+") || hasDotSegment(p)) {
            throw new IllegalArgumentException("NVENT-0702 nvent.ui.path '" + path + "' must be a path like /_nvent "
                    + "outside " + API_PATH);
        }
        return p;
    }

    /**
     * Whether a path (within the application, as received: not decoded) is reachable without login.
     * A path with path parameters ({@code ;…}) or a dot segment is never public: the container or
     * JAX-RS would route it elsewhere than it reads, e.g. {@code /awaits/;} to the protected list.
     */
    public boolean isPublic(String path) {
        return matchesAny(publicPaths, path);
    }

    /**
     * Whether a path (within the application, as received) is a webhook's, public as {@link #isPublic}
     * says, whose resource authenticates the caller itself and judges the request's headers after that.
     */
    public static boolean isWebhook(String path) {
        return matchesAny(WEBHOOK_PATHS, path);
    }

    /** Whether a path (within the application, as received) is a trigger's webhook, {@code POST …/triggers/{name}/webhook}. */
    public static boolean isTriggerWebhook(String path) {
        return matchesAny(List.of(TRIGGER_WEBHOOK_PATH), path);
    }

    private static boolean matchesAny(List<Pattern> paths, String path) {
        return path.indexOf(';') < 0 && !hasDotSegment(path) && paths.stream().anyMatch(p -> p.matcher(path).matches());
    }

    private static boolean hasDotSegment(String path) {
        for (String segment : path.split("/", -1)) {
            String decodedDots = segment.replace("%2e", ".").replace("%2E", ".");
            if (decodedDots.equals(".") || decodedDots.equals("..")) {
                return true;
            }
        }
        return false;
    }

    /** Whether the built-in user still has the documented default password. */
    public boolean usesDefaultPassword() {
        return securityEnabled && identityStores.contains("config") && DEFAULT_PASSWORD.equals(password);
    }
}
