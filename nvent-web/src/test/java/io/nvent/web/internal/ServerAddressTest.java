package io.nvent.web.internal;

import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Webhook-await URLs follow the address a request came in on, never a host a caller made up. */
class ServerAddressTest {

    private static final Predicate<String> THIS_MACHINE = Set.of("localhost", "build-host", "[::1]")::contains;

    @Test
    void theUrlHasTheSchemeThePortTheRequestCameInOnAndTheContextRoot() {
        assertThat(ServerAddress.baseUrl("http", Optional.of("localhost:8181"), "127.0.0.1", 8181, "/shop",
                THIS_MACHINE)).isEqualTo("http://localhost:8181/shop");
        assertThat(ServerAddress.baseUrl("HTTPS", Optional.of("build-host"), "10.0.0.5", 443, "", THIS_MACHINE))
                .as("the scheme's own port is left out").isEqualTo("https://build-host");
        assertThat(ServerAddress.baseUrl("http", Optional.of("build-host:9000"), "10.0.0.5", 8080, "", THIS_MACHINE))
                .as("the port the server listens on, not one a proxy or the caller gives")
                .isEqualTo("http://build-host:8080");
    }

    @Test
    void aHostThatIsNotThisMachineGivesWayToTheAddressTheRequestCameInOn() {
        assertThat(ServerAddress.baseUrl("http", Optional.of("evil.example:8181"), "10.0.0.5", 8181, "/shop",
                THIS_MACHINE)).isEqualTo("http://10.0.0.5:8181/shop");
        assertThat(ServerAddress.baseUrl("http", Optional.of("localhost/evil"), "127.0.0.1", 8181, "", name -> true))
                .as("not a host name at all").isEqualTo("http://localhost:8181");
        assertThat(ServerAddress.baseUrl("http", Optional.empty(), "0:0:0:0:0:0:0:1", 8181, "", THIS_MACHINE))
                .as("loopback is localhost").isEqualTo("http://localhost:8181");
        assertThat(ServerAddress.baseUrl("http", Optional.empty(), "fe80:0:0:0:0:0:0:5%eth0", 8181, "", THIS_MACHINE))
                .isEqualTo("http://[fe80:0:0:0:0:0:0:5]:8181");
        assertThat(ServerAddress.baseUrl("http", Optional.of("[::1]:8181"), "::1", 8181, "", THIS_MACHINE))
                .isEqualTo("http://[::1]:8181");
    }

    @Test
    void loopbackNamesThisMachineAndANameThatDoesNotResolveDoesNot() {
        assertThat(ServerAddress.namesThisMachine("127.0.0.1")).isTrue();
        assertThat(ServerAddress.namesThisMachine("[::1]")).isTrue();
        assertThat(ServerAddress.namesThisMachine("no-such-host.invalid")).isFalse();
    }
}
