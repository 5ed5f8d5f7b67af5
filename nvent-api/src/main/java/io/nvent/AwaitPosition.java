package io.nvent;

/**
 * Whether an await holds a step before it runs or holds its effects after it completed.
 *
 * @since 0.1
 */
public enum AwaitPosition {
    BEFORE, AFTER;

    /** Lower-case name used on the wire. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
