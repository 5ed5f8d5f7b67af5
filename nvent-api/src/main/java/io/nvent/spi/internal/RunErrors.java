package io.nvent.spi.internal;

import io.nvent.spi.RunRecord;

/**
 * The error a failed run keeps ({@link RunRecord#error()}), the same wherever it was cut: by
 * {@link RunRecord#withFailure} as a run fails, or by the JPA store's schema V45 for a run that failed before V15.
 * Counted in UTF-16 units ({@link String#length()}), as Java and H2 count them: an H2 column of
 * {@link RunRecord#MAX_ERROR_LENGTH} characters holds no more. Cut between two characters, never inside one outside
 * the Basic Multilingual Plane: PostgreSQL cannot keep half of one (its driver writes {@code ?} for it).
 *
 * <p>V45 cuts as the store did when it was written, and a migration applied is not changed (Flyway would refuse the
 * store's next start): on PostgreSQL it counts characters, on H2 it may split one. The JPA store reads every kept
 * error through {@link #kept}, which turns either into this cut, so that an error reads the same whichever wrote it.
 */
public final class RunErrors {

    private static final String ELLIPSIS = "…";

    private RunErrors() {
    }

    /**
     * What a run keeps of {@code error}: the whole error up to {@link RunRecord#MAX_ERROR_LENGTH} UTF-16 units, else
     * its first {@code MAX_ERROR_LENGTH - 1} and {@code …}, one fewer where the last would be the first half of a
     * character (left out whole). Read back, it is itself: what V45 cut on H2 inside a character ({@code …} after a
     * first half, at the length a cut has) loses that half.
     *
     * @param error the error, whole or as a store kept it
     * @return the error as a run keeps it
     */
    public static String kept(String error) {
        int max = RunRecord.MAX_ERROR_LENGTH;
        if (error.length() <= max) {
            boolean cutInsideACharacter = error.length() == max && error.endsWith(ELLIPSIS)
                    && Character.isHighSurrogate(error.charAt(max - 2));
            return cutInsideACharacter ? error.substring(0, max - 2) + ELLIPSIS : error;
        }
        int end = max - 1;
        return error.substring(0, Character.isHighSurrogate(error.charAt(end - 1)) ? end - 1 : end) + ELLIPSIS;
    }
}
