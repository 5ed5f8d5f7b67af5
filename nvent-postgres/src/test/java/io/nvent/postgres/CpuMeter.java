package io.nvent.postgres;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * CPU time of this JVM and of the database server's processes (when it runs on this machine), so
 * a benchmark can report cost per job, which a machine shared with other work does not distort
 * as much as throughput.
 */
final class CpuMeter {

    /** CPU seconds since the meter started. */
    record Sample(double jvmSeconds, double dbSeconds, double jvmSystemSeconds) {
    }

    private final List<Long> pids = new ArrayList<>();
    private final long jvmStart;
    private final long dbStart;
    private final long jvmSystemStart;

    CpuMeter(DataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT pid FROM pg_stat_activity")) {
            while (rows.next()) {
                pids.add(rows.getLong(1));
            }
        }
        jvmStart = jvmNanos();
        dbStart = dbTicks();
        jvmSystemStart = ticks(ProcessHandle.current().pid(), 12);
    }

    /** CPU ticks per JVM thread name (digits folded), to see where the JVM's time goes. */
    static java.util.Map<String, Long> threadTicks() {
        java.util.Map<String, Long> ticks = new java.util.TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            tasks.forEach(task -> {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("\\d+", "N");
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks.merge(name, Long.parseLong(fields[11]) + Long.parseLong(fields[12]), Long::sum);
                } catch (IOException | RuntimeException e) {
                    // thread ended
                }
            });
        } catch (IOException e) {
            // not Linux
        }
        return ticks;
    }

    /** Context switches of all JVM threads alive now (voluntary + involuntary). */
    static long contextSwitches() {
        long[] total = {0};
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            tasks.forEach(task -> {
                try {
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.contains("ctxt_switches:")) {
                            total[0] += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // thread ended
                }
            });
        } catch (IOException e) {
            return 0;
        }
        return total[0];
    }

    int processes() {
        return pids.size();
    }

    Sample sample() {
        return new Sample((jvmNanos() - jvmStart) / 1e9, (dbTicks() - dbStart) / 100.0,
                (ticks(ProcessHandle.current().pid(), 12) - jvmSystemStart) / 100.0);
    }

    private static long jvmNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** utime + stime of the server processes, in clock ticks (1/100 s); 0 if not on this machine. */
    private long dbTicks() {
        long ticks = 0;
        for (long pid : pids) {
            ticks += ticks(pid, 11) + ticks(pid, 12);
        }
        return ticks;
    }

    /** Field of /proc/PID/stat counted after the command name: 11 = utime, 12 = stime. */
    private static long ticks(long pid, int field) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[field]);
        } catch (IOException | RuntimeException e) {
            return 0; // process gone or not on this machine
        }
    }
}
