package io.nvent.jpa.internal;

import io.nvent.NventException;
import io.nvent.jpa.JpaStoreOptions;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.ClassProvider;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.ResourceProvider;
import org.flywaydb.core.api.migration.JavaMigration;
import org.flywaydb.core.api.output.MigrateResult;
import org.flywaydb.core.api.resource.LoadableResource;

/**
 * Applies the store's Flyway migrations, or with {@code nvent.store.migrate=false} checks that they
 * were applied.
 *
 * <p>The scripts are listed in {@link #SCRIPTS} and loaded by name instead of found by classpath
 * scanning, which differs between servers (WildFly's VFS, Payara's class loaders). Column types that
 * differ between databases are placeholders ({@code ${json_type}}, {@code ${text_type}}), so one set
 * of scripts serves PostgreSQL and H2; a script that needs different SQL per database can be put in
 * {@code <vendor>/} next to the common ones (see {@link #script}).
 *
 * <p>The history table is {@code <prefix>schema_history}, so the application's own Flyway history
 * (and other nvent stores with another prefix) stay separate. {@code baselineOnMigrate} at version 0
 * lets the store migrate into a schema that already holds other tables.
 */
final class SchemaMigrator {

    private static final System.Logger LOG = System.getLogger(SchemaMigrator.class.getName());

    /** Where the scripts live on the class path. */
    static final String LOCATION = "io/nvent/jpa/migration/";

    /** Every migration, in version order. Add new scripts here. */
    static final List<String> SCRIPTS = List.of("V1__create_store_schema.sql", "V2__lean_history.sql",
            "V3__trigger_interval.sql", "V4__run_idempotency_key.sql", "V5__trigger_filter.sql", "V6__queue_pause.sql",
            "V7__rate_limit.sql", "V8__rate_limit_group.sql",
            "V9__rate_limit_booking.sql", "V10__run_started_index.sql", "V11__run_flow_ended_index.sql",
            "V12__trigger_misfire.sql", "V13__lease_renewed_at.sql", "V14__webhook_request.sql",
            "V15__run_key_and_error.sql", "V16__lease_progress.sql", "V17__lease_attempt.sql",
            "V18__concurrency_key.sql", "V19__tick_purge_and_child_run_indexes.sql",
            "V20__concurrency_key_await_index.sql", "V21__run_flow_finished_index.sql",
            "V22__trigger_concurrency_key.sql", "V23__concurrency_limit.sql", "V24__lease_execution.sql",
            "V25__trigger_concurrency_limit.sql", "V26__request_key.sql",
            "V27__concurrency_key_settle.sql",
            "V28__run_label.sql", "V29__trigger_labels.sql",
            "V30__run_parent_under_way.sql",
            "V31__run_deadline.sql",
            "V32__trigger_run_timeout.sql",
            "V33__trigger_overlap.sql",
            "V34__trigger_exclusions.sql",
            "V35__trigger_debounce.sql",
            "V36__run_compensating.sql",
            "V37__lease_heartbeat.sql",
            "V38__trigger_batch.sql",
            "V39__trigger_debounce_slot.sql",
            "V40__instance.sql",
            "V41__queue_workers.sql",
            "V42__await_line_claim.sql",
            "V43__queue_change.sql",
            "V44__owed_catch_up.sql",
            "V45__instance_build_and_run_error.sql",
            "V46__run_flow_completed_index.sql");

    private SchemaMigrator() {
    }

    /**
     * Migrates the schema ({@code nvent.store.migrate=true}), or else checks that it is at the version
     * this store needs: one whose migrations were applied by someone else (a DBA, a deployment of
     * this version with migrations on) must not surface as a missing column in the middle of a run.
     *
     * @throws NventException NVENT-0329 if migrations this version needs are missing, NVENT-0308 if
     *     the schema history cannot be read or the migration fails
     */
    static void prepare(DataSource dataSource, Database database, JpaStoreOptions options) {
        if (options.migrateSchema()) {
            migrate(dataSource, database, options);
        } else {
            check(dataSource, database, options);
        }
    }

    static void migrate(DataSource dataSource, Database database, JpaStoreOptions options) {
        migrate(dataSource, database, options, "latest");
    }

    /** Migrates up to {@code target} (a version, or {@code latest}); tests upgrade older schemas with it. */
    static void migrate(DataSource dataSource, Database database, JpaStoreOptions options, String target) {
        try {
            Flyway flyway = flyway(dataSource, database, options, target);
            MigrateResult result = flyway.migrate();
            // Flyway names a target version only when it applied something: ask it for the current one.
            MigrationInfoService info = flyway.info();
            String version = result.targetSchemaVersion != null ? result.targetSchemaVersion
                    : Optional.ofNullable(info.current()).map(m -> m.getVersion().getVersion()).orElse("none");
            LOG.log(System.Logger.Level.INFO, "NVENT-0311 store schema (prefix ''{0}'', {1}) at version {2}, this"
                    + " build''s at {4}; {3} migration(s) applied", options.tablePrefix(), database, version,
                    result.migrationsExecuted, latestVersion());
            warnIfNewer(info, options);
        } catch (RuntimeException e) {
            throw new NventException("NVENT-0308 cannot migrate the store schema: " + e.getMessage(), e);
        }
    }

    /**
     * Checks, without changing anything, that every migration this version ships is applied, by
     * Flyway's history of the store's schema.
     */
    static void check(DataSource dataSource, Database database, JpaStoreOptions options) {
        String history = historyTable(database, options);
        MigrationInfoService info;
        try {
            info = flyway(dataSource, database, options, "latest").info();
        } catch (RuntimeException e) {
            throw new NventException("NVENT-0308 cannot read the store schema's history (table " + history + "): "
                    + e.getMessage(), e);
        }
        Set<String> applied = new HashSet<>();
        for (MigrationInfo migration : info.all()) {
            if (migration.getState().isApplied() && !migration.getState().isFailed()
                    && migration.getVersion() != null) {
                applied.add(migration.getVersion().getVersion());
            }
        }
        List<String> missing = versions().stream().filter(v -> !applied.contains(v)).toList();
        if (!missing.isEmpty()) {
            String current = Optional.ofNullable(info.current()).map(m -> m.getVersion().getVersion())
                    .orElse("none (no migration recorded in table " + history + ")");
            throw new NventException("NVENT-0329 the nvent store schema (tables " + options.schema().map(sch -> sch
                    + ".").orElse("") + options.tablePrefix() + "*) is at version " + current + ", this version needs "
                    + latestVersion() + ": apply " + describe(missing) + " (nvent.store.migrate=true applies them at"
                    + " deployment; applied by hand, record them in Flyway's history table " + history + ")");
        }
        LOG.log(System.Logger.Level.INFO, "NVENT-0311 store schema (prefix ''{0}'', {1}) at version {2}, this"
                + " build''s at {3}; not migrated (nvent.store.migrate=false)", options.tablePrefix(), database,
                info.current().getVersion().getVersion(), latestVersion());
        warnIfNewer(info, options);
    }

    /**
     * A schema that a later nvent version migrated: this version goes on (its columns are all there,
     * later migrations add to them), so that an instance of it may still run beside or after the
     * later one, but the operator should know.
     */
    private static void warnIfNewer(MigrationInfoService info, JpaStoreOptions options) {
        MigrationInfo current = info.current();
        if (current != null && current.getState().isApplied() && !current.getState().isResolved()) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0330 the nvent store schema (prefix ''{0}'') is at version"
                    + " {1}, newer than this version knows ({2}): a later nvent version migrated it; this version"
                    + " runs on it, but a later version may rely on data this one does not write", options.tablePrefix(),
                    current.getVersion().getVersion(), latestVersion());
        }
    }

    private static Flyway flyway(DataSource dataSource, Database database, JpaStoreOptions options, String target) {
        var configuration = Flyway.configure(SchemaMigrator.class.getClassLoader())
                .target(target)
                .dataSource(dataSource)
                .table(historyTable(database, options))
                .placeholders(Map.of(
                        "prefix", options.tablePrefix(),
                        "json_type", database.jsonType(),
                        "text_type", database.textType()))
                .resourceProvider(new ScriptProvider(database))
                .javaMigrationClassProvider(new NoJavaMigrations())
                .locations("classpath:" + LOCATION)
                .failOnMissingLocations(false)
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .baselineDescription("nvent store baseline")
                .cleanDisabled(true);
        options.schema().map(database::storedCase)
                .ifPresent(schema -> configuration.schemas(schema).defaultSchema(schema));
        return configuration.load();
    }

    private static String historyTable(Database database, JpaStoreOptions options) {
        return database.storedCase(options.tablePrefix() + "schema_history");
    }

    /** The versions of {@link #SCRIPTS}, in order: "1", "2", ... */
    static List<String> versions() {
        return SCRIPTS.stream().map(name -> name.substring(1, name.indexOf("__"))).toList();
    }

    /** The highest version this build ships: a schema its build migrated is at it (or at a later one). */
    static String latestVersion() {
        List<String> versions = versions();
        return versions.get(versions.size() - 1);
    }

    /** "V2..V9" for a run of consecutive versions, else each: "V3, V5". */
    private static String describe(List<String> missing) {
        List<String> all = versions();
        int first = all.indexOf(missing.get(0));
        if (all.subList(first, first + missing.size()).equals(missing) && missing.size() > 1) {
            return "V" + missing.get(0) + "..V" + missing.get(missing.size() - 1);
        }
        return missing.stream().map(v -> "V" + v).collect(Collectors.joining(", "));
    }

    /** The resource path of a script: the vendor-specific one if it exists, else the common one. */
    static String script(Database database, String name) {
        String vendor = LOCATION + database.name().toLowerCase(java.util.Locale.ROOT) + "/" + name;
        return SchemaMigrator.class.getClassLoader().getResource(vendor) != null ? vendor : LOCATION + name;
    }

    private static final class ScriptProvider implements ResourceProvider {
        private final Database database;

        ScriptProvider(Database database) {
            this.database = database;
        }

        @Override
        public LoadableResource getResource(String name) {
            return SCRIPTS.contains(name) ? new Script(script(database, name), name) : null;
        }

        @Override
        public Collection<LoadableResource> getResources(String prefix, String[] suffixes) {
            List<LoadableResource> found = new ArrayList<>();
            for (String name : SCRIPTS) {
                if (name.startsWith(prefix) && List.of(suffixes).stream().anyMatch(name::endsWith)) {
                    found.add(new Script(script(database, name), name));
                }
            }
            return found;
        }
    }

    private static final class Script extends LoadableResource {
        private final String path;
        private final String name;

        Script(String path, String name) {
            this.path = path;
            this.name = name;
        }

        @Override
        public Reader read() {
            InputStream in = SchemaMigrator.class.getClassLoader().getResourceAsStream(path);
            if (in == null) {
                throw new IllegalStateException("migration script missing from the class path: " + path);
            }
            return new InputStreamReader(in, StandardCharsets.UTF_8);
        }

        @Override
        public String getAbsolutePath() {
            return path;
        }

        @Override
        public String getAbsolutePathOnDisk() {
            return path;
        }

        @Override
        public String getFilename() {
            return name;
        }

        @Override
        public String getRelativePath() {
            return name;
        }
    }

    private static final class NoJavaMigrations implements ClassProvider<JavaMigration> {
        @Override
        public Collection<Class<? extends JavaMigration>> getClasses() {
            return List.of();
        }
    }
}
