package io.nvent.jpa.internal;

import java.util.function.Supplier;

/**
 * Begins and ends container transactions for the store. Implemented by a CDI bean with
 * {@code @Transactional} methods, because that is the portable way for library code to demarcate
 * JTA transactions: on Payara, connections taken after a bare {@code TransactionManager.begin()}
 * are not enlisted (they stay in auto-commit mode), and {@code UserTransaction} is forbidden when
 * the caller is an EJB with container-managed transactions.
 */
public interface TransactionDemarcation {

    /** Runs {@code work} in a new transaction, committed when it returns, rolled back when it throws. */
    <T> T inNewTransaction(Supplier<T> work);

    /** Runs {@code work} with the caller's transaction, if any, suspended. */
    <T> T outsideTransaction(Supplier<T> work);
}
