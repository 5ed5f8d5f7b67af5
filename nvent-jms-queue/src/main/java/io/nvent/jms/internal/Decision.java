package io.nvent.jms.internal;

import java.util.concurrent.CompletableFuture;

/** What a worker does with a received job message. */
public sealed interface Decision {

    /** Execute the attempt. */
    record Run(JobEntry entry) implements Decision {
    }

    /** The attempt already has an outcome whose follow-up was not committed: send it again, run nothing. */
    record Replay(JobEntry entry, Outcome outcome) implements Decision {
    }

    /** A duplicate or stale message: consume it and do nothing. */
    record Drop(String reason) implements Decision {
    }

    /** The same job is executing on this node right now; decide again once it ended. */
    record Await(CompletableFuture<Void> done) implements Decision {
    }
}
