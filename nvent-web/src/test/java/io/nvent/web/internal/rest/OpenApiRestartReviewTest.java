package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Review finding: a client generator reads a restart's and a rerun's answer as it reads a start's. */
class OpenApiRestartReviewTest {

    @Test
    @SuppressWarnings("unchecked")
    void restartAndRerunDeclareTheirJsonBodyFor201And200AsTheStartDoes() throws IOException {
        Map<String, Object> paths = (Map<String, Object>) OpenApiDocumentTest.document().get("paths");
        for (String path : new String[] {"/flows/{flow}/runs", "/runs/{runId}/restart",
                "/runs/{runId}/steps/{step}/rerun"}) {
            Map<String, Object> responses = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>)
                    paths.get(path)).get("post")).get("responses");
            for (String status : new String[] {"201", "200"}) {
                Map<String, Object> response = (Map<String, Object>) responses.get(status);
                assertThat((Map<String, Object>) response.get("content")).as(path + " " + status)
                        .containsKey("application/json");
            }
        }
    }

    /** The server checks a restart's and a rerun's key as a start's (printable ASCII, NVENT-0757): one wording. */
    @Test
    @SuppressWarnings("unchecked")
    void restartAndRerunDescribeTheirIdempotencyKeyAsTheStartDoes() throws IOException {
        Map<String, Object> paths = (Map<String, Object>) OpenApiDocumentTest.document().get("paths");
        Set<Object> descriptions = new HashSet<>();
        for (String path : new String[] {"/flows/{flow}/runs", "/runs/{runId}/restart",
                "/runs/{runId}/steps/{step}/rerun"}) {
            Map<String, Object> post = (Map<String, Object>) ((Map<String, Object>) paths.get(path)).get("post");
            for (Map<String, Object> parameter : (List<Map<String, Object>>) post.get("parameters")) {
                Map<String, Object> resolved = OpenApiDocumentTest.resolved(parameter);
                if ("Idempotency-Key".equals(resolved.get("name"))) {
                    descriptions.add(resolved.get("description"));
                }
            }
        }
        assertThat(descriptions).singleElement().asString().contains("printable ASCII", "NVENT-0757");
    }
}
