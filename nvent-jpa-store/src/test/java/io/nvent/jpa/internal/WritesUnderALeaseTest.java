package io.nvent.jpa.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.jpa.internal.cdi.JpaSchedulingStoreBean;
import io.nvent.spi.internal.LeaseFencing;
import org.junit.jupiter.api.Test;

/**
 * The JPA store checks the lease and writes in one transaction for every write made under a step's
 * lease, so an engine on it (directly or through its CDI bean) starts without {@code NVENT-0543},
 * the warning for a store that leaves those writes to the defaults of the SPI.
 */
class WritesUnderALeaseTest {

    @Test
    void theJpaStoreAndItsBeanLeaveNoWriteUnderALeaseToTheDefaults() {
        assertThat(LeaseFencing.unfencedWrites(JpaSchedulingStoreImpl.class)).isEmpty();
        assertThat(LeaseFencing.unfencedWrites(JpaSchedulingStoreBean.class)).isEmpty();
    }
}
