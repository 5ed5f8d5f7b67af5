package io.nvent.jms;

import java.util.UUID;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An {@link EmbeddedBroker#inVm in-VM broker} for one test class: started before its first test, closed after its last.
 * Registered as {@code @RegisterExtension static final InVmBroker broker = InVmBroker.of(id, "prefix")}; its
 * {@link #clients()} can then initialise a test's instance field.
 */
final class InVmBroker implements BeforeAllCallback, AfterAllCallback {

    private final int id;
    private final String prefix;
    private final boolean diskLimit;
    private EmbeddedBroker broker;

    private InVmBroker(int id, String prefix, boolean diskLimit) {
        this.id = id;
        this.prefix = prefix;
        this.diskLimit = diskLimit;
    }

    /**
     * @param id the in-VM acceptor's id, one per test class that runs at the same time
     * @param prefix the name prefix of its directory under {@code target/artemis}
     */
    static InVmBroker of(int id, String prefix) {
        return new InVmBroker(id, prefix, false);
    }

    /** {@link #of}, on a broker whose disk a test fills ({@link EmbeddedBroker#inVmWithDiskLimit}). */
    static InVmBroker withDiskLimit(int id, String prefix) {
        return new InVmBroker(id, prefix, true);
    }

    /** A queue name of its own for a test: {@code prefix-} and eight random characters. */
    static String freshQueue(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        broker = diskLimit ? EmbeddedBroker.inVmWithDiskLimit(id, prefix) : EmbeddedBroker.inVm(id, prefix);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        broker.close();
    }

    /** See {@link EmbeddedBroker#clients()}. */
    ActiveMQConnectionFactory clients() {
        return broker.clients();
    }

    /** See {@link EmbeddedBroker#diskFull(boolean)}. */
    void diskFull(boolean full) {
        broker.diskFull(full);
    }

    /** See {@link EmbeddedBroker#receivingConsumersOf(String)}. */
    long receivingConsumersOf(String queueName) {
        return broker.receivingConsumersOf(queueName);
    }
}
