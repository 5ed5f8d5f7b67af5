package io.nvent.cdi.internal.engine;

import io.nvent.IdempotencyKeyConflictException;
import java.util.Optional;

/**
 * A fire of a debounced or batching trigger whose key an earlier fire of the trigger used with another payload
 * (NVENT-0450): a different request, which neither folds into nor is answered with the earlier fire's run.
 */
final class FireKeyConflictException extends IdempotencyKeyConflictException {

    private static final long serialVersionUID = 1L;

    FireKeyConflictException(String trigger, String flow, String key, Optional<String> earlierRun) {
        super("NVENT-0450 idempotency key '" + key + "' of trigger '" + trigger + "' for flow '" + flow + "' was"
                + " given by an earlier fire with another payload" + earlierRun.map(run -> ", which went into run " + run)
                .orElse(", which is still under way") + "; this fire was not folded into or appended to any run; a"
                + " new request needs a new key", flow, key, earlierRun.orElse(""));
    }
}
