package io.nvent.web.internal;

import io.nvent.cdi.WebhookEndpoints;
import org.jboss.weld.bootstrap.spi.BeanDiscoveryMode;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.jboss.weld.junit5.WeldInitiator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RestWebhookEndpointsTest {

    @Test
    void theWebLayerTellsTheEngineItServesTheWebhookEndpointsInAnnotatedMode() {
        Weld annotated = WeldInitiator.createWeld().setBeanDiscoveryMode(BeanDiscoveryMode.ANNOTATED)
                .addPackage(false, RestWebhookEndpoints.class);
        try (WeldContainer container = annotated.initialize()) {
            assertThat(container.select(WebhookEndpoints.class).isResolvable()).isTrue();
        }
    }
}
