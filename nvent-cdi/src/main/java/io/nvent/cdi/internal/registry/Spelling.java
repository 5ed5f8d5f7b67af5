package io.nvent.cdi.internal.registry;

import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

/**
 * The name an unknown one was probably meant to be: the known name fewest edits away, for the
 * "did you mean" of a message about a misspelt event, setting or property.
 */
public final class Spelling {

    /** The most edits between a misspelt flow, step or event name and the one it was meant to be. */
    public static final int MOST_EDITS_OF_A_TYPO = 2;

    private Spelling() {
    }

    /**
     * The known name closest to {@code unknown}, if it is at most {@code mostEdits} edits away and the
     * edits change fewer than half of {@code unknown}'s characters (so that {@code "b"} is no misspelt
     * {@code "a"}); of names as close, the first in alphabetical order.
     *
     * @param unknown the name nothing declares
     * @param known the declared names
     * @param mostEdits the most edits a misspelling takes
     * @return the likely meant name; empty if none is that close, or {@code unknown} is known
     */
    public static Optional<String> closest(String unknown, Collection<String> known, int mostEdits) {
        return known.stream()
                .filter(name -> !name.equals(unknown))
                .map(name -> new Candidate(name, distance(unknown, name)))
                .filter(candidate -> candidate.distance() <= mostEdits && 2 * candidate.distance() < unknown.length())
                .min(Comparator.comparingInt(Candidate::distance).thenComparing(Candidate::name))
                .map(Candidate::name);
    }

    /**
     * The edits that turn {@code a} into {@code b}: insertions, deletions, substitutions of one character
     * and transpositions of two adjacent ones, one each ({@code "recieved"} is one edit from
     * {@code "received"}); the optimal string alignment distance.
     *
     * @param a a name
     * @param b another name
     * @return how many edits apart they are
     */
    public static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int substitution = d[i - 1][j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                d[i][j] = Math.min(substitution, Math.min(d[i - 1][j], d[i][j - 1]) + 1);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    private record Candidate(String name, int distance) {
    }
}
