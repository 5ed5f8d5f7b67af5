package io.nvent.web.internal;

import io.nvent.cdi.NventConfig;
import io.nvent.web.internal.live.LiveLimits;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.AfterDeploymentValidation;
import jakarta.enterprise.inject.spi.Extension;

/**
 * Fails the deployment on bad web settings ({@code nvent.ui.path}, {@code nvent.security.identity-store},
 * the live stream's {@code nvent.ws.*}) while the container validates it; the live stream reads its
 * own only on the first connection, and would then refuse every connection. The servlet initializer reads the same settings, but only once
 * the application's scope has started, and with it the engine's workers: a deployment that is going
 * to fail should not have taken jobs off the queue first.
 */
public class WebSettingsCheck implements Extension {

    void check(@Observes AfterDeploymentValidation validation) {
        NventConfig config = new NventConfig();
        for (Runnable reading : java.util.List.<Runnable>of(() -> WebSettings.read(config), () -> LiveLimits.from(config))) {
            try {
                reading.run();
            } catch (IllegalArgumentException badSetting) {
                validation.addDeploymentProblem(badSetting);
            }
        }
    }
}
