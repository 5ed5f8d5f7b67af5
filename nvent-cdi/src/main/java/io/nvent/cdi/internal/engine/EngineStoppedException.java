package io.nvent.cdi.internal.engine;

import io.nvent.NventException;

/**
 * A run was not started: the engine of this instance stopped (the application is stopping or being
 * redeployed) and its queue takes no more jobs. Retryable: the same start succeeds on another
 * instance, or on this one once it runs again; the REST API answers it with 503.
 */
final class EngineStoppedException extends NventException {

    private static final long serialVersionUID = 1L;

    EngineStoppedException(String flow) {
        super("NVENT-0527 flow '" + flow + "' was not started: the engine of this instance has stopped (the "
                + "application is stopping or being redeployed) and its queue takes no more jobs; start it again "
                + "on another instance, or on this one once it runs again");
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}
