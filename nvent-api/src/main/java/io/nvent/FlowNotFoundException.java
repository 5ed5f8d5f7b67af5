package io.nvent;

/**
 * No flow is registered under the given name.
 *
 * @since 0.1
 */
public class FlowNotFoundException extends NventException {

    private static final long serialVersionUID = 1L;
    /** Part of the serialized form; see {@link #flow()}. */
    private final String flow;

    /**
     * An unknown flow, with a message (NVENT-0201) that names it.
     *
     * @param flow the flow name asked for
     */
    public FlowNotFoundException(String flow) {
        super("NVENT-0201 no flow named '" + flow + "' is registered");
        this.flow = flow;
    }

    /** {@return the unknown flow name} */
    public String flow() {
        return flow;
    }
}
