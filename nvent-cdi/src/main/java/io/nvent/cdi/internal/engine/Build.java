package io.nvent.cdi.internal.engine;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.Properties;

/**
 * Which nvent build this is, from the resource Maven filters into nvent-api at build time
 * ({@code io/nvent/nvent-version.properties}): its version, and the git commit it was built from. Read from the
 * resource rather than a jar manifest, which an exploded WAR and Payara Micro's class loader do not show.
 */
record Build(String version, Optional<String> commit) {

    private static final System.Logger LOG = System.getLogger(Build.class.getName());
    /** Where nvent-api keeps it, next to {@link io.nvent.FlowService}. */
    static final String RESOURCE = "nvent-version.properties";
    /** What says that a value is not known: the resource is missing, or it was built without its git repository. */
    static final String UNKNOWN = "unknown";
    /** This build. */
    static final Build CURRENT = read();

    /** The commit, or {@link #UNKNOWN}, as the log and the console show it. */
    String commitOrUnknown() {
        return commit.orElse(UNKNOWN);
    }

    private static Build read() {
        try (InputStream in = io.nvent.FlowService.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return new Build(UNKNOWN, Optional.empty());
            }
            Properties read = new Properties();
            read.load(in);
            return of(read);
        } catch (IOException | IllegalArgumentException e) {
            LOG.log(System.Logger.Level.DEBUG, "nvent-version.properties not read: {0}", e.toString());
            return new Build(UNKNOWN, Optional.empty());
        }
    }

    /**
     * The build the properties say. A value Maven left unfiltered ({@code ${...}}: a build without git, where the
     * commit plugin sets no property) or blank is not known. A build from a working tree with changes not committed
     * ({@code dirty=true}) is not its commit's: its commit reads {@code <commit>-dirty}, wherever it shows.
     */
    static Build of(Properties properties) {
        Optional<String> version = known(properties.getProperty("version"));
        boolean dirty = known(properties.getProperty("dirty")).filter("true"::equalsIgnoreCase).isPresent();
        return new Build(version.orElse(UNKNOWN), known(properties.getProperty("commit"))
                .map(commit -> dirty ? commit + DIRTY : commit));
    }

    /** What follows the commit of a build from a working tree with changes not committed. */
    static final String DIRTY = "-dirty";

    private static Optional<String> known(String value) {
        return Optional.ofNullable(value).map(String::strip)
                .filter(v -> !v.isEmpty() && !v.startsWith("${") && !v.equals(UNKNOWN));
    }
}
