package io.nvent.web.internal;

import io.nvent.FlowService;
import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.NventBeans;
import io.nvent.cdi.NventConfig;
import io.nvent.testkit.LogRecorder;
import io.nvent.web.internal.security.TrustedProxies;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    void theConsolesTraceLinkIsATemplateOfAnHttpAddressWithTheTraceIdOrNone() {
        NventConfig none = new NventConfig(key -> Optional.empty());
        assertThat(WebSettings.traceUrl(none)).isEmpty();
        assertThat(WebSettings.traceUrl(new NventConfig(key -> Optional.of(" ").filter(v -> key.equals(
                WebSettings.TRACE_URL_KEY))))).as("blank: no link").isEmpty();
        assertThat(WebSettings.traceUrl(config(WebSettings.TRACE_URL_KEY, "https://jaeger.example/trace/{traceId}")))
                .contains("https://jaeger.example/trace/{traceId}");
        assertThat(WebSettings.traceUrl(config(WebSettings.TRACE_URL_KEY,
                "http://tempo:3000/explore?traceId={traceId}&span={spanId}")))
                .contains("http://tempo:3000/explore?traceId={traceId}&span={spanId}");
    }

    @Test
    void aTraceLinkWithoutTheTraceIdOrNotHttpIsRefusedNamingTheKeyTheValueAndAnExample() {
        for (String bad : List.of("https://jaeger.example/trace/", "ftp://jaeger.example/{traceId}",
                "jaeger.example/trace/{traceId}", "javascript:alert('{traceId}')", "https:///trace/{traceId}",
                "https://jaeger example/{traceId}")) {
            assertThatThrownBy(() -> WebSettings.traceUrl(config(WebSettings.TRACE_URL_KEY, bad)))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("NVENT-1122 nvent.console.trace-url '" + bad + "'")
                    .hasMessageContaining("https://jaeger.example/trace/{traceId}");
        }
    }

    private static NventConfig config(String key, String value) {
        return new NventConfig(k -> Optional.ofNullable(k.equals(key) ? value : null));
    }

    @Test
    void identityStoresAreReadInOrderAndAnUnknownOneIsRefused() {
        assertThat(read(Map.of("nvent.security.identity-store", "Application, config")).identityStores())
                .containsExactly("application", "config");
        assertThatThrownBy(() -> read(Map.of("nvent.security.identity-store", "ldap")))
                .hasMessageContaining("NVENT-0701 nvent.security.identity-store has value 'ldap'");
    }

    @Test
    void readThroughACheckEveryInvalidWebSettingIsReportedAndReplacedByItsDefault() {
        List<String> problems = new java.util.ArrayList<>();
        io.nvent.cdi.SettingsCheck collecting = new io.nvent.cdi.SettingsCheck() {
            @Override
            public <T> T valid(java.util.function.Supplier<T> reading, T fallback) {
                try {
                    return reading.get();
                } catch (IllegalArgumentException invalid) {
                    problems.add(invalid.getMessage());
                    return fallback;
                }
            }
        };
        WebSettings settings = WebSettings.read(new NventConfig(key -> Optional.ofNullable(Map.of(
                "nvent.ui.path", "/api/nvent/ui", "nvent.security.identity-store", "ldap",
                "nvent.security.enabled", "yes", "nvent.security.metrics-tokens", "short").get(key))), collecting);

        assertThat(problems).hasSize(4).anySatisfy(p -> assertThat(p).startsWith("NVENT-0702"))
                .anySatisfy(p -> assertThat(p).startsWith("NVENT-0701"))
                .anySatisfy(p -> assertThat(p).contains("nvent.security.enabled"))
                .anySatisfy(p -> assertThat(p).startsWith("NVENT-0713"));
        assertThat(settings.securityEnabled()).as("the safe default").isTrue();
        assertThat(settings.uiPath()).isEqualTo("/_nvent");
    }

    @Test
    void theServletInitializersReadingTakesTheDefaultForAnInvalidValueLeavingItToTheEnginesCheck() {
        WebSettings settings = WebSettings.read(new NventConfig(key -> Optional.ofNullable(Map.of(
                "nvent.security.enabled", "yes", "nvent.ui.path", "/ops").get(key))), WebSettings.DEFAULT_IF_INVALID);

        assertThat(settings.securityEnabled()).isTrue();
        assertThat(settings.uiPath()).isEqualTo("/ops");
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

    /** A flow, so that the engine has a queue whose workers it would start. */
    @FlowStep(flow = "settings", name = "only", role = StepRole.ENTRY)
    public static class Only implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    private static final List<String> SET = List.of("nvent.ui.path", "nvent.ws.max-queued-messages",
            "nvent.security.enabled", "nvent.stall.timeout-ms", "nvent.scheduler.poll-ms",
            "nvent.webhooks.replay-window-s", WebSettings.TRACE_URL_KEY, TrustedProxies.KEY);

    @AfterEach
    void clearProperties() {
        SET.forEach(System::clearProperty);
    }

    @Test
    void aBadConsolePathFailsTheDeploymentBeforeTheEngineStartsItsWorkers() {
        System.setProperty("nvent.ui.path", "/api/nvent/console");

        try (LogRecorder log = LogRecorder.recording(entry -> entry.getMessage().startsWith("NVENT-0118"))) {
            assertThatThrownBy(() -> weld().initialize().close()).hasStackTraceContaining("NVENT-0702");
            assertThat(log.records()).as("no adapters said: the engine did not start").isEmpty();
        }
    }

    @Test
    void aBadLiveStreamSettingFailsTheDeploymentRatherThanEveryConnection() {
        System.setProperty("nvent.ws.max-queued-messages", "0");

        assertThatThrownBy(() -> weld().initialize().close())
                .hasStackTraceContaining("NVENT-0001").hasStackTraceContaining("nvent.ws.max-queued-messages");
    }

    @Test
    void aWebhookReplayWindowThatIsNoWholeNumberOfSecondsFailsTheDeploymentRatherThanEverySignedCall() {
        for (String bad : List.of("5m", "0", "-300")) {
            System.setProperty("nvent.webhooks.replay-window-s", bad);

            assertThatThrownBy(() -> weld().initialize().close()).as(bad)
                    .hasStackTraceContaining("NVENT-0001").hasStackTraceContaining("nvent.webhooks.replay-window-s");
        }
    }

    @Test
    void aTraceLinkWithoutTheTraceIdFailsTheDeploymentRatherThanShowingLinksThatLeadNowhere() {
        System.setProperty(WebSettings.TRACE_URL_KEY, "https://jaeger.example/trace/");

        assertThatThrownBy(() -> weld().initialize().close())
                .hasStackTraceContaining("NVENT-1122 nvent.console.trace-url 'https://jaeger.example/trace/'");
    }

    @Test
    void aTrustedProxyThatIsNoAddressFailsTheDeploymentRatherThanLettingEveryCallerShareTheProxysLockOut() {
        assertThat(read(Map.of()).trustedProxies().isEmpty()).as("none by default").isTrue();
        System.setProperty(TrustedProxies.KEY, "10.0.0.5, ingress.internal");

        assertThatThrownBy(() -> weld().initialize().close())
                .hasStackTraceContaining("NVENT-1144 nvent.security.trusted-proxies holds 'ingress.internal'");
    }

    @Test
    void aWebhookReplayWindowIsReadInSecondsAndIs300ByDefault() {
        assertThat(WebSettings.replayWindow(new NventConfig(key -> Optional.empty())))
                .isEqualTo(java.time.Duration.ofMinutes(5));
        assertThat(WebSettings.replayWindow(new NventConfig(key -> Optional.of("60").filter(
                v -> key.equals("nvent.webhooks.replay-window-s"))))).isEqualTo(java.time.Duration.ofMinutes(1));
    }

    @Test
    void invalidWebAndEngineSettingsFailTheDeploymentTogether() {
        System.setProperty("nvent.security.enabled", "yes");
        System.setProperty("nvent.ws.max-queued-messages", "0");
        System.setProperty("nvent.stall.timeout-ms", "500");
        System.setProperty("nvent.scheduler.poll-ms", "abc");

        assertThatThrownBy(() -> weld().initialize().close())
                .hasStackTraceContaining("NVENT-0191 4 settings are invalid")
                .hasStackTraceContaining("nvent.security.enabled")
                .hasStackTraceContaining("nvent.ws.max-queued-messages")
                .hasStackTraceContaining("nvent.stall.timeout-ms")
                .hasStackTraceContaining("nvent.scheduler.poll-ms");
    }

    @Test
    void goodSettingsLetTheApplicationStart() {
        System.setProperty("nvent.ui.path", "/console");

        try (WeldContainer container = weld().initialize()) {
            assertThat(container.isRunning()).isTrue();
            assertThat(container.select(FlowService.class).get().flows()).hasSize(1);
        }
    }

    /** The web layer's check and the engine on the in-memory adapters, as a deployment has them. */
    private static Weld weld() {
        return new Weld().disableDiscovery().addExtension(new WebSettingsCheck()).addExtension(NventBeans.extension())
                .addBeanClasses(NventBeans.inMemoryEngine()).addBeanClasses(Only.class);
    }
}
