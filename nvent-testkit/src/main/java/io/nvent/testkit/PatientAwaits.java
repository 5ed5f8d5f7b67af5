package io.nvent.testkit;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Raises Awaitility's default wait from 10 s to {@link #DEFAULT_WAIT} before each test class of a module that enables
 * JUnit's extension autodetection ({@code junit.jupiter.extensions.autodetection.enabled}; nvent's build does for
 * every fast test). A wait returns as soon as its condition holds, so a generous bound costs a passing test nothing;
 * a bare {@code await().until(...)} on a loaded build machine no longer fails for want of CPU. Waits that name their
 * own {@code atMost}, and {@code during} windows, are untouched.
 *
 * @since 0.2
 */
public final class PatientAwaits implements BeforeAllCallback {

    /** How long a wait that names no bound of its own waits. */
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);

    @Override
    public void beforeAll(ExtensionContext context) {
        Awaitility.setDefaultTimeout(DEFAULT_WAIT);
    }
}
