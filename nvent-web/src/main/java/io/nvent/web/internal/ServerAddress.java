package io.nvent.web.internal;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The address this server is reached at, as a request shows it: its scheme, the port it came in on
 * (the server's, whatever the configuration says) and the context root. The host is the one the
 * caller named in {@code Host} when that name is this machine's (it resolves to loopback or to
 * addresses of this machine's network interfaces), else the address the request came in on
 * ({@code localhost} for loopback): a caller cannot make other callers' webhook URLs point at a host
 * of its choosing by sending a request with a {@code Host} of its own.
 */
final class ServerAddress {

    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9.-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}]");

    private ServerAddress() {
    }

    /** The base URL of the application that received this request, without a trailing slash. */
    static String baseUrl(HttpServletRequest request) {
        return baseUrl(request.getScheme(), Optional.ofNullable(request.getHeader("Host")), request.getLocalAddr(),
                request.getLocalPort(), request.getContextPath(), ServerAddress::namesThisMachine);
    }

    /**
     * The base URL from a request's parts.
     *
     * @param namesThisMachine whether a host name (or bracketed IPv6 literal) names this machine
     */
    static String baseUrl(String scheme, Optional<String> hostHeader, String localAddress, int localPort,
                          String contextPath, Predicate<String> namesThisMachine) {
        String lowerScheme = scheme.toLowerCase(Locale.ROOT);
        String host = hostHeader.map(ServerAddress::hostOf).filter(name -> HOST_NAME.matcher(name).matches())
                .filter(namesThisMachine).orElseGet(() -> localHost(localAddress));
        boolean defaultPort = lowerScheme.equals("http") && localPort == 80 || lowerScheme.equals("https")
                && localPort == 443;
        return lowerScheme + "://" + host + (defaultPort ? "" : ":" + localPort) + contextPath;
    }

    /** The host of a {@code Host} header, without its port. */
    private static String hostOf(String header) {
        String value = header.trim();
        int colon = value.lastIndexOf(':');
        return colon > value.lastIndexOf(']') ? value.substring(0, colon) : value;
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

    /** Whether every address a name resolves to is this machine's. */
    static boolean namesThisMachine(String name) {
        String bare = name.startsWith("[") ? name.substring(1, name.length() - 1) : name;
        try {
            InetAddress[] addresses = InetAddress.getAllByName(bare);
            for (InetAddress address : addresses) {
                if (!address.isLoopbackAddress() && !address.isAnyLocalAddress()
                        && NetworkInterface.getByInetAddress(address) == null) {
                    return false;
                }
            }
            return addresses.length > 0;
        } catch (IOException unknown) {
            return false;
        }
    }
}
