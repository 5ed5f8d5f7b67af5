package io.nvent.artemis.internal;

import jakarta.resource.spi.BootstrapContext;
import jakarta.resource.spi.ResourceAdapterInternalException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import org.apache.activemq.artemis.core.remoting.impl.invm.InVMConnectorFactory;
import org.apache.activemq.artemis.ra.ActiveMQResourceAdapter;

/**
 * The Artemis resource adapter of nvent. With the default configuration ({@code ConnectorClassName}
 * = {@code InVMConnectorFactory}) it starts an embedded, persistent Artemis broker in
 * {@link #start(BootstrapContext)} and stops it in {@link #stop()}. Configured with any other
 * connector (e.g. {@code NettyConnectorFactory} plus {@code ConnectionParameters=host=…;port=…})
 * it is a plain client of an external broker and starts nothing.
 *
 * <p>Data directory of the embedded broker, first match wins: system property
 * {@value #DATA_DIR_PROPERTY}, RA config property {@code DataDirectory},
 * {@code ${user.home}/.nvent/artemis}.
 */
public class NventArtemisResourceAdapter extends ActiveMQResourceAdapter {

    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger(NventArtemisResourceAdapter.class.getName());

    /** System property that overrides the data directory of the embedded broker. */
    public static final String DATA_DIR_PROPERTY = "nvent.artemis.data-dir";

    private static final String IN_VM_CONNECTOR = InVMConnectorFactory.class.getName();

    /**
     * Artemis audit loggers log every send and ack at INFO (Artemis' own logging config turns them
     * off; through SLF4J -> JUL they would flood the server log). Strong reference: JUL keeps
     * loggers weakly, a collected logger would lose its level.
     */
    private static final java.util.logging.Logger AUDIT_LOGGER =
            java.util.logging.Logger.getLogger("org.apache.activemq.audit");

    static {
        if (AUDIT_LOGGER.getLevel() == null) {
            AUDIT_LOGGER.setLevel(java.util.logging.Level.WARNING);
        }
    }

    private String dataDirectory;
    private Boolean persistenceEnabled = Boolean.TRUE;
    private Integer maxDeliveryAttempts = 10;
    private Long journalLockTimeout = 30_000L;
    private Long journalBufferTimeout = EmbeddedBroker.DEFAULT_JOURNAL_BUFFER_TIMEOUT_NANOS;
    private Integer maxDiskUsage = EmbeddedBroker.DEFAULT_MAX_DISK_USAGE;
    private Integer threadPoolMaxSize;

    private transient EmbeddedBroker broker;

    @Override
    public void start(BootstrapContext ctx) throws ResourceAdapterInternalException {
        if (usesEmbeddedBroker()) {
            EmbeddedBroker.Settings settings = new EmbeddedBroker.Settings(
                    resolveDataDirectory(), Boolean.TRUE.equals(persistenceEnabled), inVmServerId(),
                    maxDeliveryAttempts == null ? 10 : maxDeliveryAttempts,
                    journalLockTimeout == null ? -1L : journalLockTimeout,
                    journalBufferTimeout == null ? EmbeddedBroker.DEFAULT_JOURNAL_BUFFER_TIMEOUT_NANOS
                            : journalBufferTimeout,
                    maxDiskUsage == null ? EmbeddedBroker.DEFAULT_MAX_DISK_USAGE : maxDiskUsage,
                    threadPoolMaxSize == null || threadPoolMaxSize == 0 ? EmbeddedBroker.defaultThreadPoolMaxSize()
                            : threadPoolMaxSize);
            try {
                broker = EmbeddedBroker.start(settings);
            } catch (Exception e) {
                throw new ResourceAdapterInternalException(
                        "NVENT-0904 Embedded Artemis broker failed to start in " + settings.dataDirectory()
                                + " (is another server using the same data directory? set system property "
                                + DATA_DIR_PROPERTY + ")", e);
            }
        } else {
            LOG.log(Level.INFO, "NVENT-0905 Using external Artemis broker: {0} {1}",
                    getConnectorClassName(), getConnectionParameters());
        }
        try {
            super.start(ctx);
        } catch (ResourceAdapterInternalException | RuntimeException e) {
            stopBroker();
            throw e;
        }
    }

    @Override
    public void stop() {
        try {
            super.stop();
        } finally {
            stopBroker();
        }
    }

    private void stopBroker() {
        EmbeddedBroker b = broker;
        broker = null;
        if (b != null) {
            b.stop();
        }
    }

    /** {@code true} when every configured connector is the in-VM connector (the default). */
    boolean usesEmbeddedBroker() {
        String connectors = getConnectorClassName();
        if (connectors == null || connectors.isBlank()) {
            return true;
        }
        return Arrays.stream(connectors.split(","))
                .map(String::trim)
                .allMatch(c -> c.equals(IN_VM_CONNECTOR) || c.equals("InVMConnectorFactory"));
    }

    Path resolveDataDirectory() {
        String fromSystem = System.getProperty(DATA_DIR_PROPERTY);
        if (fromSystem != null && !fromSystem.isBlank()) {
            return Path.of(fromSystem.trim());
        }
        if (dataDirectory != null && !dataDirectory.isBlank()) {
            return Path.of(dataDirectory.trim());
        }
        return Path.of(System.getProperty("user.home"), ".nvent", "artemis");
    }

    /** The {@code serverId} of the first in-VM connector's parameters, 0 when absent. */
    int inVmServerId() {
        String params = getConnectionParameters();
        if (params == null) {
            return 0;
        }
        String first = params.split(",", 2)[0];
        for (String pair : first.split(";")) {
            String[] kv = pair.split("=", 2);
            if (kv.length == 2 && kv[0].trim().equals("serverId")) {
                return Integer.parseInt(kv[1].trim());
            }
        }
        return 0;
    }

    // ---- Setters Payara can find ----
    // Payara (GlassFish SetMethodAction) takes a property's type from its getter and needs a setter
    // with exactly that parameter type. ActiveMQResourceAdapter pairs int/long/boolean getters with
    // Integer/Long/Boolean setters, so without these overloads SetupAttempts, SetupInterval and
    // UseJNDI from ra.xml are ignored (RAR8000/RAR7097 warnings at deploy).

    public void setSetupAttempts(int setupAttempts) {
        super.setSetupAttempts(setupAttempts);
    }

    public void setSetupInterval(long setupInterval) {
        super.setSetupInterval(setupInterval);
    }

    public void setUseJNDI(boolean useJNDI) {
        super.setUseJNDI(useJNDI);
    }

    // ---- RA config properties (JavaBean, boxed types as in ra.xml) ----

    public String getDataDirectory() {
        return dataDirectory;
    }

    public void setDataDirectory(String dataDirectory) {
        this.dataDirectory = dataDirectory;
    }

    public Boolean getPersistenceEnabled() {
        return persistenceEnabled;
    }

    public void setPersistenceEnabled(Boolean persistenceEnabled) {
        this.persistenceEnabled = persistenceEnabled;
    }

    public Integer getMaxDeliveryAttempts() {
        return maxDeliveryAttempts;
    }

    public void setMaxDeliveryAttempts(Integer maxDeliveryAttempts) {
        this.maxDeliveryAttempts = maxDeliveryAttempts;
    }

    public Long getJournalLockTimeout() {
        return journalLockTimeout;
    }

    public void setJournalLockTimeout(Long journalLockTimeout) {
        this.journalLockTimeout = journalLockTimeout;
    }

    public Long getJournalBufferTimeout() {
        return journalBufferTimeout;
    }

    public void setJournalBufferTimeout(Long journalBufferTimeout) {
        this.journalBufferTimeout = journalBufferTimeout;
    }

    public Integer getMaxDiskUsage() {
        return maxDiskUsage;
    }

    /** Percent of its disk the embedded broker fills before it holds back producers; -1: no limit. */
    public void setMaxDiskUsage(Integer maxDiskUsage) {
        this.maxDiskUsage = maxDiskUsage;
    }

    public Integer getThreadPoolMaxSize() {
        return threadPoolMaxSize;
    }

    /** Threads of the embedded broker's general pool; unset or 0: twice the processors, 4 to 30; -1: unbounded. */
    public void setThreadPoolMaxSize(Integer threadPoolMaxSize) {
        this.threadPoolMaxSize = threadPoolMaxSize;
    }

    @Override
    public boolean equals(Object obj) {
        if (!super.equals(obj) || !(obj instanceof NventArtemisResourceAdapter other)) {
            return false;
        }
        return Objects.equals(dataDirectory, other.dataDirectory)
                && Objects.equals(persistenceEnabled, other.persistenceEnabled)
                && Objects.equals(maxDeliveryAttempts, other.maxDeliveryAttempts)
                && Objects.equals(journalLockTimeout, other.journalLockTimeout)
                && Objects.equals(journalBufferTimeout, other.journalBufferTimeout)
                && Objects.equals(maxDiskUsage, other.maxDiskUsage)
                && Objects.equals(threadPoolMaxSize, other.threadPoolMaxSize);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), dataDirectory, persistenceEnabled, maxDeliveryAttempts,
                journalLockTimeout, journalBufferTimeout, maxDiskUsage, threadPoolMaxSize);
    }
}
