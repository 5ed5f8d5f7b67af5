package io.nvent.jms;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.ThreadLocalRandom;
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

    /**
     * How long a start may take at most before it counts as hung. A JVM loading Artemis from the test class path
     * took 2 to 8 s at a load average of 13, so a fixed 60 s at 40 is no bound on the broker: the start waits
     * for the broker's own word (ready, or its process ended), and this bound only turns a hang into a failure
     * that says so, with the broker's last output.
     */
    private static final Duration HUNG = Duration.ofMinutes(3);

    /** Starts a broker and waits until it says it accepts connections, or its process ends. */
    static BrokerProcess start(int port, Path dataDir) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        long began = System.nanoTime();
        Process process = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                ExternalBrokerMain.class.getName(), Integer.toString(port), dataDir.toString())
                .redirectErrorStream(true)
                .start();
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Deque<String> lastLines = new ConcurrentLinkedDeque<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    lastLines.addLast(line);
                    if (lastLines.size() > 20) {
                        lastLines.pollFirst();
                    }
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
            ready.get(HUNG.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            process.destroyForcibly();
            throw new IllegalStateException("broker on port " + port + " did not start within "
                    + Duration.ofNanos(System.nanoTime() - began).toSeconds() + " s; its last output:\n"
                    + String.join("\n", lastLines), e);
        }
        LOG.log(System.Logger.Level.INFO, () -> "broker on port " + port + " started in "
                + Duration.ofNanos(System.nanoTime() - began).toMillis() + " ms");
        return new BrokerProcess(process);
    }

    /**
     * Crashes the broker: no shutdown, no journal flush beyond what it already synced. Returns once its process
     * has ended, so that a broker started next on the data directory finds its journal's lock and its port free
     * (a new one would wait for the lock a dying one still held).
     */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        try {
            process.onExit().get(HUNG.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("killed broker process " + process.pid() + " did not end", e);
        }
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

    /**
     * A free TCP port on the loopback address, below the range the system hands out to outgoing connections
     * (Linux: 32768 and up): a broker restarted on it after a crash must find it free, and a port from that range
     * may meanwhile be taken by any connection of the machine, even by a client's reconnect to it (a TCP
     * connection to itself, when no broker listens).
     */
    static int freePort() throws IOException {
        for (int tried = 0; tried < 200; tried++) {
            int port = ThreadLocalRandom.current().nextInt(10_000, 32_768);
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return socket.getLocalPort();
            } catch (IOException taken) {
                // another one
            }
        }
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
