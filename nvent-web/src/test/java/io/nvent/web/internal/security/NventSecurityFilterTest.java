package io.nvent.web.internal.security;

import io.nvent.cdi.NventConfig;
import io.nvent.cdi.VirtualClock;
import io.nvent.testkit.LogRecorder;
import io.nvent.web.internal.WebSettings;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The security filter's decisions, without a container. */
class NventSecurityFilterTest {

    private static final String ADMIN = "Basic " + Base64.getEncoder()
            .encodeToString("admin:admin".getBytes(StandardCharsets.UTF_8));

    private final Map<String, String> config = new HashMap<>();
    private final Map<String, Object> sessionAttributes = new HashMap<>();
    private boolean hasSession;

    private static final Function<LogRecord, String> LOG_LINE = new SimpleFormatter()::formatMessage;

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private final VirtualClock clock = VirtualClock.startingAt(Instant.parse("2026-12-03T10:00:00Z"));
    private NventSecurityFilter filter;
    private Map<String, String> filterConfig;
    private String remoteAddress = "127.0.0.1";

    /** A request through the filter; one filter (and so one login throttle) until the configuration changes. */
    private Outcome call(String method, String path, Map<String, String> headers) throws Exception {
        if (filter == null || !config.equals(filterConfig)) {
            filterConfig = Map.copyOf(config);
            filter = new NventSecurityFilter(WebSettings.read(
                    new NventConfig(key -> Optional.ofNullable(filterConfig.get(key)))), clock);
        }
        Outcome outcome = new Outcome();
        filter.doFilter(request(method, path, headers), response(outcome), chain(outcome));
        return outcome;
    }

    @Test
    void aRequestWithoutCredentialsIsChallengedWithBasic() throws Exception {
        Outcome outcome = call("GET", "/api/nvent/flows", Map.of());

        assertThat(outcome.status).isEqualTo(401);
        assertThat(outcome.headers.get("WWW-Authenticate")).singleElement(as(InstanceOfAssertFactories.STRING))
                .startsWith("Basic realm=\"nvent\"");
        assertThat(outcome.body.toString()).contains("\"status\":401");
        assertThat(outcome.passed.get()).isNull();
    }

    @Test
    void theDefaultAdminPassesWithItsRoleAndAWrongPasswordDoesNot() throws Exception {
        Outcome admin = call("POST", "/api/nvent/runs/r/cancel", Map.of("Authorization", ADMIN));
        assertThat(admin.passed.get()).isNotNull();
        assertThat(((HttpServletRequest) admin.passed.get()).isUserInRole("nvent-admin")).isTrue();
        assertThat(((HttpServletRequest) admin.passed.get()).getUserPrincipal().getName()).isEqualTo("admin");
        assertThat(hasSession).as("API calls by curl start no session").isFalse();

        String wrong = "Basic " + Base64.getEncoder().encodeToString("admin:nope".getBytes(StandardCharsets.UTF_8));
        assertThat(call("GET", "/api/nvent/flows", Map.of("Authorization", wrong)).status).isEqualTo(401);
    }

    @Test
    void aFailedLoginLogsTheUserNameWithItsLineBreaksEscapedSoItCannotForgeALogLine() throws Exception {
        String forged = "nobody\n[SEVERE] NVENT-0707 all good";
        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-0705"))) {
            call("GET", "/api/nvent/session", Map.of("Authorization", basic(forged, "x")));

            assertThat(log.records()).singleElement().extracting(LOG_LINE)
                    .isEqualTo("NVENT-0705 failed login of user 'nobody\\n[SEVERE] NVENT-0707 all good' from 127.0.0.1");
        }
    }

    @Test
    void repeatedWrongPasswordsFromOneAddressAreAnsweredTooManyRequestsWhileTheRightOneFromElsewhereStillWorks()
            throws Exception {
        Map<String, String> wrong = Map.of("Authorization", basic("admin", "guess"));
        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-07"))) {
            for (int i = 0; i < LoginThrottle.FREE_FAILURES; i++) {
                assertThat(call("GET", "/api/nvent/session", wrong).status).isEqualTo(401);
            }
            Outcome locked = call("GET", "/api/nvent/session", Map.of("Authorization", ADMIN));

            assertThat(locked.status).as("even the right password, from this address").isEqualTo(429);
            assertThat(locked.headers.get("Retry-After")).containsExactly("1");
            assertThat(locked.body.toString()).contains("\"status\":429", "NVENT-0782");
            assertThat(locked.passed.get()).isNull();
            assertThat(log.records()).extracting(LOG_LINE).hasSize(2).satisfiesExactly(
                    first -> assertThat(first).startsWith("NVENT-0705 failed login of user 'admin'"),
                    lockout -> assertThat(lockout).startsWith("NVENT-0781 5 failed logins of user 'admin' from 127.0.0.1"));
        }
        remoteAddress = "10.0.0.7";
        assertThat(call("GET", "/api/nvent/session", Map.of("Authorization", ADMIN)).passed.get()).isNotNull();

        remoteAddress = "127.0.0.1";
        clock.advance(Duration.ofSeconds(1));
        assertThat(call("GET", "/api/nvent/session", Map.of("Authorization", ADMIN)).passed.get())
                .as("after Retry-After").isNotNull();
        assertThat(call("GET", "/api/nvent/session", wrong).status).as("the success ended the episode").isEqualTo(401);
    }

    /**
     * Behind a reverse proxy every request came from its address: one sender's wrong password locked out every
     * operator and every webhook sender.
     */
    @Test
    void behindATrustedProxyEachCallerIsCountedByTheAddressTheProxyForwards() throws Exception {
        config.put("nvent.security.trusted-proxies", "10.0.0.0/24");
        remoteAddress = "10.0.0.5";
        Map<String, String> wrong = Map.of("Authorization", basic("admin", "guess"),
                "X-Forwarded-For", "198.51.100.9, 203.0.113.7");
        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-07"))) {
            for (int i = 0; i < LoginThrottle.FREE_FAILURES; i++) {
                assertThat(call("GET", "/api/nvent/session", wrong).status).isEqualTo(401);
            }

            assertThat(log.records()).extracting(LOG_LINE).satisfiesExactly(
                    first -> assertThat(first).isEqualTo(
                            "NVENT-0705 failed login of user 'admin' from 203.0.113.7 (through proxy 10.0.0.5)"),
                    lockout -> assertThat(lockout).startsWith(
                            "NVENT-0781 5 failed logins of user 'admin' from 203.0.113.7 (through proxy 10.0.0.5)"));
        }
        assertThat(call("GET", "/api/nvent/session", Map.of("Authorization", ADMIN,
                "X-Forwarded-For", "203.0.113.7")).status).as("that caller").isEqualTo(429);
        assertThat(call("GET", "/api/nvent/session", Map.of("Authorization", ADMIN,
                "Forwarded", "for=198.51.100.2;proto=https")).passed.get()).as("another caller through the same proxy")
                .isNotNull();
        assertThat(call("GET", "/api/nvent/session", Map.of("Authorization", ADMIN)).passed.get())
                .as("the proxy itself").isNotNull();
    }

    @Test
    void aForwardedAddressFromAPeerThatIsNoTrustedProxyIsIgnoredSoACallerCannotChangeItsAddress() throws Exception {
        config.put("nvent.security.trusted-proxies", "10.0.0.5");
        remoteAddress = "203.0.113.7";
        for (int i = 0; i < LoginThrottle.FREE_FAILURES; i++) {
            call("GET", "/api/nvent/session", Map.of("Authorization", basic("admin", "guess"),
                    "X-Forwarded-For", "198.51.100." + i, "Forwarded", "for=198.51.100." + i));
        }

        assertThat(call("GET", "/api/nvent/session", Map.of("Authorization", ADMIN,
                "X-Forwarded-For", "198.51.100.99")).status).isEqualTo(429);
    }

    /** Without trusted proxies, a proxy's callers share its address, but no longer each other's lock-outs. */
    @Test
    void aWebhookSendersWrongPasswordLocksOutNoOperatorFromTheSameAddress() throws Exception {
        for (int i = 0; i < 3 * LoginThrottle.FREE_FAILURES; i++) {
            clock.advance(LoginThrottle.MAX_LOCK);
            call("POST", "/api/nvent/triggers/signup/webhook", Map.of("Authorization", basic("partner", "old-password")));
        }

        Outcome operator = call("GET", "/api/nvent/session", Map.of("Authorization", ADMIN));
        assertThat(operator.passed.get()).isNotNull();
        assertThat(call("GET", "/api/nvent/session", Map.of("Authorization", basic("partner", "old-password"))).status)
                .isEqualTo(429);
    }

    @Test
    void aScrapeTokenReadsTheMetricsAndNothingElse() throws Exception {
        String token = "0123456789abcdef0123";
        config.put("nvent.security.metrics-tokens", "older-token-still-valid, " + token);
        Map<String, String> bearer = Map.of("Authorization", "Bearer " + token);

        assertThat(call("GET", "/api/nvent/metrics", bearer).passed.get()).isNotNull();
        assertThat(call("GET", "/api/nvent/metrics", Map.of("Authorization", "Bearer older-token-still-valid"))
                .passed.get()).as("rotation: every listed token").isNotNull();
        assertThat(call("GET", "/api/nvent/flows", bearer).status).isEqualTo(401);
        assertThat(call("POST", "/api/nvent/metrics", bearer).status).isEqualTo(401);
        assertThat(call("GET", "/api/nvent/metrics", Map.of("Authorization", "Bearer " + token + "x")).status)
                .isEqualTo(401);
        assertThat(call("GET", "/api/nvent/metrics", Map.of("Authorization", ADMIN)).passed.get())
                .as("the admin reads them too").isNotNull();
    }

    @Test
    void aRefusedScrapeIsChallengedForBothALoginAndAToken() throws Exception {
        config.put("nvent.security.metrics-tokens", "0123456789abcdef0123");

        assertThat(call("GET", "/api/nvent/metrics", Map.of()).headers.get("WWW-Authenticate"))
                .containsExactly("Basic realm=\"nvent\", charset=\"UTF-8\"", "Bearer realm=\"nvent\"");
        assertThat(call("GET", "/api/nvent/metrics", Map.of("Authorization", "Bearer wrong-token-0000000"))
                .headers.get("WWW-Authenticate")).as("RFC 6750: a token sent but wrong")
                .contains("Bearer realm=\"nvent\", error=\"invalid_token\"");
        assertThat(call("GET", "/api/nvent/flows", Map.of()).headers.get("WWW-Authenticate"))
                .as("a token reads the metrics only").containsExactly("Basic realm=\"nvent\", charset=\"UTF-8\"");
    }

    @Test
    void withoutScrapeTokensABearerHeaderOpensNothingAndShortTokensAreRefused() throws Exception {
        assertThat(call("GET", "/api/nvent/metrics", Map.of("Authorization", "Bearer ")).status).isEqualTo(401);

        config.put("nvent.security.metrics-tokens", "short");
        assertThatThrownBy(() -> call("GET", "/api/nvent/metrics", Map.of()))
                .hasMessageContaining("NVENT-0713").hasMessageContaining("at least 16");
    }

    @Test
    void webhooksArePublicButTheAwaitListIsNot() throws Exception {
        assertThat(call("POST", "/api/nvent/triggers/signup/webhook", Map.of()).passed.get()).isNotNull();
        assertThat(call("POST", "/api/nvent/awaits/3f9a1c", Map.of()).passed.get()).isNotNull();
        assertThat(call("GET", "/api/nvent/awaits", Map.of()).status).isEqualTo(401);
        assertThat(call("POST", "/api/nvent/awaits/id/a-1/resolve", Map.of()).status).isEqualTo(401);
        assertThat(call("POST", "/api/nvent/triggers/signup/fire", Map.of()).status).isEqualTo(401);
    }

    @Test
    void aTriggerWebhooksCallerIsAnOperatorWhenItsCredentialsHoldTheRole() throws Exception {
        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-0705"))) {
            HttpServletRequest admin = (HttpServletRequest) call("POST", "/api/nvent/triggers/signup/webhook",
                    Map.of("Authorization", ADMIN)).passed.get();
            HttpServletRequest guess = (HttpServletRequest) call("POST", "/api/nvent/triggers/signup/webhook",
                    Map.of("Authorization", basic("admin", "guess"))).passed.get();
            HttpServletRequest anonymous = (HttpServletRequest) call("POST", "/api/nvent/triggers/signup/webhook",
                    Map.of()).passed.get();

            assertThat(admin.isUserInRole("nvent-admin")).isTrue();
            assertThat(admin.getUserPrincipal().getName()).isEqualTo("admin");
            assertThat(guess.isUserInRole("nvent-admin")).isFalse();
            assertThat(guess.getUserPrincipal()).isNull();
            assertThat(anonymous.isUserInRole("nvent-admin")).isFalse();
            assertThat(log.records()).as("the guess counts as a failed login").hasSize(1);
        }
        assertThat(hasSession).as("a webhook call starts no session").isFalse();
    }

    /**
     * Credentials were checked only when the resource asked, that is for a name no trigger has: a wrong password sent
     * to a webhook then counted towards the lock-out (and cost the identity store's time) for an unknown name alone,
     * so the next login's 429 or 401 told an anonymous caller which trigger names exist.
     */
    @Test
    void aWebhookCallsCredentialsCountTheSameWhetherOrNotItsResourceAsksWhoCalls() throws Exception {
        for (int i = 0; i < LoginThrottle.FREE_FAILURES; i++) {
            call("POST", "/api/nvent/triggers/signup/webhook", Map.of("Authorization", basic("admin", "guess")));
        }

        assertThat(call("GET", "/api/nvent/session", Map.of("Authorization", basic("admin", "guess"))).status)
                .as("locked out, as after as many calls of a webhook no trigger has").isEqualTo(429);
    }

    @Test
    void aLockedOutAddressCannotUseAWebhookToGoOnGuessingThePassword() throws Exception {
        for (int i = 0; i < LoginThrottle.FREE_FAILURES; i++) {
            assertThat(call("GET", "/api/nvent/session", Map.of("Authorization", basic("admin", "guess"))).status)
                    .isEqualTo(401);
        }

        HttpServletRequest right = (HttpServletRequest) call("POST", "/api/nvent/triggers/signup/webhook",
                Map.of("Authorization", ADMIN)).passed.get();

        assertThat(right.isUserInRole("nvent-admin")).as("not checked while locked out, as elsewhere").isFalse();
    }

    @Test
    void pathsThatRouteElsewhereThanTheyReadAreNeverPublic() throws Exception {
        assertThat(call("GET", "/api/nvent/awaits/;", Map.of()).status).as("routed to the await list").isEqualTo(401);
        assertThat(call("GET", "/api/nvent/awaits/;x=1", Map.of()).status).isEqualTo(401);
        assertThat(call("POST", "/api/nvent/triggers/signup;x/webhook", Map.of()).status).isEqualTo(401);
        assertThat(call("GET", "/api/nvent/awaits/..", Map.of()).status).isEqualTo(401);
        assertThat(call("GET", "/api/nvent/awaits/%2E%2e", Map.of()).status).isEqualTo(401);
        assertThat(call("POST", "/api/nvent/triggers/../webhook", Map.of()).status).isEqualTo(401);
        assertThat(call("POST", "/api/nvent/awaits/a.b-c_d", Map.of()).passed.get()).as("a token").isNotNull();
    }

    @Test
    void aChangeFromAnOpaqueOriginIsRefusedAsCrossSite() throws Exception {
        Outcome opaque = call("POST", "/api/nvent/queues/order/resume", Map.of("Authorization", ADMIN,
                "Origin", "null", "Host", "localhost:8080"));

        assertThat(opaque.status).isEqualTo(403);
        assertThat(opaque.body.toString()).contains("Cross-site request refused");
        assertThat(call("POST", "/api/nvent/queues/order/resume", Map.of("Authorization", ADMIN,
                "Origin", "file://", "Host", "localhost:8080")).status).isEqualTo(403);
    }

    @Test
    void theConsoleLoginStartsASessionThatOnlyTheConsoleItselfCanUseToChangeThings() throws Exception {
        assertThat(call("GET", "/_nvent/", Map.of("Authorization", ADMIN)).passed.get()).isNotNull();
        assertThat(hasSession).isTrue();

        assertThat(call("GET", "/api/nvent/flows", Map.of()).passed.get()).as("read by cookie").isNotNull();
        assertThat(call("POST", "/api/nvent/runs/r/cancel", Map.of()).status).as("no X-Requested-With").isEqualTo(403);
        assertThat(call("POST", "/api/nvent/runs/r/cancel", Map.of("X-Requested-With", "nvent-console",
                "Origin", "http://localhost:8080", "Host", "localhost:8080")).passed.get()).isNotNull();
        assertThat(call("POST", "/api/nvent/runs/r/cancel", Map.of("X-Requested-With", "x",
                "Origin", "http://evil.example", "Host", "localhost:8080")).status).isEqualTo(403);
    }

    @Test
    void securityCanBeSwitchedOff() throws Exception {
        config.put("nvent.security.enabled", "false");

        assertThat(call("POST", "/api/nvent/runs/r/cancel", Map.of()).passed.get()).isNotNull();
    }

    // ------------------------------------------------------------------ fakes

    private static final class Outcome {
        int status = 200;
        final Map<String, List<String>> headers = new HashMap<>();
        final StringWriter body = new StringWriter();
        final AtomicReference<ServletRequest> passed = new AtomicReference<>();
    }

    private HttpServletRequest request(String method, String path, Map<String, String> headers) {
        HttpSession session = (HttpSession) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {HttpSession.class}, (p, m, args) -> switch (m.getName()) {
                    case "getAttribute" -> sessionAttributes.get((String) args[0]);
                    case "setAttribute" -> sessionAttributes.put((String) args[0], args[1]);
                    default -> null;
                });
        return (HttpServletRequest) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (p, m, args) -> switch (m.getName()) {
                    case "getRequestURI" -> path;
                    case "getContextPath" -> "";
                    case "getMethod" -> method;
                    case "getHeader" -> headers.get((String) args[0]);
                    case "getHeaders" -> Collections.enumeration(Optional.ofNullable(headers.get((String) args[0]))
                            .map(List::of).orElse(List.of()));
                    case "getRemoteAddr" -> remoteAddress;
                    case "getUserPrincipal" -> null;
                    case "isUserInRole" -> false;
                    case "getSession" -> {
                        boolean create = args != null && args.length == 1 && (Boolean) args[0] || args == null;
                        if (create) {
                            hasSession = true;
                        }
                        yield hasSession ? session : null;
                    }
                    case "changeSessionId" -> "new";
                    default -> null;
                });
    }

    private static HttpServletResponse response(Outcome outcome) {
        PrintWriter writer = new PrintWriter(outcome.body);
        return (HttpServletResponse) Proxy.newProxyInstance(NventSecurityFilterTest.class.getClassLoader(),
                new Class<?>[] {HttpServletResponse.class}, (p, m, args) -> {
                    switch (m.getName()) {
                        case "setStatus" -> outcome.status = (Integer) args[0];
                        case "setHeader" -> outcome.headers.put((String) args[0], new ArrayList<>(List.of((String) args[1])));
                        case "addHeader" -> outcome.headers.computeIfAbsent((String) args[0], h -> new ArrayList<>())
                                .add((String) args[1]);
                        case "getWriter" -> {
                            return writer;
                        }
                        default -> {
                        }
                    }
                    return null;
                });
    }

    private static FilterChain chain(Outcome outcome) {
        return (request, response) -> outcome.passed.set(request);
    }
}
