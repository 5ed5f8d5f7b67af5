package io.nvent.web.internal.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Compares a secret a request carries (an API key, a token) with the configured ones in a time that
 * tells nothing: every configured secret is compared, each as the SHA-256 digest of its bytes, so
 * neither which one was close nor how much of a guess was right, nor its length, shows in the timing. The one place
 * where nvent compares a secret (a password, an API key, a token, a webhook's signature), so that every comparison
 * is made alike.
 */
public final class Secrets {

    private Secrets() {
    }

    /** Whether {@code given} is one of {@code configured}. */
    public static boolean matchesAny(String given, List<String> configured) {
        return matchesAnyBytes(digest(given), configured.stream().map(Secrets::digest).toList());
    }

    /**
     * Whether {@code given} is one of {@code expected}, all of them compared every time, each in a time that depends
     * on the length of the expected value alone: for values of a fixed length, such as digests or message signatures.
     */
    public static boolean matchesAnyBytes(byte[] given, List<byte[]> expected) {
        boolean matches = false;
        for (byte[] value : expected) {
            matches |= MessageDigest.isEqual(value, given);
        }
        return matches;
    }

    private static byte[] digest(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
