package io.nvent;

/**
 * Whether a start of an instance is up, as its record says ({@link FlowService#instances()}).
 *
 * @since 0.2
 */
public enum InstanceStatus {
    /** It refreshed its record within the last {@link Instances#GONE_AFTER}. */
    LIVE,
    /** It stopped cleanly and said so. */
    STOPPED,
    /**
     * It has not refreshed its record for longer than {@link Instances#GONE_AFTER}: it died, hangs, or lost its store;
     * or a later start under its instance id replaced it without its stop being recorded (it died).
     */
    GONE
}
