package io.nvent.web.internal;

import io.nvent.cdi.NventConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.DeploymentException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WebSettingsTest {

    private static WebSettings read(Map<String, String> values) {
        return WebSettings.read(new NventConfig(key -> Optional.ofNullable(values.get(key))));
    }

    @Test
    void theConsolePathIsNormalizedToOneLeadingAndNoTrailingSlash() {
        assertThat(read(Map.of()).uiPath()).isEqualTo("/_nvent");
        assertThat(read(Map.of("nvent.ui.path", "ops/console/")).uiPath()).isEqualTo("/ops/console");
    }

    @Test
    void aConsolePathInsideTheApiOrWithOddCharactersIsRefusedNamingTheKey() {
        for (String bad : List.of("/api/nvent/ui", "/", "/a b", "/a/../b", "/x?y")) {
            assertThatThrownBy(() -> read(Map.of("nvent.ui.path", bad)))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("NVENT-0702 nvent.ui.path");
        }
    }

    @Test
    void identityStoresAreReadInOrderAndAnUnknownOneIsRefused() {
        assertThat(read(Map.of("nvent.security.identity-store", "Application, config")).identityStores())
                .containsExactly("application", "config");
        assertThatThrownBy(() -> read(Map.of("nvent.security.identity-store", "ldap")))
                .hasMessageContaining("NVENT-0701 nvent.security.identity-store has value 'ldap'");
    }

    @Test
    void theProbesArePublicAndTheDetailedHealthReportIsNot() {
        WebSettings settings = read(Map.of());

        assertThat(settings.isPublic("/api/nvent/health/live")).isTrue();
        assertThat(settings.isPublic("/api/nvent/health/ready")).isTrue();
        assertThat(settings.isPublic("/api/nvent/health")).isFalse();
        assertThat(settings.isPublic("/api/nvent/health/ready/../../runs")).isFalse();
    }

    @Test
    void anAwaitsWebhookUrlIsPublicWithOrWithoutATrailingSlashButTheListAndOperatorActionsAreNot() {
        WebSettings settings = read(Map.of());

        assertThat(settings.isPublic("/api/nvent/awaits/SOg3vDcCCDkh26CsNZmGKv7q0T79jRK9")).isTrue();
        assertThat(settings.isPublic("/api/nvent/awaits/SOg3vDcCCDkh26CsNZmGKv7q0T79jRK9/")).isTrue();
        assertThat(settings.isPublic("/api/nvent/awaits")).isFalse();
        assertThat(settings.isPublic("/api/nvent/awaits/")).isFalse();
        assertThat(settings.isPublic("/api/nvent/awaits/id")).isFalse();
        assertThat(settings.isPublic("/api/nvent/awaits/id/")).isFalse();
        assertThat(settings.isPublic("/api/nvent/awaits/id/a-1/resolve")).isFalse();
    }

    /** Stands for the engine, which starts its workers when the application's scope starts. */
    @ApplicationScoped
    public static class StartsWithTheApplication {
        static final AtomicBoolean STARTED = new AtomicBoolean();

        void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
            STARTED.set(true);
        }
    }

    @AfterEach
    void clearProperties() {
        System.clearProperty("nvent.ui.path");
        System.clearProperty("nvent.ws.max-queued-messages");
        StartsWithTheApplication.STARTED.set(false);
    }

    @Test
    void aBadConsolePathFailsTheDeploymentBeforeTheApplicationStarts() {
        System.setProperty("nvent.ui.path", "/api/nvent/console");

        assertThatThrownBy(() -> weld().initialize().close())
                .isInstanceOf(DeploymentException.class)
                .hasMessageContaining("NVENT-0702");
        assertThat(StartsWithTheApplication.STARTED).isFalse();
    }

    @Test
    void aBadLiveStreamSettingFailsTheDeploymentRatherThanEveryConnection() {
        System.setProperty("nvent.ws.max-queued-messages", "0");

        assertThatThrownBy(() -> weld().initialize().close())
                .isInstanceOf(DeploymentException.class)
                .hasMessageContaining("NVENT-0001").hasMessageContaining("nvent.ws.max-queued-messages");
        assertThat(StartsWithTheApplication.STARTED).isFalse();
    }

    @Test
    void goodSettingsLetTheApplicationStart() {
        System.setProperty("nvent.ui.path", "/console");

        try (WeldContainer container = weld().initialize()) {
            assertThat(container.isRunning()).isTrue();
        }
        assertThat(StartsWithTheApplication.STARTED).isTrue();
    }

    private static Weld weld() {
        return new Weld().disableDiscovery().addExtension(new WebSettingsCheck())
                .addBeanClass(StartsWithTheApplication.class);
    }
}
