package io.nvent.cluster;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One application instance: a Payara Micro process of its own running the cluster WAR, started
 * with {@code java -jar payara-micro.jar --deploy <war> --port <port> --nocluster}. {@code --nocluster}
 * keeps Payara Micro processes on one host from forming a Hazelcast cluster: nvent coordinates
 * its instances through PostgreSQL alone. Output goes to {@code <workDir>/<name>.log}.
 */
final class PayaraInstance implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofMinutes(10);

    private final String name;
    private final URI base;
    private final Process process;
    private final Path log;

    private PayaraInstance(String name, URI base, Process process, Path log) {
        this.name = name;
        this.base = base;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts a process; it answers once {@link #awaitReady()} returns.
     *
     * @param settings system properties of the instance (MicroProfile Config reads them)
     */
    static PayaraInstance launch(String name, Path microJar, Path war, Path workDir, Map<String, String> settings) {
        int port = freePort();
        URI base = URI.create("http://127.0.0.1:" + port + "/");
        Map<String, String> properties = new TreeMap<>(settings);
        properties.put("nvent.instance-id", name);
        properties.put("nvent.queue.postgres.instance-id", name);
        properties.put("nvent.webhooks.base-url", "http://127.0.0.1:" + port);
        // Lets one run the cluster tests with other engine settings, e.g. -Dcluster.nvent.step.start-write-delay-ms=200.
        System.getProperties().stringPropertyNames().stream().filter(key -> key.startsWith("cluster.nvent."))
                .forEach(key -> properties.put(key.substring("cluster.".length()), System.getProperty(key)));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-jar", microJar.toString(), "--deploy", war.toString(), "--contextroot", "/",
                "--port", Integer.toString(port), "--nocluster", "--rootdir", workDir.resolve(name).toString()));
        try {
            // A fresh runtime directory: Payara Micro would otherwise also redeploy the application a
            // previous run left in it, and undeploy that copy while the test is already running.
            deleteRecursively(workDir.resolve(name));
            Files.createDirectories(workDir);
            Path log = workDir.resolve(name + ".log");
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            return new PayaraInstance(name, base, process, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Payara Micro instance " + name, e);
        }
    }

    /** Waits until the instance's API answers; fails at once, with its log, if the process ended. */
    PayaraInstance awaitReady() {
        Api api = api();
        await("instance " + name + " up").atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(500))
                .ignoreExceptionsMatching(e -> e instanceof UncheckedIOException)
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("instance " + name + " exited with " + process.exitValue()
                                + "; its log ends with:\n" + logTail());
                    }
                    return api.get("api/nvent/flows").status() == 200;
                });
        return this;
    }

    String name() {
        return name;
    }

    URI base() {
        return base;
    }

    Api api() {
        return new Api(base);
    }

    long pid() {
        return process.pid();
    }

    /** {@code kill -9}: the process dies at once, without any shutdown hook. */
    void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("instance " + name + " did not die");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The instance's output so far. */
    String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the log of instance " + name, e);
        }
    }

    /** The last lines of the instance's output, for failure messages. */
    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Stops the instance normally (SIGTERM), forcibly if it hangs. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    @Override
    public String toString() {
        return "instance " + name + " at " + base + " (pid " + process.pid() + ", log " + log + ")";
    }
}
