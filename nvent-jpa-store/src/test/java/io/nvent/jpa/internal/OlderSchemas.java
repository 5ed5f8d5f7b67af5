package io.nvent.jpa.internal;

import io.nvent.jpa.JpaStoreOptions;
import javax.sql.DataSource;

/** Creates the store schema as an earlier release left it, to test upgrades from there. */
public final class OlderSchemas {

    private OlderSchemas() {
    }

    /** Migrates the tables of {@code options} in {@code dataSource} up to {@code version} only. */
    public static void migrateTo(DataSource dataSource, JpaStoreOptions options, String version) {
        SchemaMigrator.migrate(dataSource, Database.detect(dataSource), options, version);
    }

    /** The highest version this build ships. */
    public static String latestVersion() {
        return SchemaMigrator.latestVersion();
    }

    /** How many migrations this version ships. */
    public static int migrations() {
        return SchemaMigrator.versions().size();
    }
}
