package io.nvent;

/**
 * No flow is registered under the given name.
 *
 * @since 0.1
 */
public class FlowNotFoundException extends NventException {

    private static final long serialVersionUID = 1L;
    private final String flow;

    public FlowNotFoundException(String flow) {
        super("NVENT-0201 no flow named '" + flow + "' is registered");
        this.flow = flow;
    }

    /** The unknown flow name. */
    public String flow() {
        return flow;
    }
}
