package io.nvent.web.internal.security;

import jakarta.servlet.http.HttpServletRequest;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The reverse proxies whose forwarding headers name the caller ({@value #KEY}): behind a proxy every
 * request comes from the proxy's address, so the lock-out for failed logins would count every caller as one.
 * A request from one of them is the caller's named in {@code Forwarded} (RFC 7239, its {@code for=}) or
 * {@code X-Forwarded-For}: read from the right, the first address that is not itself a trusted proxy, since
 * each proxy appends the address it received the request from and everything to its left is what the caller
 * sent, which it can make up. From any other peer the headers are ignored: anyone may send them.
 *
 * <p>When the headers do not name a caller that way (none, a value that is no address, {@code unknown} or an
 * obfuscated node, headers that do not parse, or {@code Forwarded} and {@code X-Forwarded-For} naming different
 * callers, one of which the caller then sent) the proxy's own address is the caller's: such requests share one
 * count, as all did before, and a caller cannot get a count of its own by sending odd headers.
 */
public final class TrustedProxies {

    /** The setting: addresses and CIDR ranges, comma-separated; none by default. */
    public static final String KEY = "nvent.security.trusted-proxies";
    /** No proxy is trusted: the peer's address is the caller's. */
    public static final TrustedProxies NONE = new TrustedProxies(List.of());

    private static final Pattern IPV4 = Pattern.compile("(0|[1-9]\\d{0,2})(\\.(0|[1-9]\\d{0,2})){3}");
    /** What InetAddress takes as an IPv6 literal without ever asking DNS (it never resolves a text with a colon). */
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*");
    private static final Pattern PORT = Pattern.compile("\\d{1,5}|_[A-Za-z0-9._-]+");

    private record Range(byte[] network, int prefix) {

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            for (int bit = 0; bit < prefix; bit++) {
                int mask = 0x80 >>> (bit % 8);
                if ((address[bit / 8] & mask) != (network[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** The caller's address, and the proxy's it was forwarded through if a trusted proxy named it. */
    record CallerAddress(String address, Optional<String> proxy) {

        /** As logged: {@code 203.0.113.7 (through proxy 10.0.0.5)}. */
        @Override
        public String toString() {
            return address + proxy.map(through -> " (through proxy " + through + ")").orElse("");
        }
    }

    private final List<Range> ranges;

    private TrustedProxies(List<Range> ranges) {
        this.ranges = ranges;
    }

    /**
     * Reads the setting's value.
     *
     * @param value addresses ({@code 10.0.0.5}, {@code fd00::5}) and CIDR ranges ({@code 10.0.0.0/8},
     *     {@code fd00::/8}), comma-separated; blank: none
     * @throws IllegalArgumentException ({@code NVENT-1144}, naming the key and the value) for an entry that is no
     *     address or range, a host name (never resolved: DNS is no authority on who may name callers), a range with
     *     bits set beyond its prefix, or one of prefix 0, which would let any caller name itself
     */
    public static TrustedProxies parse(String value) {
        List<Range> ranges = new ArrayList<>();
        for (String entry : value.split(",")) {
            String trimmed = entry.trim();
            if (!trimmed.isEmpty()) {
                ranges.add(range(trimmed));
            }
        }
        return new TrustedProxies(List.copyOf(ranges));
    }

    private static Range range(String entry) {
        int slash = entry.indexOf('/');
        Optional<InetAddress> address = literal(slash < 0 ? entry : entry.substring(0, slash));
        if (address.isEmpty()) {
            throw invalid(entry, "is no IP address or CIDR range (a host name is not resolved: give its address)");
        }
        byte[] network = address.get().getAddress();
        int bits = network.length * 8;
        if (slash < 0) {
            return new Range(network, bits);
        }
        String prefixText = entry.substring(slash + 1);
        int prefix = prefixText.matches("\\d{1,3}") ? Integer.parseInt(prefixText) : -1;
        if (prefix < 0 || prefix > bits) {
            throw invalid(entry, "has no prefix length from 1 to " + bits + " after its '/'");
        }
        if (prefix == 0) {
            throw invalid(entry, "trusts every address, so any caller could name itself any address and never be "
                    + "locked out: list your proxies' addresses or their subnet");
        }
        byte[] masked = network.clone();
        for (int bit = prefix; bit < bits; bit++) {
            masked[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        if (!Arrays.equals(masked, network)) {
            throw invalid(entry, "has bits set beyond its /" + prefix + ": write " + text(masked) + "/" + prefix
                    + " for the range, or the address alone for one proxy");
        }
        return new Range(network, prefix);
    }

    private static IllegalArgumentException invalid(String entry, String why) {
        return new IllegalArgumentException("NVENT-1144 " + KEY + " holds '" + entry + "', which " + why
                + "; give your reverse proxies' addresses or ranges, comma-separated, e.g. 10.0.0.5, 10.1.0.0/16, "
                + "fd00::/8");
    }

    /** Whether no proxy is trusted (the default). */
    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** The caller's address of a request (see the class's description). */
    CallerAddress callerOf(HttpServletRequest request) {
        if (ranges.isEmpty()) {
            return new CallerAddress(request.getRemoteAddr(), Optional.empty());   // as ever, not even parsed
        }
        return callerOf(request.getRemoteAddr(), lines(request, "Forwarded"), lines(request, "X-Forwarded-For"));
    }

    private static List<String> lines(HttpServletRequest request, String header) {
        Enumeration<String> lines = request.getHeaders(header);
        return lines == null ? List.of() : Collections.list(lines);
    }

    /**
     * The caller's address of a request from {@code peer} with these {@code Forwarded} and {@code X-Forwarded-For}
     * header lines (each in the order received, a header's lines being one list as RFC 9110 joins them).
     */
    CallerAddress callerOf(String peer, List<String> forwarded, List<String> xForwardedFor) {
        Optional<InetAddress> peerAddress = literal(unbracketed(peer));
        if (peerAddress.isEmpty() || !trusts(peerAddress.get())) {
            return new CallerAddress(peerAddress.map(TrustedProxies::text).orElse(peer), Optional.empty());
        }
        String proxy = text(peerAddress.get());
        List<Optional<InetAddress>> named = new ArrayList<>();
        if (!forwarded.isEmpty()) {
            named.add(forwardedFor(String.join(",", forwarded)).flatMap(this::rightmostUntrusted));
        }
        if (!xForwardedFor.isEmpty()) {
            // empty elements are no elements, as in every HTTP list (RFC 9110, 5.6.1)
            named.add(rightmostUntrusted(Arrays.stream(String.join(",", xForwardedFor).split(","))
                    .map(String::trim).filter(node -> !node.isEmpty()).toList()));
        }
        if (named.isEmpty() || named.stream().anyMatch(Optional::isEmpty)
                || named.stream().map(Optional::get).distinct().count() > 1) {
            return new CallerAddress(proxy, Optional.empty());
        }
        return new CallerAddress(text(named.get(0).get()), Optional.of(proxy));
    }

    private boolean trusts(InetAddress address) {
        byte[] bytes = address.getAddress();
        return ranges.stream().anyMatch(range -> range.contains(bytes));
    }

    /**
     * From the right, the first node that is no trusted proxy (or the leftmost, if all are); empty at a node that
     * is no address, as from there on nothing says who sent it.
     */
    private Optional<InetAddress> rightmostUntrusted(List<String> nodes) {
        Optional<InetAddress> last = Optional.empty();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            last = node(nodes.get(i).trim());
            if (last.isEmpty() || !trusts(last.get())) {
                return last;
            }
        }
        return last;
    }

    /**
     * The {@code for} values of a {@code Forwarded} header, one per element; empty if it does not parse, or an
     * element has no {@code for} (an {@code unknown} node then, which is no address either).
     */
    private static Optional<List<String>> forwardedFor(String header) {
        List<String> nodes = new ArrayList<>();
        String forValue = null;
        boolean elementEmpty = true;
        StringBuilder token = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i <= header.length(); i++) {
            char c = i < header.length() ? header.charAt(i) : ',';
            if (quoted) {
                if (c == '\\' && i + 1 < header.length()) {
                    token.append(header.charAt(++i));
                } else if (c == '"') {
                    quoted = false;
                } else if (i == header.length()) {
                    return Optional.empty();   // unterminated: it may have swallowed what the proxies appended
                } else {
                    token.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ';' || c == ',') {
                String pair = token.toString().trim();
                token.setLength(0);
                elementEmpty &= pair.isEmpty();
                int equals = pair.indexOf('=');
                if (equals > 0 && pair.substring(0, equals).trim().equalsIgnoreCase("for")) {
                    if (forValue != null) {
                        return Optional.empty();   // a parameter twice in one element is invalid (RFC 7239, 4)
                    }
                    forValue = pair.substring(equals + 1).trim();
                } else if (equals <= 0 && !pair.isEmpty()) {
                    return Optional.empty();
                }
                if (c == ',') {
                    if (forValue == null && !elementEmpty) {
                        return Optional.empty();   // names no caller, however it ends: an unknown node, not no node
                    }
                    if (forValue != null) {
                        nodes.add(forValue);
                    }
                    forValue = null;
                    elementEmpty = true;
                }
            } else {
                token.append(c);
            }
        }
        return nodes.isEmpty() ? Optional.empty() : Optional.of(nodes);
    }

    /** A node's address: {@code 192.0.2.1}, {@code 192.0.2.1:4711}, {@code [2001:db8::1]:4711} or {@code 2001:db8::1}. */
    private static Optional<InetAddress> node(String node) {
        String host = node;
        if (node.startsWith("[")) {
            int close = node.indexOf(']');
            if (close < 0 || close + 1 < node.length() && !(node.charAt(close + 1) == ':'
                    && PORT.matcher(node.substring(close + 2)).matches())) {
                return Optional.empty();
            }
            host = node.substring(1, close);
            return host.indexOf(':') < 0 ? Optional.empty() : literal(host);
        }
        int colon = node.indexOf(':');
        if (colon >= 0 && colon == node.lastIndexOf(':')) {
            if (!PORT.matcher(node.substring(colon + 1)).matches()) {
                return Optional.empty();
            }
            host = node.substring(0, colon);
        }
        return literal(host);
    }

    private static String unbracketed(String address) {
        String plain = address == null ? "" : address.trim();
        if (plain.startsWith("[") && plain.endsWith("]")) {
            plain = plain.substring(1, plain.length() - 1);
        }
        int zone = plain.indexOf('%');
        return zone < 0 ? plain : plain.substring(0, zone);
    }

    /**
     * An IP address written as such, never looked up: a dotted quad of decimal numbers (no {@code 10.1} or
     * {@code 012.0.0.1}, which some read as octal), or an IPv6 literal without a zone.
     */
    private static Optional<InetAddress> literal(String text) {
        try {
            if (text.indexOf(':') >= 0) {
                return IPV6.matcher(text).matches() ? Optional.of(InetAddress.getByName(text)) : Optional.empty();
            }
            if (!IPV4.matcher(text).matches()) {
                return Optional.empty();
            }
            String[] parts = text.split("\\.");
            byte[] bytes = new byte[4];
            for (int i = 0; i < 4; i++) {
                int part = Integer.parseInt(parts[i]);
                if (part > 255) {
                    return Optional.empty();
                }
                bytes[i] = (byte) part;
            }
            return Optional.of(InetAddress.getByAddress(bytes));
        } catch (UnknownHostException notALiteral) {
            return Optional.empty();
        }
    }

    /** An address as nvent counts and logs it: one text per address, however the header wrote it. */
    private static String text(InetAddress address) {
        return address.getHostAddress();
    }

    private static String text(byte[] address) {
        try {
            return text(InetAddress.getByAddress(address));
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }
}
