package io.nvent;

import java.util.List;
import java.util.Optional;

/**
 * No flow is registered under the given name.
 *
 * @since 0.1
 */
public class FlowNotFoundException extends NventException {

    private static final long serialVersionUID = 1L;
    /** The most deployed flows the message names. */
    private static final int MOST_NAMED = 20;
    /** Part of the serialized form; see {@link #flow()}. */
    private final String flow;
    /** Part of the serialized form since 0.2 (absent, {@code null}, in one of 0.1); see {@link #suggestion()}. */
    private final String suggestion;

    /**
     * An unknown flow, with a message (NVENT-0201) that names it.
     *
     * @param flow the flow name asked for
     */
    public FlowNotFoundException(String flow) {
        super("NVENT-0201 no flow named '" + flow + "' is registered");
        this.flow = flow;
        this.suggestion = "";
    }

    /**
     * An unknown flow, with a message (NVENT-0201) that names it, asks whether the deployed flow a typo away was
     * meant, and names the deployed flows (the first 20, and how many more).
     *
     * @param flow the flow name asked for
     * @param deployed the names of the deployed flows, in the order to name them
     * @param meant the deployed flow closest to {@code flow}, if one is that close
     * @since 0.2
     */
    public FlowNotFoundException(String flow, List<String> deployed, Optional<String> meant) {
        this(flow, meant.map(name -> "; did you mean '" + name + "'?").orElse("") + deployedOnes(deployed));
    }

    private FlowNotFoundException(String flow, String suggestion) {
        super("NVENT-0201 no flow named '" + flow + "' is registered" + suggestion);
        this.flow = flow;
        this.suggestion = suggestion;
    }

    /**
     * What the message adds to the name, for an answer of one's own about the unknown flow: whether a deployed flow
     * is a typo away, and which flows are deployed ({@code "; did you mean 'expense'?; deployed flows: expense,
     * invoice"}); empty for an exception made without them.
     *
     * @return the suggestion, starting with {@code "; "}, or empty
     * @since 0.2
     */
    public String suggestion() {
        return suggestion == null ? "" : suggestion;
    }

    private static String deployedOnes(List<String> deployed) {
        if (deployed.isEmpty()) {
            return "; no flow is deployed";
        }
        String named = String.join(", ", deployed.subList(0, Math.min(MOST_NAMED, deployed.size())));
        return "; deployed flows: " + named + (deployed.size() > MOST_NAMED
                ? " and " + (deployed.size() - MOST_NAMED) + " more" : "");
    }

    /** {@return the unknown flow name} */
    public String flow() {
        return flow;
    }
}
