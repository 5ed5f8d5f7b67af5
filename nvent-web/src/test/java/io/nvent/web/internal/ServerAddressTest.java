package io.nvent.web.internal;

import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.Proxy;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Webhook-await URLs follow the address a request came in on, never a host a caller names. */
class ServerAddressTest {

    @Test
    void theUrlHasTheSchemeTheAddressAndPortTheRequestCameInOnAndTheContextRoot() {
        assertThat(ServerAddress.baseUrl("http", "127.0.0.1", 8181, "/shop")).isEqualTo("http://localhost:8181/shop");
        assertThat(ServerAddress.baseUrl("HTTPS", "10.0.0.5", 443, "")).as("the scheme's own port is left out")
                .isEqualTo("https://10.0.0.5");
        assertThat(ServerAddress.baseUrl("http", "0:0:0:0:0:0:0:1", 8181, "")).as("loopback is localhost")
                .isEqualTo("http://localhost:8181");
        assertThat(ServerAddress.baseUrl("http", "fe80:0:0:0:0:0:0:5%eth0", 8181, ""))
                .isEqualTo("http://[fe80:0:0:0:0:0:0:5]:8181");
    }

    @Test
    void aHostHeaderNamingThisMachineStillDoesNotChooseTheHost() {
        HttpServletRequest forged = request(Map.of("Host", "localhost:9000"), "10.0.0.5", 8080);

        assertThat(ServerAddress.baseUrl(forged)).as("an attacker's DNS name may resolve here for a moment")
                .isEqualTo("http://10.0.0.5:8080/shop");
        assertThat(ServerAddress.baseUrl(request(Map.of("Host", "approvals.attacker.example:8080"), "127.0.0.1",
                8080))).isEqualTo("http://localhost:8080/shop");
    }

    private static HttpServletRequest request(Map<String, String> headers, String localAddress, int localPort) {
        return (HttpServletRequest) Proxy.newProxyInstance(ServerAddressTest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (p, m, args) -> switch (m.getName()) {
                    case "getScheme" -> "http";
                    case "getHeader" -> headers.get((String) args[0]);
                    case "getLocalAddr" -> localAddress;
                    case "getLocalPort" -> localPort;
                    case "getContextPath" -> "/shop";
                    case "getServerName" -> headers.getOrDefault("Host", "localhost").replaceFirst(":.*$", "");
                    default -> null;
                });
    }
}
