package io.nvent.jpa.internal.cdi;

import io.nvent.jpa.internal.TransactionDemarcation;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.util.function.Supplier;

/** {@link TransactionDemarcation} through the container's {@code @Transactional} interceptors. */
@ApplicationScoped
public class ContainerTransactions implements TransactionDemarcation {

    @Override
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public <T> T inNewTransaction(Supplier<T> work) {
        return work.get();
    }

    @Override
    @Transactional(Transactional.TxType.NOT_SUPPORTED)
    public <T> T outsideTransaction(Supplier<T> work) {
        return work.get();
    }
}
