package io.nvent;

/**
 * Whether an await holds a step before it runs or holds its effects after it completed.
 *
 * @since 0.1
 */
public enum AwaitPosition {
    /** {@link AwaitBefore}: the step has not run yet and runs once the await resolves. */
    BEFORE,
    /**
     * {@link AwaitAfter}: the step has completed; the events it emitted reach their subscribers once
     * the await resolves.
     */
    AFTER;

    /**
     * Lower-case name used on the wire.
     *
     * @return {@code "before"} or {@code "after"}
     */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
