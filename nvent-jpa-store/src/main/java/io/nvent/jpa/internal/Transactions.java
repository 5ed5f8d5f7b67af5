package io.nvent.jpa.internal;

import jakarta.persistence.EntityManager;
import java.util.function.Function;

/**
 * How the store gets an {@link EntityManager} inside a transaction. Two implementations: local
 * transactions for plain Java ({@link ResourceLocalTransactions}) and JTA in a container
 * ({@link JtaTransactions}).
 */
interface Transactions {

    /**
     * Runs {@code work} in a transaction and commits it. If the transaction only lost a race (lock
     * timeout, deadlock, version check) and this object started it, {@code work} runs again in a
     * new transaction, up to the configured number of attempts; then
     * {@link io.nvent.ConcurrentRunModificationException} names {@code runId}.
     */
    <T> T write(String runId, Function<EntityManager, T> work);

    /** Runs read-only {@code work}; inside the caller's transaction if one is active. */
    <T> T read(Function<EntityManager, T> work);

    /** Releases resources. */
    void close();
}
