package io.nvent.web.internal.live;

import io.nvent.FlowNotFoundException;
import io.nvent.HistoryEvent;
import java.util.List;
import java.util.Optional;

/** Reads run histories from the store: the source of backfill and of gap repair. */
interface History {

    /** The flow of a run, if the run exists. */
    Optional<String> flowOf(String runId);

    /**
     * Checks that a flow of this name is registered.
     *
     * @throws FlowNotFoundException if none is, with the engine's message (the deployed flows, the one a typo away)
     */
    void requireFlow(String flow);

    /** Up to {@code limit} entries with a sequence number above {@code afterSeq}, in order. */
    List<HistoryEvent> read(String runId, long afterSeq, int limit);
}
