package io.nvent.artemis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NventArtemisResourceAdapterTest {

    @AfterEach
    void clearProperty() {
        System.clearProperty(NventArtemisResourceAdapter.DATA_DIR_PROPERTY);
    }

    @Test
    void inVmConnectorMeansEmbeddedBroker() {
        NventArtemisResourceAdapter ra = new NventArtemisResourceAdapter();
        ra.setConnectorClassName("org.apache.activemq.artemis.core.remoting.impl.invm.InVMConnectorFactory");
        ra.setConnectionParameters("serverId=3");
        assertThat(ra.usesEmbeddedBroker()).isTrue();
        assertThat(ra.inVmServerId()).isEqualTo(3);
    }

    @Test
    void nettyConnectorMeansExternalBroker() {
        NventArtemisResourceAdapter ra = new NventArtemisResourceAdapter();
        ra.setConnectorClassName("org.apache.activemq.artemis.core.remoting.impl.netty.NettyConnectorFactory");
        ra.setConnectionParameters("host=broker;port=61616");
        assertThat(ra.usesEmbeddedBroker()).isFalse();
    }

    @Test
    void dataDirectoryPrecedence() {
        NventArtemisResourceAdapter ra = new NventArtemisResourceAdapter();
        assertThat(ra.resolveDataDirectory())
                .isEqualTo(Path.of(System.getProperty("user.home"), ".nvent", "artemis"));
        ra.setDataDirectory("/from/ra-config");
        assertThat(ra.resolveDataDirectory()).isEqualTo(Path.of("/from/ra-config"));
        System.setProperty(NventArtemisResourceAdapter.DATA_DIR_PROPERTY, "/from/system");
        assertThat(ra.resolveDataDirectory()).isEqualTo(Path.of("/from/system"));
    }

    @Test
    void theEmbeddedBrokersDiskLimitIsArtemisNinetyPercentUntilConfigured() {
        NventArtemisResourceAdapter ra = new NventArtemisResourceAdapter();
        assertThat(ra.getMaxDiskUsage()).isEqualTo(90);
        ra.setMaxDiskUsage(-1);
        assertThat(ra.getMaxDiskUsage()).isEqualTo(-1);
        assertThat(ra).isNotEqualTo(new NventArtemisResourceAdapter());
    }

    @Test
    void theEmbeddedBrokersThreadPoolIsSizedByTheProcessorsUntilConfigured() {
        NventArtemisResourceAdapter ra = new NventArtemisResourceAdapter();
        assertThat(ra.getThreadPoolMaxSize()).isNull();
        ra.setThreadPoolMaxSize(8);
        assertThat(ra.getThreadPoolMaxSize()).isEqualTo(8);
        assertThat(ra).isNotEqualTo(new NventArtemisResourceAdapter());
    }

    @Test
    void queueAdminObjectTakesNameProperty() {
        NventQueue queue = new NventQueue();
        queue.setName("orders");
        assertThat(queue.getQueueName()).isEqualTo("orders");
        assertThat(queue.getAddress()).isEqualTo("orders");
    }
}
