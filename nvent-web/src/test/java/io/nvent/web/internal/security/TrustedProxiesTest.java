package io.nvent.web.internal.security;

import io.nvent.web.internal.security.TrustedProxies.CallerAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Whose address a request is: the peer's, or behind a trusted proxy the caller's it forwards. */
class TrustedProxiesTest {

    private static final String PROXY = "10.0.0.5";
    private final TrustedProxies proxies = TrustedProxies.parse("10.0.0.0/24, fd00::/8");

    private CallerAddress viaXForwardedFor(String peer, String... lines) {
        return proxies.callerOf(peer, List.of(), List.of(lines));
    }

    private CallerAddress viaForwarded(String peer, String... lines) {
        return proxies.callerOf(peer, List.of(lines), List.of());
    }

    private static CallerAddress forwarded(String caller, String proxy) {
        return new CallerAddress(caller, Optional.of(proxy));
    }

    private static CallerAddress direct(String peer) {
        return new CallerAddress(peer, Optional.empty());
    }

    @Test
    void withoutTrustedProxiesTheHeadersAreIgnoredAsBefore() {
        assertThat(TrustedProxies.parse(" ").isEmpty()).isTrue();
        assertThat(TrustedProxies.NONE.callerOf(PROXY, List.of("for=203.0.113.7"), List.of("203.0.113.7")))
                .isEqualTo(direct(PROXY));
    }

    @Test
    void aTrustedProxysRequestIsTheCallersItAppendedTheRightmostAddressThatIsNoTrustedProxy() {
        assertThat(viaXForwardedFor(PROXY, "203.0.113.7")).isEqualTo(forwarded("203.0.113.7", PROXY));
        assertThat(viaXForwardedFor(PROXY, "198.51.100.1, 203.0.113.7, 10.0.0.9"))
                .as("through a second proxy of ours").isEqualTo(forwarded("203.0.113.7", PROXY));
        assertThat(viaXForwardedFor(PROXY, "198.51.100.1", "203.0.113.7")).as("header lines, joined in order")
                .isEqualTo(forwarded("203.0.113.7", PROXY));
        assertThat(viaXForwardedFor(PROXY, "10.0.0.7, 10.0.0.9")).as("all our proxies: the farthest called")
                .isEqualTo(forwarded("10.0.0.7", PROXY));
        assertThat(viaXForwardedFor(PROXY, "203.0.113.7:51234")).as("with a port").isEqualTo(forwarded("203.0.113.7", PROXY));
        assertThat(viaXForwardedFor(PROXY, "203.0.113.7, ")).as("an empty element is none (RFC 9110 lists)")
                .isEqualTo(forwarded("203.0.113.7", PROXY));
    }

    @Test
    void whatACallerSendsItselfCannotChooseItsAddress() {
        assertThat(viaXForwardedFor("203.0.113.7", "198.51.100.1")).as("from an untrusted peer")
                .isEqualTo(direct("203.0.113.7"));
        assertThat(viaForwarded("203.0.113.7", "for=198.51.100.1")).isEqualTo(direct("203.0.113.7"));
        assertThat(viaXForwardedFor(PROXY, "198.51.100.1, 10.0.0.9, 203.0.113.7"))
                .as("left of what our proxy appended: made up, however trusted it looks")
                .isEqualTo(forwarded("203.0.113.7", PROXY));
        assertThat(proxies.callerOf(PROXY, List.of("for=198.51.100.1"), List.of("203.0.113.7")))
                .as("a Forwarded of its own beside the proxy's X-Forwarded-For: which one is the proxy's is unknown")
                .isEqualTo(direct(PROXY));
        assertThat(proxies.callerOf(PROXY, List.of("for=203.0.113.7"), List.of("203.0.113.7")))
                .as("a proxy that sets both").isEqualTo(forwarded("203.0.113.7", PROXY));
    }

    @Test
    void forwardedIsReadAsRfc7239WritesIt() {
        assertThat(viaForwarded(PROXY, "for=198.51.100.1;proto=https, For=\"[2001:db8:cafe::17]:4711\";by=10.0.0.5"))
                .isEqualTo(forwarded("2001:db8:cafe:0:0:0:0:17", PROXY));
        assertThat(viaForwarded(PROXY, "for=\"203.0.113.7:4711\"", "for=10.0.0.9;host=\"a,b;c\""))
                .as("lines, quoted ports and separators").isEqualTo(forwarded("203.0.113.7", PROXY));
        assertThat(viaForwarded(PROXY, "for=203.0.113.7,")).isEqualTo(forwarded("203.0.113.7", PROXY));
    }

    @Test
    void anAddressIsCountedAsOneTextHoweverItIsWritten() {
        assertThat(viaXForwardedFor(PROXY, "2001:DB8::1").address())
                .isEqualTo(viaXForwardedFor(PROXY, "2001:db8:0:0::0001").address())
                .isEqualTo(viaXForwardedFor(PROXY, "[2001:db8::1]:443").address())
                .isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(viaXForwardedFor(PROXY, "::ffff:203.0.113.7").address()).as("IPv4-mapped").isEqualTo("203.0.113.7");
        assertThat(viaXForwardedFor("[fd00:0:0:0:0:0:0:2]", "203.0.113.7"))
                .as("an IPv6 proxy, bracketed").isEqualTo(forwarded("203.0.113.7", "fd00:0:0:0:0:0:0:2"));
        assertThat(viaXForwardedFor("fd00::2%eth0", "203.0.113.7").proxy()).as("with its zone")
                .contains("fd00:0:0:0:0:0:0:2");
        assertThat(viaXForwardedFor("::ffff:10.0.0.5", "203.0.113.7")).as("an IPv4 proxy, mapped")
                .isEqualTo(forwarded("203.0.113.7", PROXY));
    }

    @Test
    void headersThatNameNoCallerLeaveTheProxysAddressSoOddOnesBuyNoCountOfTheirOwn() {
        for (String xForwardedFor : List.of("unknown", "", " , ", "203.0.113.7, unknown", "not-an-ip",
                "localhost", "203.0.113.7:http", "203.0.113.256", "010.0.0.1", "10.1", "0x0a.0.0.1",
                "[2001:db8::1", "[203.0.113.7]", "2001:db8::1%eth0", "2001:db8::g")) {
            assertThat(viaXForwardedFor(PROXY, xForwardedFor)).as(xForwardedFor).isEqualTo(direct(PROXY));
        }
        for (String forwarded : List.of("for=unknown", "for=\"_hidden\"", "proto=https", "for=\"203.0.113.7",
                "for=203.0.113.7;for=198.51.100.1", "for=203.0.113.7, by=10.0.0.5", "for=203.0.113.7, by=10.0.0.5;",
                "for=203.0.113.7, proto=https;host=a", "203.0.113.7",
                "for=\"[2001:db8::1\"")) {
            assertThat(viaForwarded(PROXY, forwarded)).as(forwarded).isEqualTo(direct(PROXY));
        }
        assertThat(viaXForwardedFor(PROXY)).as("no header").isEqualTo(direct(PROXY));
        assertThat(viaXForwardedFor("not-an-address", "203.0.113.7")).isEqualTo(direct("not-an-address"));
    }

    @Test
    void aValueThatIsNoAddressOrRangeFailsNamingTheKeyAndTheEntry() {
        for (String bad : List.of("proxy.internal", "localhost", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "10.1",
                "fd00::/129", "0.0.0.0/0", "::/0", "10.0.0.5/8", "fd00::1%eth0", "10.0.0.5 10.0.0.6")) {
            assertThatThrownBy(() -> TrustedProxies.parse("10.0.0.5," + bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("NVENT-1144 nvent.security.trusted-proxies holds '" + bad + "'");
        }
        assertThatThrownBy(() -> TrustedProxies.parse("10.0.0.5/8")).hasMessageContaining("write 10.0.0.0/8");
        assertThat(TrustedProxies.parse(" 10.0.0.5 , 10.1.0.0/16,fd00::/8,").isEmpty()).isFalse();
    }
}
