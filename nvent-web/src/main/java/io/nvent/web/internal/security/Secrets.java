package io.nvent.web.internal.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Compares a secret a request carries (an API key, a token) with the configured ones in a time that
 * tells nothing: every configured secret is compared, each as the SHA-256 digest of its bytes, so
 * neither which one was close nor how much of a guess was right, nor its length, shows in the timing.
 */
public final class Secrets {

    private Secrets() {
    }

    /** Whether {@code given} is one of {@code configured}. */
    public static boolean matchesAny(String given, List<String> configured) {
        byte[] givenDigest = digest(given);
        boolean matches = false;
        for (String secret : configured) {
            matches |= MessageDigest.isEqual(digest(secret), givenDigest);
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
