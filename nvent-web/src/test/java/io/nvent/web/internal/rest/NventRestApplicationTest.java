package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;

import org.glassfish.jersey.server.ServerProperties;
import org.junit.jupiter.api.Test;

/**
 * The API describes itself once, in its OpenAPI document: Jersey's WADL answered an anonymous
 * {@code OPTIONS /api/nvent/triggers/x/webhook} with the Jersey version and the resources' Java methods.
 */
class NventRestApplicationTest {

    @Test
    void theApplicationTurnsJerseysWadlOff() {
        assertThat(NventRestApplication.DISABLE_WADL).isEqualTo(ServerProperties.WADL_FEATURE_DISABLE);
        assertThat(new NventRestApplication().getProperties()).containsEntry(ServerProperties.WADL_FEATURE_DISABLE, true);
    }

    @Test
    void jerseyServesNoWadlDocumentNorAnswersOptionsWithOne() {
        InProcessApi api = InProcessApi.of(OpenApiResource.class);

        assertThat(api.get("application.wadl").getStatus()).isEqualTo(404);
        assertThat(api.request("OPTIONS", "openapi.yaml", null).getMediaType()).asString().doesNotContain("wadl");
    }
}
