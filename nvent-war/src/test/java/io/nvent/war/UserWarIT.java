package io.nvent.war;

import io.nvent.war.userapp.ApprovalMail;
import io.nvent.war.userapp.OrdersResource;
import io.nvent.war.userapp.RefundRequest;
import io.nvent.war.userapp.ShopApi;
import io.nvent.war.userapp.SignupService;
import io.nvent.war.userapp.TracedSteps;
import io.nvent.war.userapp.WelcomeStep;
import jakarta.json.JsonObject;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.jboss.shrinkwrap.resolver.api.maven.Maven;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A team's own WAR, built only from the dependencies the README documents plus one flow step and
 * one EJB: the EJB starts a run and it completes. This WAR turns security off
 * ({@code nvent.security.enabled=false}), so the API is open without credentials. It also bundles
 * {@code nvent-opentelemetry} and switches the server's OpenTelemetry on (MicroProfile Telemetry,
 * {@code otel.sdk.disabled=false}, no exporter), as README's "Tracing with OpenTelemetry" says.
 */
@ExtendWith(ArquillianExtension.class)
class UserWarIT {

    @Deployment(testable = false)
    static WebArchive userApplication() {
        String version = System.getProperty("nvent.version");
        return ShrinkWrap.create(WebArchive.class, "shop.war")
                .addClasses(WelcomeStep.class, SignupService.class, RefundRequest.class, ApprovalMail.class, ShopApi.class,
                        OrdersResource.class, TracedSteps.class, TracedSteps.First.class, TracedSteps.Second.class)
                .addAsLibraries(Maven.resolver().resolve("io.nvent:nvent-web:" + version,
                        "io.nvent:nvent-opentelemetry:" + version).withTransitivity().asFile())
                .addAsWebInfResource(new StringAsset("<beans xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" "
                        + "version=\"4.0\" bean-discovery-mode=\"annotated\"/>"), "beans.xml")
                .addAsResource(new StringAsset("nvent.security.enabled=false\n"
                        + "otel.sdk.disabled=false\notel.traces.exporter=none\notel.metrics.exporter=none\n"
                        + "otel.logs.exporter=none\n"), "META-INF/microprofile-config.properties");
    }

    @ArquillianResource
    URL base;

    @Test
    void theUsersEjbStartsARunThatCompletes() {
        Http http = Http.anonymous(base);

        String runId = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> http.get("api/nvent/runs?flow=welcome").array().getValuesAs(JsonObject.class).stream()
                        .filter(run -> run.getString("status").equals("completed"))
                        .map(run -> run.getString("runId"))
                        .filter(run -> resultOf(http, run).equals("welcome, Ada")).findFirst(),
                        java.util.Optional::isPresent).orElseThrow();
        List<JsonObject> events = http.get("api/nvent/runs/" + runId + "/events").array().getValuesAs(JsonObject.class);
        assertThat(events).extracting(e -> e.getString("type"))
                .containsExactly("flow.start", "step.started", "log", "step.completed", "flow.completed");
        assertThat(events.get(3).getJsonObject("data").getString("result")).isEqualTo("welcome, Ada");
        assertThat(http.get("_nvent/").status()).as("the console, open as security is off").isEqualTo(200);
    }

    @Test
    void aWebhookAwaitsUrlLiesUnderTheApplicationsContextRootAndResolvesTheAwait() {
        Http http = Http.anonymous(base);
        String refund = http.post("api/nvent/flows/refund/runs", "{\"amount\":\"12.50\"}").json().getString("runId");

        String url = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> http.get("api/nvent/runs?flow=welcome").array().getValuesAs(JsonObject.class).stream()
                        .filter(run -> run.getString("status").equals("completed"))
                        .map(run -> resultOf(http, run.getString("runId")))
                        .filter(result -> result.contains("/awaits/")).findFirst(), java.util.Optional::isPresent)
                .orElseThrow().substring("welcome, ".length());
        String path = java.net.URI.create(url).getPath();
        assertThat(path).as("under the WAR's context root, " + base.getPath())
                .startsWith(base.getPath() + "api/nvent/awaits/");
        // Arquillian's Payara listens on a random port: without nvent.webhooks.base-url the URL follows it, not
        // 8080. The host is the one the first request named (the test's or Arquillian's own, both this machine).
        assertThat(java.net.URI.create(url)).satisfies(webhook -> {
            assertThat(webhook.getScheme()).isEqualTo(base.getProtocol());
            assertThat(webhook.getPort()).as(url).isEqualTo(base.getPort());
        });

        assertThat(http.post(path.substring(base.getPath().length()), "{\"approvedBy\":\"Grace\"}").status())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> http.get("api/nvent/runs/" + refund).json().getString("status").equals("completed"));
    }

    @Test
    void theUsersOwnRestApplicationServesNoneOfNventsResourcesAndKeepsItsOwnErrors() {
        Http http = Http.anonymous(base);

        assertThat(http.get("api/shop/flows").status()).as("nvent's registry under the user's path").isEqualTo(404);
        assertThat(http.get("api/shop/session").status()).isEqualTo(404);
        assertThat(http.post("api/shop/flows/welcome/runs", "{}").status()).isEqualTo(404);
        assertThat(http.get("api/nvent/flows").status()).as("nvent's API where it belongs").isEqualTo(200);
        assertThat(http.get("api/nvent/openapi.yaml").body()).as("the API's address for generated clients")
                .contains("servers:\n  - url: " + base.getPath() + "api/nvent\n");

        Http.Reply own = http.get("api/shop/orders");
        assertThat(own.status()).isEqualTo(418);
        assertThat(own.body()).isEqualTo("the shop's own answer");
        assertThat(own.contentType()).doesNotStartWith("application/problem+json");
    }

    @Test
    void withTheTracingModuleBothStepsOfARunRunInOneTraceOfTheServersOpenTelemetry() {
        Http http = Http.anonymous(base);
        String runId = http.post("api/nvent/flows/traced/runs", "{}").json().getString("runId");

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> http.get("api/nvent/runs/" + runId).json().getString("status").equals("completed"));
        List<JsonObject> completed = http.get("api/nvent/runs/" + runId + "/events").array()
                .getValuesAs(JsonObject.class).stream().filter(e -> e.getString("type").equals("step.completed")).toList();
        List<String> spans = completed.stream().map(e -> e.getJsonObject("data").getString("result")).toList();
        assertThat(spans).hasSize(2);
        assertThat(completed).as("each entry names the span its step ran in, for the console's Trace link")
                .extracting(e -> e.getJsonObject("data").getJsonObject("trace"))
                .extracting(t -> t.getString("traceId") + "/" + t.getString("spanId")).isEqualTo(spans);
        String trace = spans.get(0).substring(0, spans.get(0).indexOf('/'));
        assertThat(trace).as("a real trace id, not the no-op span's").matches("[0-9a-f]{32}")
                .isNotEqualTo("0".repeat(32));
        assertThat(spans.get(1)).as("the second step, run from its own job, in the first step's trace")
                .startsWith(trace + "/").isNotEqualTo(spans.get(0));
    }

    private static String resultOf(Http http, String runId) {
        return http.get("api/nvent/runs/" + runId + "/events").array().getValuesAs(JsonObject.class).stream()
                .filter(e -> e.getString("type").equals("step.completed"))
                .map(e -> e.getJsonObject("data").getString("result")).findFirst().orElse("");
    }
}
