package io.nvent.jpa.internal;

import jakarta.persistence.SharedCacheMode;
import jakarta.persistence.ValidationMode;
import jakarta.persistence.spi.ClassTransformer;
import jakarta.persistence.spi.PersistenceUnitInfo;
import jakarta.persistence.spi.PersistenceUnitTransactionType;
import java.net.URL;
import java.util.List;
import java.util.Properties;
import javax.sql.DataSource;

/**
 * The store's persistence unit, described in code instead of a {@code persistence.xml}.
 *
 * <p>Why: the datasource is chosen at runtime (MicroProfile Config), which {@code persistence.xml}
 * cannot express portably; a {@code persistence.xml} in the application would also make WildFly
 * and Payara deploy the unit themselves with their own provider. The entity classes are listed, so
 * nothing is scanned, and no class transformer is registered, so Hibernate never enhances bytecode
 * (the cause of {@code ClassCircularityError} on Payara).
 */
final class StorePersistenceUnit implements PersistenceUnitInfo {

    static final String NAME = "nvent-store";

    static final List<String> MANAGED_CLASSES = List.of(
            RunEntity.class.getName(), EventEntity.class.getName(), StateEntity.class.getName(),
            RunStatusConverter.class.getName(), EventTypeConverter.class.getName());

    private final PersistenceUnitTransactionType transactionType;
    private final DataSource dataSource;
    private final Properties properties = new Properties();

    StorePersistenceUnit(PersistenceUnitTransactionType transactionType, DataSource dataSource) {
        this.transactionType = transactionType;
        this.dataSource = dataSource;
    }

    @Override
    public String getPersistenceUnitName() {
        return NAME;
    }

    @Override
    public String getPersistenceProviderClassName() {
        return "org.hibernate.jpa.HibernatePersistenceProvider";
    }

    @Override
    public PersistenceUnitTransactionType getTransactionType() {
        return transactionType;
    }

    @Override
    public DataSource getJtaDataSource() {
        return transactionType == PersistenceUnitTransactionType.JTA ? dataSource : null;
    }

    @Override
    public DataSource getNonJtaDataSource() {
        return transactionType == PersistenceUnitTransactionType.RESOURCE_LOCAL ? dataSource : null;
    }

    @Override
    public List<String> getMappingFileNames() {
        return List.of();
    }

    @Override
    public List<URL> getJarFileUrls() {
        return List.of();
    }

    @Override
    public URL getPersistenceUnitRootUrl() {
        return null;
    }

    @Override
    public List<String> getManagedClassNames() {
        return MANAGED_CLASSES;
    }

    @Override
    public boolean excludeUnlistedClasses() {
        return true;
    }

    @Override
    public SharedCacheMode getSharedCacheMode() {
        return SharedCacheMode.NONE;
    }

    @Override
    public ValidationMode getValidationMode() {
        // Bean Validation of our own entities would only cost time; payloads are checked by the store.
        return ValidationMode.NONE;
    }

    @Override
    public Properties getProperties() {
        return properties;
    }

    @Override
    public String getPersistenceXMLSchemaVersion() {
        return "3.1";
    }

    @Override
    public ClassLoader getClassLoader() {
        return StorePersistenceUnit.class.getClassLoader();
    }

    @Override
    public void addTransformer(ClassTransformer transformer) {
        // deliberately ignored: no bytecode enhancement, see class comment
    }

    @Override
    public ClassLoader getNewTempClassLoader() {
        return getClassLoader();
    }
}
