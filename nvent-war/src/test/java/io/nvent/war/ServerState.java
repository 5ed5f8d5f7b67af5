package io.nvent.war;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What a container test can say about the server it talks to when the server refuses connections: whether a Payara
 * Micro process of this test JVM runs, and how the server's log ends. Arquillian's Payara Micro container drops the
 * server's output ({@code outputToConsole} is false in {@code arquillian.xml}: every IT's server would fill the build
 * log), so failsafe has Payara Micro also write its log to a file ({@code --logToFile}) and names that file in the
 * system property {@value #LOG_PROPERTY}. Payara's file handler appends a generation number to the name
 * ({@code server.log.0}, {@code .0.1} while an earlier process still holds the first): the newest such file is read.
 */
final class ServerState {

    /** The file Payara Micro was told to log to, as {@code --logToFile} names it; unset on other servers. */
    static final String LOG_PROPERTY = "nvent.it.server-log";
    static final int TAIL_LINES = 40;
    /**
     * How Grizzly logs a started listener: a post-boot command that restarts it may bind it to another port than the
     * one the server announced (seen once: bound to 8520, announced and called on 8519).
     */
    private static final String LISTENER_BOUND = "bound to [";
    private static final int BOUND_LINES = 6;
    private static final int MAX_LINE = 400;

    private ServerState() {
    }

    /** Whether a process is a live Payara Micro server (started by this JVM's Arquillian container or by hand). */
    static boolean isPayaraMicro(ProcessHandle process) {
        return process.isAlive() && process.info().commandLine().map(line -> line.contains("payara-micro"))
                .orElse(false);
    }

    /** The Payara Micro processes this JVM started that still run, and the end of the log {@value #LOG_PROPERTY} names. */
    static String describe() {
        return describe(Optional.ofNullable(System.getProperty(LOG_PROPERTY)).filter(name -> !name.isBlank())
                .map(Path::of));
    }

    static String describe(Optional<Path> log) {
        List<ProcessHandle> servers = ProcessHandle.current().descendants().filter(ServerState::isPayaraMicro)
                .toList();
        String processes = servers.isEmpty()
                ? "no Payara Micro process of this test JVM is alive (it ended, or never started)"
                : servers.stream().map(p -> "Payara Micro process " + p.pid() + " is alive"
                        + p.info().startInstant().map(at -> " (started " + at + ")").orElse(""))
                        .collect(Collectors.joining("; "));
        return processes + "; " + log.map(ServerState::tail)
                .orElse("no server log (" + LOG_PROPERTY + " is not set)");
    }

    /**
     * The lines of the newest file of the log that bound the HTTP listener and its last {@value #TAIL_LINES} lines,
     * without colours and blank lines.
     */
    private static String tail(Path log) {
        Path directory = log.toAbsolutePath().getParent();
        String name = log.getFileName().toString();
        Optional<Path> newest;
        try (Stream<Path> files = Files.list(directory)) {
            newest = files.filter(file -> file.getFileName().toString().startsWith(name)
                    && !file.getFileName().toString().endsWith(".lck") && Files.isRegularFile(file))
                    .max(Comparator.comparing(ServerState::modified));
        } catch (IOException e) {
            return "the server log " + log + " cannot be listed: " + e;
        }
        if (newest.isEmpty()) {
            return "the server wrote no log " + log + "*";
        }
        try {
            // Whole: only a failing test reads it, and the lines that bind the listener lie far above the end.
            List<String> lines = Arrays.stream(new String(Files.readAllBytes(newest.get()), StandardCharsets.UTF_8)
                            .split("\\R"))
                    .map(line -> line.replaceAll("\u001B\\[[0-9;]*m", ""))
                    .filter(line -> !line.isBlank())
                    .map(line -> line.length() > MAX_LINE ? line.substring(0, MAX_LINE) + "…" : line)
                    .toList();
            List<String> bound = lines.stream().filter(line -> line.contains(LISTENER_BOUND)).toList();
            return "its HTTP listener was " + (bound.isEmpty() ? "never bound, as " + newest.get() + " says"
                    : "bound as follows, the last time last:\n" + String.join("\n",
                            bound.subList(Math.max(0, bound.size() - BOUND_LINES), bound.size())))
                    + "\nthe last lines of " + newest.get() + ":\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "the server log " + newest.get() + " cannot be read: " + e;
        }
    }

    private static FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }
}
