package io.nvent.cdi.internal;

import io.nvent.spi.internal.ExitSafeLogger;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The engine's view of a scheduled executor it may not own: in a container the server's
 * {@code ManagedScheduledExecutorService}, which goes on after the application stopped. Everything
 * the engine schedules (maintenance sweeps, await timers, schedule ticks, deferred start writes)
 * goes through here, so that {@link #stop} can take it all back: it cancels what has not run yet and
 * waits for what runs, and what is scheduled afterwards never runs. Without it an await's timer
 * fired after undeploy and failed on the application's beans (WELD-000229), and on a server that
 * suspends for shutdown each timer firing was logged as an error (WFLYEE0110).
 */
public final class EngineScheduler extends AbstractExecutorService implements ScheduledExecutorService {

    private static final System.Logger LOG = ExitSafeLogger.of(EngineScheduler.class);

    private final ScheduledExecutorService executor;
    /** Tasks scheduled and not ended: one-shot ones until they ran or were canceled, periodic ones until stopped. */
    private final Set<Task> scheduled = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object();
    /** Tasks running now; guarded by {@link #lock}. */
    private int running;
    /** Guarded by {@link #lock}. */
    private boolean stopped;

    /** The engine's tasks on {@code executor}, which {@link #stop} leaves running for its other users. */
    public EngineScheduler(ScheduledExecutorService executor) {
        this.executor = executor;
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return track(command, false, task -> executor.schedule(task, delay, unit));
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        return track(command, true, task -> executor.scheduleAtFixedRate(task, initialDelay, period, unit));
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        return track(command, true, task -> executor.scheduleWithFixedDelay(task, initialDelay, delay, unit));
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        FutureTask<V> result = new FutureTask<>(callable);
        return new ResultFuture<>(schedule(result, delay, unit), result);
    }

    @Override
    public void execute(Runnable command) {
        schedule(command, 0, TimeUnit.MILLISECONDS);
    }

    private ScheduledFuture<?> track(Runnable command, boolean periodic,
                                     Function<Runnable, ScheduledFuture<?>> scheduling) {
        Task task = new Task(command, periodic);
        synchronized (lock) {
            if (stopped) {
                // A step ending while the engine stops may still plan a timer: what it waits for is
                // stored, and the sweep of whichever instance runs next picks it up.
                LOG.log(System.Logger.Level.DEBUG, "engine stopped: a timer scheduled now does not run");
                return Dropped.INSTANCE;
            }
            scheduled.add(task);
        }
        try {
            task.future = scheduling.apply(task);
        } catch (RuntimeException refused) {
            scheduled.remove(task);
            throw refused;
        }
        if (isShutdown()) {
            // stop() ran between the check above and now, and could not cancel it yet.
            task.cancel(false);
        }
        return new TaskFuture(task);
    }

    /**
     * Cancels every task not yet run and waits up to {@code patience} for those running; any still
     * running then is interrupted. Tasks scheduled afterwards do not run.
     *
     * @return whether every task had ended within {@code patience}
     */
    public boolean stop(Duration patience) {
        shutdown();
        long deadline = System.nanoTime() + patience.toNanos();
        synchronized (lock) {
            try {
                while (running > 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (running == 0) {
                return true;
            }
            LOG.log(System.Logger.Level.WARNING, "NVENT-0526 " + running + " task(s) of the engine (a maintenance "
                    + "sweep, an await's timer or a schedule tick) still ran " + patience + " after "
                    + "the engine began to stop; they are interrupted");
        }
        scheduled.forEach(Task::interrupt);
        return false;
    }

    /** Cancels every task not yet run; those running go on. Tasks scheduled afterwards do not run. */
    @Override
    public void shutdown() {
        synchronized (lock) {
            stopped = true;
            // Under the lock that tasks take to start: each one either runs now or never will.
            scheduled.forEach(Task::cancelUnlessRunning);
        }
    }

    @Override
    public List<Runnable> shutdownNow() {
        stop(Duration.ZERO);
        return List.of();
    }

    @Override
    public boolean isShutdown() {
        synchronized (lock) {
            return stopped;
        }
    }

    @Override
    public boolean isTerminated() {
        synchronized (lock) {
            return stopped && running == 0;
        }
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        synchronized (lock) {
            while (!(stopped && running == 0)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return true;
        }
    }

    /** A task as given to the executor: it runs its command unless the engine stopped. */
    private final class Task implements Runnable {
        private final Runnable command;
        private final boolean periodic;
        volatile ScheduledFuture<?> future;
        /** The thread running it now, if it runs. */
        private volatile Thread runner;

        Task(Runnable command, boolean periodic) {
            this.command = command;
            this.periodic = periodic;
        }

        @Override
        public void run() {
            synchronized (lock) {
                if (stopped) {
                    return;
                }
                running++;
                runner = Thread.currentThread();
            }
            try {
                command.run();
            } finally {
                runner = null;
                if (!periodic) {
                    scheduled.remove(this);
                }
                synchronized (lock) {
                    running--;
                    lock.notifyAll();
                }
            }
        }

        /**
         * Cancels the task on the executor, where it stays listed while it runs, so that
         * {@link #stop} can interrupt it: a future canceled once cannot be canceled again to interrupt.
         */
        void cancelUnlessRunning() {
            ScheduledFuture<?> current = future;
            if (current != null) {
                current.cancel(false);
            }
            if (runner == null) {
                scheduled.remove(this);
            }
        }

        void interrupt() {
            Thread current = runner;
            if (current != null) {
                current.interrupt();
            }
        }

        boolean cancel(boolean interrupt) {
            scheduled.remove(this);
            ScheduledFuture<?> current = future;
            // Not yet handed to the executor: track() cancels it once it is, as the engine stopped.
            return current != null && current.cancel(interrupt);
        }
    }

    /** What the engine holds of a task: canceling it forgets the task too. */
    private record TaskFuture(Task task) implements ScheduledFuture<Object> {

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            return task.cancel(mayInterruptIfRunning);
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return task.future.getDelay(unit);
        }

        @Override
        public int compareTo(Delayed other) {
            return task.future.compareTo(other);
        }

        @Override
        public boolean isCancelled() {
            return task.future.isCancelled();
        }

        @Override
        public boolean isDone() {
            return task.future.isDone();
        }

        @Override
        public Object get() throws InterruptedException, ExecutionException {
            return task.future.get();
        }

        @Override
        public Object get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException,
                TimeoutException {
            return task.future.get(timeout, unit);
        }
    }

    /** A scheduled {@link Callable}: its result, and canceling it cancels the task. */
    private record ResultFuture<V>(ScheduledFuture<?> task, FutureTask<V> result) implements ScheduledFuture<V> {

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            task.cancel(mayInterruptIfRunning);
            return result.cancel(mayInterruptIfRunning);
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return task.getDelay(unit);
        }

        @Override
        public int compareTo(Delayed other) {
            return task.compareTo(other);
        }

        @Override
        public boolean isCancelled() {
            return result.isCancelled() || task.isCancelled();
        }

        @Override
        public boolean isDone() {
            return result.isDone() || task.isCancelled();
        }

        @Override
        public V get() throws InterruptedException, ExecutionException {
            requireNotDropped();
            return result.get();
        }

        @Override
        public V get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
            requireNotDropped();
            return result.get(timeout, unit);
        }

        /** A task canceled with the engine's stop never runs, so its result would never come. */
        private void requireNotDropped() {
            if (task.isCancelled() && !result.isDone()) {
                throw new java.util.concurrent.CancellationException("the engine stopped before the task ran");
            }
        }
    }

    /** A task scheduled after the engine stopped: it never runs. */
    private static final class Dropped implements ScheduledFuture<Object> {
        static final Dropped INSTANCE = new Dropped();

        @Override
        public long getDelay(TimeUnit unit) {
            return 0;
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(0, other.getDelay(TimeUnit.NANOSECONDS));
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            return false;
        }

        @Override
        public boolean isCancelled() {
            return true;
        }

        @Override
        public boolean isDone() {
            return true;
        }

        @Override
        public Object get() {
            throw new java.util.concurrent.CancellationException("the engine had stopped");
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            throw new java.util.concurrent.CancellationException("the engine had stopped");
        }
    }
}
