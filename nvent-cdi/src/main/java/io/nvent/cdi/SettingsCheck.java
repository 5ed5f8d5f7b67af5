package io.nvent.cdi;

import java.util.function.Supplier;

/**
 * CDI event the engine fires once at start while it checks its settings, before any of them takes
 * effect and before its workers start: a module of nvent (the web layer) reads its own settings
 * through it, so that every invalid setting of the deployment, the engine's and the module's, fails
 * it in one failure ({@code NVENT-0191 <n> settings are invalid}) instead of one per redeploy.
 *
 * <pre>{@code
 * void check(@Observes SettingsCheck check) {
 *     boolean enabled = check.valid(() -> config.getBoolean("nvent.security.enabled", true), true);
 * }
 * }</pre>
 *
 * @since 0.2
 */
public interface SettingsCheck {

    /**
     * What a reading or check of settings gives, or {@code fallback} if it refuses a value with an
     * {@link IllegalArgumentException}, whose message (with its {@code NVENT-xxxx} id, naming the
     * key) is then one of the problems the deployment fails with.
     *
     * @param reading reads one or more settings, as {@link NventConfig} does
     * @param fallback what to go on with after an invalid value
     * @param <T> what the reading gives
     * @return the reading's value, or {@code fallback}
     */
    <T> T valid(Supplier<T> reading, T fallback);
}
