package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** The OpenAPI document the API serves is YAML a client generator can read, and names what the API has. */
class OpenApiDocumentTest {

    @Test
    @SuppressWarnings("unchecked")
    void theServedDocumentIsValidYamlWithEveryQueueOperation() throws IOException {
        Map<String, Object> document;
        try (InputStream in = OpenApiResource.class.getResourceAsStream("/META-INF/nvent/openapi.yaml")) {
            document = new Yaml().load(in);
        }

        assertThat(document).containsEntry("openapi", "3.0.3");
        assertThat((Map<String, Object>) document.get("paths")).containsKeys("/queues", "/queues/{queue}",
                "/queues/{queue}/rate-limit", "/queues/{queue}/pause", "/queues/{queue}/redrive",
                "/flows/{flow}/runs/retry-failed", "/flows/{flow}/runs/cancel");
        Map<String, Object> schemas = (Map<String, Object>) ((Map<String, Object>) document.get("components"))
                .get("schemas");
        assertThat((Map<String, Object>) ((Map<String, Object>) schemas.get("RateLimit")).get("properties"))
                .containsKeys("max", "durationMs", "scope", "groupKey");
    }
}
