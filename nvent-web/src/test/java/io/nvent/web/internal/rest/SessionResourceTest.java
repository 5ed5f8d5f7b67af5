package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.web.internal.WebSettings;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.ws.rs.core.SecurityContext;
import java.io.StringReader;
import java.security.Principal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** GET /session tells the console who it talks as, and how it links an attempt to its trace. */
class SessionResourceTest {

    private static final SecurityContext ALICE = new SecurityContext() {
        @Override
        public Principal getUserPrincipal() {
            return () -> "alice";
        }

        @Override
        public boolean isUserInRole(String role) {
            return true;
        }

        @Override
        public boolean isSecure() {
            return true;
        }

        @Override
        public String getAuthenticationScheme() {
            return BASIC_AUTH;
        }
    };

    @AfterEach
    void clear() {
        System.clearProperty(WebSettings.TRACE_URL_KEY);
    }

    private static JsonObject session() {
        return Json.createReader(new StringReader(new SessionResource().get(ALICE))).readObject();
    }

    @Test
    void theConsoleIsGivenTheTraceLinkTemplateTheDeploymentSets() {
        System.setProperty(WebSettings.TRACE_URL_KEY, "https://jaeger.example/trace/{traceId}");

        assertThat(session().getString("traceUrl")).isEqualTo("https://jaeger.example/trace/{traceId}");
        assertThat(session().getString("user")).isEqualTo("alice");
    }

    @Test
    void withoutATemplateTheConsoleIsGivenNoneAndShowsTheIdsWithoutALink() {
        assertThat(session()).doesNotContainKey("traceUrl").containsKey("user");
    }
}
