package io.nvent.cdi.internal;

import io.nvent.cdi.Worker;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import javax.naming.InitialContext;
import javax.naming.NamingException;

/**
 * Threads for workers and timers: the server's managed thread factory when there is one, so
 * steps run with the application's context (CDI, JNDI, security); plain daemon threads otherwise.
 */
@ApplicationScoped
public class Threads {

    private static final System.Logger LOG = System.getLogger(Threads.class.getName());

    @Produces
    @ApplicationScoped
    @Worker
    ThreadFactory workerThreads() {
        try {
            return (ThreadFactory) new InitialContext().lookup("java:comp/DefaultManagedThreadFactory");
        } catch (NamingException | RuntimeException noContainer) {
            LOG.log(System.Logger.Level.DEBUG, "no managed thread factory, using plain threads");
            return daemonThreads("nvent-worker");
        }
    }

    /**
     * A scheduler on {@code threads} daemon threads named {@code prefix-N} that drops a task as soon
     * as it is canceled: a timer canceled long before it is due (an await resolved early, a step's
     * progress write no longer needed) would otherwise hold what it captured until then and wake a
     * scheduler thread for nothing.
     */
    public static ScheduledExecutorService daemonScheduler(String prefix, int threads) {
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(threads, daemonThreads(prefix));
        scheduler.setRemoveOnCancelPolicy(true);
        return scheduler;
    }

    /** Daemon threads named {@code prefix-N}. */
    public static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
