package io.nvent.web.internal;

import io.nvent.cdi.NventConfig;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.AfterDeploymentValidation;
import jakarta.enterprise.inject.spi.Extension;

/**
 * Fails the deployment on bad web settings ({@code nvent.ui.path}, {@code nvent.security.identity-store})
 * while the container validates it. The servlet initializer reads the same settings, but only once
 * the application's scope has started, and with it the engine's workers: a deployment that is going
 * to fail should not have taken jobs off the queue first.
 */
public class WebSettingsCheck implements Extension {

    void check(@Observes AfterDeploymentValidation validation) {
        try {
            WebSettings.read(new NventConfig());
        } catch (IllegalArgumentException badSetting) {
            validation.addDeploymentProblem(badSetting);
        }
    }
}
