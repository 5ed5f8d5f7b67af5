package io.nvent.jms;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Runs an Artemis broker in its own JVM for {@link BrokerProcess}: arguments are the port of a
 * Netty acceptor on the loopback address and the data directory. Prints {@link #READY} once it
 * accepts connections; stops when standard input closes.
 */
public final class ExternalBrokerMain {

    static final String READY = "NVENT-BROKER-READY";

    private ExternalBrokerMain() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        try (EmbeddedBroker broker = EmbeddedBroker.start(Path.of(args[1]), "tcp://127.0.0.1:" + port)) {
            System.out.println(READY);
            System.out.flush();
            try {
                while (System.in.read() >= 0) {
                    // wait for the parent to close the pipe (or to kill this process)
                }
            } catch (IOException e) {
                // parent gone: stop
            }
        }
    }
}
