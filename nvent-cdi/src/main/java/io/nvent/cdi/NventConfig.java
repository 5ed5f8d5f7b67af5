package io.nvent.cdi;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads {@code nvent.*} settings. MicroProfile Config is used when the server provides it (Payara,
 * WildFly); otherwise, e.g. in plain-JVM tests, system properties are read.
 */
@ApplicationScoped
public class NventConfig {

    private final Function<String, Optional<String>> source;

    public NventConfig() {
        this(defaultSource());
    }

    /** A configuration reading from the given source (tests). */
    public NventConfig(Function<String, Optional<String>> source) {
        this.source = source;
    }

    private static Function<String, Optional<String>> defaultSource() {
        try {
            org.eclipse.microprofile.config.Config config = org.eclipse.microprofile.config.ConfigProvider.getConfig();
            return key -> config.getOptionalValue(key, String.class);
        } catch (LinkageError | RuntimeException noMicroProfileConfig) {
            return key -> Optional.ofNullable(System.getProperty(key));
        }
    }

    public Optional<String> get(String key) {
        return source.apply(key).map(String::trim).filter(v -> !v.isEmpty());
    }

    public String get(String key, String defaultValue) {
        return get(key).orElse(defaultValue);
    }

    public int getInt(String key, int defaultValue) {
        return get(key).map(v -> parse(key, v, Integer::parseInt)).orElse(defaultValue);
    }

    public long getLong(String key, long defaultValue) {
        return get(key).map(v -> parse(key, v, Long::parseLong)).orElse(defaultValue);
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        return get(key).map(Boolean::parseBoolean).orElse(defaultValue);
    }

    public Duration getMillis(String key, Duration defaultValue) {
        return get(key).map(v -> Duration.ofMillis(parse(key, v, Long::parseLong))).orElse(defaultValue);
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
