package io.nvent.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * The CPU the timed part of a workload takes: the benchmark's JVM, and the PostgreSQL server it
 * writes to when that runs on this machine (its postmaster and every process it started, read from
 * {@code /proc}). CPU per run is steadier than runs per second on a machine whose speed drifts or
 * that other work shares, so a change's cost can be read from it where the wall clock cannot say.
 */
final class CpuMeter {

    /** Linux's clock ticks per second for {@code /proc/<pid>/stat} (USER_HZ, 100 on every usual kernel). */
    private static final long TICKS_PER_SECOND = 100;

    private final long postmasterPid;
    private final long jvmStart;
    private final long serverStart;

    private CpuMeter(long postmasterPid) {
        this.postmasterPid = postmasterPid;
        this.jvmStart = jvmCpuNanos();
        this.serverStart = serverCpuNanos(postmasterPid);
    }

    /** Starts counting; {@code postmasterPid} 0 (or absent) counts the JVM only. */
    static CpuMeter start(OptionalLong postmasterPid) {
        return new CpuMeter(postmasterPid.orElse(0));
    }

    /** Adds {@code jvm_cpu_ms} and, with a server, {@code pg_cpu_ms} since the start to {@code result}. */
    Result addTo(Result result) {
        result.num("jvm_cpu_ms", Math.rint((jvmCpuNanos() - jvmStart) / 1e6));
        if (postmasterPid > 0) {
            result.num("pg_cpu_ms", Math.rint((serverCpuNanos(postmasterPid) - serverStart) / 1e6));
        }
        return result;
    }

    private static long jvmCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** The user and system CPU of the postmaster and its children, live ones: the pools keep their backends. */
    private static long serverCpuNanos(long postmasterPid) {
        if (postmasterPid <= 0) {
            return 0;
        }
        long ticks = 0;
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path process : (Iterable<Path>) processes::iterator) {
                String name = process.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                long[] stat = stat(process.resolve("stat"));
                if (stat != null && (stat[0] == postmasterPid || stat[1] == postmasterPid)) {
                    ticks += stat[2] + stat[3];
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return ticks * 1_000_000_000L / TICKS_PER_SECOND;
    }

    /** pid, ppid, utime, stime of a {@code /proc/<pid>/stat}, or null if the process ended meanwhile. */
    private static long[] stat(Path file) {
        try {
            String text = Files.readString(file);
            // The command name in parentheses may hold spaces: the fields after it are counted from its end.
            String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
            long pid = Long.parseLong(text.substring(0, text.indexOf(' ')));
            return new long[] {pid, Long.parseLong(fields[1]), Long.parseLong(fields[11]), Long.parseLong(fields[12])};
        } catch (IOException | RuntimeException gone) {
            return null;
        }
    }
}
