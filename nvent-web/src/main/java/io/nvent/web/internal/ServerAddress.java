package io.nvent.web.internal;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.InetAddress;
import java.util.Locale;

/**
 * The address this server is reached at, as a request shows it: its scheme, the address and port it
 * came in on (the server's own, whatever the configuration or the caller says) and the context root.
 * The {@code Host} header plays no part ({@code localhost} stands for loopback): a caller cannot make
 * other callers' webhook URLs point at a host of its choosing, not even with a name its DNS makes
 * resolve to this machine for a moment.
 */
final class ServerAddress {

    private ServerAddress() {
    }

    /** The base URL of the application that received this request, without a trailing slash. */
    static String baseUrl(HttpServletRequest request) {
        return baseUrl(request.getScheme(), request.getLocalAddr(), request.getLocalPort(), request.getContextPath());
    }

    /** The base URL from a request's parts: the local address is the IP literal the request came in on. */
    static String baseUrl(String scheme, String localAddress, int localPort, String contextPath) {
        String lowerScheme = scheme.toLowerCase(Locale.ROOT);
        boolean defaultPort = lowerScheme.equals("http") && localPort == 80 || lowerScheme.equals("https")
                && localPort == 443;
        return lowerScheme + "://" + localHost(localAddress) + (defaultPort ? "" : ":" + localPort) + contextPath;
    }

    /** The host for the local address a request came in on (an IP literal): {@code localhost} for loopback. */
    private static String localHost(String localAddress) {
        String address = localAddress.replaceFirst("%.*$", "");   // an IPv6 scope is no part of a URL
        try {
            if (InetAddress.getByName(address).isLoopbackAddress()) {
                return "localhost";
            }
        } catch (IOException notALiteral) {
            // a container that gives a name here: take it as it is
        }
        return address.indexOf(':') >= 0 ? "[" + address + "]" : address;
    }
}
