package io.nvent.jpa.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DatabaseTest {

    @Test
    void anH2BeforeTheFixOfItsResultCacheIsWarnedOfWithItsVersionAndWhatToUse() {
        assertThat(Database.staleReadsOf("2.2.224 (2023-09-17)")).hasValueSatisfying(warning -> assertThat(warning)
                .startsWith("NVENT-0333 the store's database is H2 2.2.224 (2023-09-17), whose result cache")
                .contains("h2database#3894", "a change of a trigger may give up", "use H2 2.3.230 or later"));
        assertThat(Database.staleReadsOf("1.4.200 (2019-10-14)")).isPresent();
    }

    @Test
    void anH2WithTheFixOrAVersionNotUnderstoodIsNotWarnedOf() {
        assertThat(Database.staleReadsOf("2.3.230 (2024-07-15)")).isEmpty();
        assertThat(Database.staleReadsOf("2.3.232 (2024-08-11)")).isEmpty();
        assertThat(Database.staleReadsOf("3.0.1")).isEmpty();
        assertThat(Database.staleReadsOf("unknown")).isEmpty();
    }
}
