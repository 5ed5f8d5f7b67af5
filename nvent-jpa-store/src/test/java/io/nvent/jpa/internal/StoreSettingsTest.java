package io.nvent.jpa.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nvent.NventException;
import io.nvent.jpa.JpaStoreOptions;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StoreSettingsTest {

    @Test
    void defaultsToTheServersDefaultDataSource() {
        StoreSettings settings = StoreSettings.read(key -> Optional.empty());

        assertThat(settings.dataSource()).isEqualTo("java:comp/DefaultDataSource");
        assertThat(settings.transactionManager()).isEmpty();
        assertThat(settings.options()).isEqualTo(JpaStoreOptions.newBuilder().groupCommitThreads(0).build());
        assertThat(settings.options().retention().isOff()).isTrue();
        assertThat(settings.options().triggerLockWait()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void readsEveryKey() {
        Map<String, String> config = Map.ofEntries(
                Map.entry("nvent.store.datasource", "jdbc/nvent"),
                Map.entry("nvent.store.transaction-manager", "java:/TM"),
                Map.entry("nvent.store.table-prefix", "wf_"),
                Map.entry("nvent.store.schema", "flows"),
                Map.entry("nvent.store.max-payload-bytes", "2048"),
                Map.entry("nvent.store.max-attempts", "3"),
                Map.entry("nvent.store.migrate", "false"),
                Map.entry("nvent.store.group-commit-threads", "3"),
                Map.entry("nvent.store.slow-write-warning", "PT30S"),
                Map.entry("nvent.store.trigger-lock-wait", "PT2.5S"),
                Map.entry("nvent.store.retention.max-age", "P30D"),
                Map.entry("nvent.store.retention.max-finished-runs-per-flow", "1000"));

        StoreSettings settings = StoreSettings.read(key -> Optional.ofNullable(config.get(key)));

        assertThat(settings.dataSource()).isEqualTo("jdbc/nvent");
        assertThat(settings.transactionManager()).contains("java:/TM");
        JpaStoreOptions options = settings.options();
        assertThat(options.tablePrefix()).isEqualTo("wf_");
        assertThat(options.schema()).contains("flows");
        assertThat(options.maxPayloadBytes()).isEqualTo(2048);
        assertThat(options.maxAttempts()).isEqualTo(3);
        assertThat(options.migrateSchema()).isFalse();
        assertThat(options.groupCommitThreads()).isEqualTo(3);
        assertThat(options.slowWriteWarning()).isEqualTo(Duration.ofSeconds(30));
        assertThat(options.triggerLockWait()).isEqualTo(Duration.ofMillis(2500));
        assertThat(options.retention().maxAge()).contains(Duration.ofDays(30));
        assertThat(options.retention().maxFinishedRunsPerFlow()).hasValue(1000);
    }

    @Test
    void reportsBadValuesWithTheirKey() {
        assertRefused("nvent.store.max-payload-bytes", "1MB", "nvent.store.max-payload-bytes");
        assertRefused("nvent.store.table-prefix", "drop table;", "tablePrefix");
        assertRefused("nvent.store.retention.max-age", "30 days", "P30D");
        assertRefused("nvent.store.group-commit-threads", "65", "groupCommitThreads");
        assertRefused("nvent.store.slow-write-warning", "10s", "nvent.store.slow-write-warning");
        assertRefused("nvent.store.slow-write-warning", "PT0S", "slowWriteWarning must be positive");
        assertRefused("nvent.store.trigger-lock-wait", "5s", "nvent.store.trigger-lock-wait");
        assertRefused("nvent.store.trigger-lock-wait", "PT0S", "triggerLockWait must be at least PT0.001S");
        assertRefused("nvent.store.trigger-lock-wait", "P2D", "and at most PT24H, was PT48H");
        assertRefused("nvent.store.migrate", "flase", "nvent.store.migrate must be true or false, was 'flase'");
    }

    private static void assertRefused(String key, String value, String explanation) {
        assertThatThrownBy(() -> StoreSettings.read(k -> k.equals(key) ? Optional.of(value) : Optional.empty()))
                .isInstanceOf(NventException.class).hasMessageContaining(explanation);
    }
}
