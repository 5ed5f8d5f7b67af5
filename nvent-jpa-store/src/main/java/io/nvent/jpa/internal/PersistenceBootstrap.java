package io.nvent.jpa.internal;

import io.nvent.NventException;
import io.nvent.jpa.JpaStoreOptions;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.spi.PersistenceUnitTransactionType;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.hibernate.jpa.HibernatePersistenceProvider;

/** Builds the store's {@link EntityManagerFactory} with Hibernate, without {@code persistence.xml}. */
final class PersistenceBootstrap {

    private PersistenceBootstrap() {
    }

    /** A {@code RESOURCE_LOCAL} unit on a data source. */
    static EntityManagerFactory resourceLocal(DataSource dataSource, JpaStoreOptions options) {
        return build(new StorePersistenceUnit(PersistenceUnitTransactionType.RESOURCE_LOCAL, dataSource),
                settings(options, Map.of()));
    }

    /** A {@code RESOURCE_LOCAL} unit on a JDBC URL, pooled by Hibernate's built-in pool. */
    static EntityManagerFactory resourceLocal(String url, String user, String password, JpaStoreOptions options) {
        Map<String, Object> connection = new HashMap<>();
        connection.put("jakarta.persistence.jdbc.url", url);
        if (user != null) {
            connection.put("jakarta.persistence.jdbc.user", user);
        }
        if (password != null) {
            connection.put("jakarta.persistence.jdbc.password", password);
        }
        connection.put("hibernate.connection.pool_size", "20");
        return build(new StorePersistenceUnit(PersistenceUnitTransactionType.RESOURCE_LOCAL, null),
                settings(options, connection));
    }

    /** A {@code JTA} unit on a container datasource. */
    static EntityManagerFactory jta(DataSource dataSource, ContainerJta jta, JpaStoreOptions options) {
        return build(new StorePersistenceUnit(PersistenceUnitTransactionType.JTA, dataSource),
                settings(options, Map.of("hibernate.transaction.jta.platform", jta)));
    }

    private static Map<String, Object> settings(JpaStoreOptions options, Map<String, Object> extra) {
        Map<String, Object> settings = new HashMap<>();
        // The schema belongs to Flyway; Hibernate must never touch it.
        settings.put("jakarta.persistence.schema-generation.database.action", "none");
        settings.put("hibernate.hbm2ddl.auto", "none");
        settings.put("hibernate.physical_naming_strategy", new TableNaming(options.tablePrefix()));
        options.schema().ifPresent(schema -> settings.put("hibernate.default_schema", schema));
        // No scanning: it misbehaves inside application servers. (No bytecode enhancement either,
        // but that needs no setting: StorePersistenceUnit never registers Hibernate's transformer.)
        settings.put("hibernate.archive.autodetection", "none");
        // History entries are inserted in batches.
        settings.put("hibernate.jdbc.batch_size", "64");
        settings.put("hibernate.order_inserts", "true");
        settings.put("hibernate.order_updates", "true");
        settings.put("hibernate.cache.use_second_level_cache", "false");
        settings.put("hibernate.query.fail_on_pagination_over_collection_fetch", "true");
        settings.putAll(extra);
        settings.putAll(options.hibernateProperties());
        return settings;
    }

    private static EntityManagerFactory build(StorePersistenceUnit unit, Map<String, Object> settings) {
        // Hibernate resolves classes through the context class loader in places; make it ours.
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(PersistenceBootstrap.class.getClassLoader());
        try {
            return new HibernatePersistenceProvider().createContainerEntityManagerFactory(unit, settings);
        } catch (RuntimeException e) {
            throw new NventException("NVENT-0307 cannot start the store's persistence unit: " + e.getMessage(), e);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
