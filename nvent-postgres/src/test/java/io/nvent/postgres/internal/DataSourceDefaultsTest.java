package io.nvent.postgres.internal;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which data source the queue and the stream use, and that the module's README says so. */
class DataSourceDefaultsTest {

    private static Config config(Map<String, String> values) {
        return (Config) Proxy.newProxyInstance(Config.class.getClassLoader(), new Class<?>[] {Config.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("getOptionalValue")) {
                        return Optional.ofNullable(values.get((String) args[0]));
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void theQueueAndTheStreamUseTheirOwnDataSourceElseTheStoresElseTheDefaultOne() {
        for (String key : new String[] {"nvent.queue.postgres.", "nvent.stream.postgres."}) {
            assertThat(PgJobQueueProducer.dataSourceName(config(Map.of(key + "datasource", "java:app/jdbc/own",
                    "nvent.store.datasource", "java:app/jdbc/store")), key)).isEqualTo("java:app/jdbc/own");
            assertThat(PgJobQueueProducer.dataSourceName(config(Map.of("nvent.store.datasource", "java:app/jdbc/store")),
                    key)).isEqualTo("java:app/jdbc/store");
            assertThat(PgJobQueueProducer.dataSourceName(config(Map.of()), key))
                    .isEqualTo("java:comp/DefaultDataSource");
        }
    }

    @Test
    void theReadmeGivesTheStoresDataSourceAsTheDefaultOfBoth() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        for (String key : new String[] {"nvent.queue.postgres.datasource", "nvent.stream.postgres.datasource"}) {
            assertThat(readme.lines().filter(line -> line.startsWith("| `" + key + "` |")))
                    .singleElement().asString().as(key).contains("`nvent.store.datasource`");
        }
    }
}
