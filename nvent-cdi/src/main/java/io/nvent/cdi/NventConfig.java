package io.nvent.cdi;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Reads {@code nvent.*} settings. MicroProfile Config is used when the server provides it (Payara,
 * WildFly); otherwise, e.g. in plain-JVM tests, system properties are read.
 */
@ApplicationScoped
public class NventConfig {

    private final Function<String, Optional<String>> source;
    private final Supplier<Iterable<String>> names;

    public NventConfig() {
        Function<String, Optional<String>> values;
        Supplier<Iterable<String>> configured;
        try {
            org.eclipse.microprofile.config.Config config = org.eclipse.microprofile.config.ConfigProvider.getConfig();
            values = key -> config.getOptionalValue(key, String.class);
            configured = config::getPropertyNames;
        } catch (LinkageError | RuntimeException noMicroProfileConfig) {
            values = key -> Optional.ofNullable(System.getProperty(key));
            configured = System.getProperties()::stringPropertyNames;
        }
        this.source = values;
        this.names = configured;
    }

    /** A configuration reading from the given source (tests), which lists no names. */
    public NventConfig(Function<String, Optional<String>> source) {
        this(source, List::of);
    }

    /** A configuration reading from the given source, whose names {@code names} lists (tests). */
    public NventConfig(Function<String, Optional<String>> source, Supplier<Iterable<String>> names) {
        this.source = source;
        this.names = names;
    }

    /** Every name the configuration holds, nvent's and others'. */
    public Iterable<String> names() {
        return names.get();
    }

    public Optional<String> get(String key) {
        return source.apply(key).map(String::trim).filter(v -> !v.isEmpty());
    }

    public String get(String key, String defaultValue) {
        return get(key).orElse(defaultValue);
    }

    /**
     * An absolute http(s) URL: handed out to callers (webhook URLs), a value without its scheme
     * ({@code localhost:8080}) would give them addresses no client can call.
     */
    public String getHttpUrl(String key, String defaultValue) {
        String value = get(key, defaultValue).trim();
        try {
            java.net.URI uri = new java.net.URI(value);
            if (("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
                    && uri.getHost() != null) {
                return value;
            }
        } catch (java.net.URISyntaxException notAUri) {
            // reported below
        }
        throw new IllegalArgumentException("NVENT-0001 configuration key " + key + " has value '" + value
                + "', which is not an absolute http:// or https:// URL");
    }

    /** A whole number, not negative. */
    public int getInt(String key, int defaultValue) {
        return getInt(key, defaultValue, 0);
    }

    /**
     * A whole number of at least {@code min}.
     *
     * @throws IllegalArgumentException ({@code NVENT-0001}, naming the key) for a smaller value or no number
     */
    public int getInt(String key, int defaultValue, int min) {
        return (int) atLeast(key, get(key).map(v -> parse(key, v, Integer::parseInt)).orElse(defaultValue), min, "");
    }

    /** A whole number, not negative. */
    public long getLong(String key, long defaultValue) {
        return getLong(key, defaultValue, 0);
    }

    /** A whole number of at least {@code min}; see {@link #getInt(String, int, int)}. */
    public long getLong(String key, long defaultValue, long min) {
        return atLeast(key, get(key).map(v -> parse(key, v, Long::parseLong)).orElse(defaultValue), min, "");
    }

    /**
     * {@code true} or {@code false} (any case), nothing else: a typo such as {@code flase} for
     * {@code nvent.security.enabled} must fail the deployment, not read as {@code false}.
     */
    public boolean getBoolean(String key, boolean defaultValue) {
        return get(key).map(v -> parseBoolean(key, v)).orElse(defaultValue);
    }

    /** {@code true} or {@code false} (any case, spaces around ignored) for {@code key}; anything else fails. */
    public static boolean parseBoolean(String key, String value) {
        String trimmed = value.trim();
        if (trimmed.equalsIgnoreCase("true") || trimmed.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(trimmed);
        }
        throw new IllegalArgumentException("NVENT-0001 configuration key " + key + " has value '" + value
                + "', which is neither true nor false");
    }

    /** A duration given in milliseconds, not negative. */
    public Duration getMillis(String key, Duration defaultValue) {
        return getMillis(key, defaultValue, Duration.ZERO);
    }

    /** A duration given in milliseconds, of at least {@code min}; see {@link #getInt(String, int, int)}. */
    public Duration getMillis(String key, Duration defaultValue, Duration min) {
        return Duration.ofMillis(atLeast(key, get(key).map(v -> parse(key, v, Long::parseLong))
                .orElse(defaultValue.toMillis()), min.toMillis(), " ms"));
    }

    private static long atLeast(String key, long value, long min, String unit) {
        if (value < min) {
            throw new IllegalArgumentException("NVENT-0001 configuration key " + key + " must be at least " + min
                    + unit + ", was " + value + unit);
        }
        return value;
    }

    private static <T> T parse(String key, String value, Function<String, T> parser) {
        try {
            return parser.apply(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("NVENT-0001 configuration key " + key + " has value '" + value
                    + "', which is not a number", e);
        }
    }
}
