package io.nvent.cdi.internal.engine;

import io.nvent.spi.SchedulingStore;
import io.nvent.spi.internal.LeaseFencing;
import java.util.List;

/**
 * Says at start, once, that the scheduling store leaves writes made under a step's lease to the
 * defaults of {@link SchedulingStore} (see {@link LeaseFencing}): nothing fails with such a store,
 * it only loses the guarantee that a step taken over writes nothing more, so without this line
 * nobody would know.
 */
public final class UnfencedStoreWarning {

    private static final System.Logger LOG = System.getLogger(UnfencedStoreWarning.class.getName());

    private UnfencedStoreWarning() {
    }

    /**
     * Logs {@code NVENT-0543} if {@code store} leaves any of the lease-conditioned writes to the defaults.
     *
     * @param store the class of the scheduling store the engine uses, not of a proxy of it
     */
    public static void warnIfUnfenced(Class<? extends SchedulingStore> store) {
        List<String> unfenced = LeaseFencing.unfencedWrites(store);
        if (unfenced.isEmpty()) {
            return;
        }
        LOG.log(System.Logger.Level.WARNING, "NVENT-0543 scheduling store {0} does not override {1} of SchedulingStore:"
                + " their defaults check that the step''s lease is still held and write after, not in one transaction,"
                + " so a step execution whose lease another instance takes over in between still writes its state,"
                + " log lines or result over the execution that holds the step now (and an ended attempt gives up"
                + " the lease its retry took on this instance in between, releaseLease(StepLease)). Runs go on; only"
                + " that guarantee is lost. Override them to check and write in one transaction, as the built-in"
                + " stores do",
                store.getName(), String.join(", ", unfenced));
    }
}
