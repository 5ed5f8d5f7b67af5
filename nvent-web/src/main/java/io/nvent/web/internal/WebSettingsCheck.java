package io.nvent.web.internal;

import io.nvent.cdi.NventConfig;
import io.nvent.cdi.SettingsCheck;
import io.nvent.web.internal.live.LiveLimits;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.Extension;
import java.util.Optional;

/**
 * Checks the web settings ({@code nvent.ui.path}, {@code nvent.security.*},
 * {@code nvent.webhooks.replay-window-s}, {@code nvent.console.trace-url}, the live stream's {@code nvent.ws.*})
 * with the engine's, when the engine checks its own at start ({@link SettingsCheck}):
 * every invalid setting of either then fails the deployment in one failure; one of the web layer's
 * failing first, at deployment validation, hid the engine's until the next deploy. The engine checks
 * before its workers start, so a deployment that is going to fail takes no job off the queue. The
 * live stream reads its own only on the first connection, and would then refuse every connection.
 * The servlet initializer reads the same settings, taking the default for an invalid one, as it may
 * run before the application's scope starts (and with it this check).
 */
public class WebSettingsCheck implements Extension {

    void check(@Observes SettingsCheck check) {
        NventConfig config = new NventConfig();
        WebSettings.read(config, check);
        check.valid(() -> WebSettings.replayWindow(config), null);
        check.valid(() -> WebSettings.traceUrl(config), Optional.empty());
        LiveLimits.from(config, check);
    }
}
