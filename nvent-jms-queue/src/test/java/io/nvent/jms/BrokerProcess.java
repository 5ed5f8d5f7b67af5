package io.nvent.jms;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An Artemis broker in a separate JVM started from the test class path, so a test can crash it
 * ({@link #kill()}: SIGKILL, no clean shutdown) and start it again on the same data directory.
 */
final class BrokerProcess implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(BrokerProcess.class.getName());
    private final Process process;

    private BrokerProcess(Process process) {
        this.process = process;
    }

    /** Starts a broker and waits until it accepts connections. */
    static BrokerProcess start(int port, Path dataDir) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                ExternalBrokerMain.class.getName(), Integer.toString(port), dataDir.toString())
                .redirectErrorStream(true)
                .start();
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    if (line.contains(ExternalBrokerMain.READY)) {
                        ready.complete(null);
                    } else if (line.contains("ERROR") || line.contains("Exception")) {
                        LOG.log(System.Logger.Level.INFO, "broker: " + line);
                    }
                }
            } catch (IOException e) {
                // process ended
            }
            ready.completeExceptionally(new IllegalStateException("broker process ended before it was ready"));
        }, "broker-output");
        reader.setDaemon(true);
        reader.start();
        try {
            ready.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IllegalStateException("broker on port " + port + " did not start", e);
        }
        return new BrokerProcess(process);
    }

    /** Crashes the broker: no shutdown, no journal flush beyond what it already synced. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            try {
                process.getOutputStream().close();
            } catch (IOException e) {
                // fall through to kill
            }
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }

    /** A free TCP port on the loopback address. */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
