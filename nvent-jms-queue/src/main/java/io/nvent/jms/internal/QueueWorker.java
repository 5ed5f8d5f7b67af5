package io.nvent.jms.internal;

import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobRequest;
import io.nvent.spi.internal.ExitSafeLogger;
import io.nvent.spi.internal.RetryDelays;
import jakarta.jms.JMSConsumer;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.JMSRuntimeException;
import jakarta.jms.Message;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One worker of a queue: its own locally transacted JMS context, a synchronous receive loop, and
 * one attempt at a time. Consuming the job message, sending its follow-up (the retry message with
 * a delivery delay, or the dead letter) and acknowledging happen in one JMS transaction, so a crash
 * anywhere leaves the job exactly once on the broker: at least once delivery, never lost.
 *
 * <p>Group commit: while more jobs are available at once, a worker runs them one after the other
 * in the same transaction and commits them together, up to {@link QueueRuntime#maxAttemptsPerCommit()}
 * attempts or {@link QueueRuntime#maxCommitDelayNanos()} after the first; a message counts as
 * available at once when the broker delivers it within {@link #GATHER_WAIT_MILLIS}. A persistent commit waits
 * for the broker's disk, so a backlog drains that many times faster, and every outcome still
 * commits together with its message's acknowledgement; a crash before the commit redelivers the
 * whole group (at least once). An attempt counts as active while it executes, and as its outcome
 * once it ended, so a queue never counts more active jobs than its workers run.
 *
 * <p>Synchronous receive on threads of a (managed) thread factory, rather than a message listener
 * or an MDB: the Jakarta EE spec forbids {@code setMessageListener} in web and EJB containers, and
 * MDBs are fixed per deployment, while queues, concurrency and pause here are decided at run time.
 */
public final class QueueWorker implements Runnable {

    private static final System.Logger LOG = ExitSafeLogger.of(QueueWorker.class);
    private static final long MIN_RECONNECT_MILLIS = 100;
    private static final long MAX_RECONNECT_MILLIS = 5_000;
    /** Early delivery tolerated from the broker's millisecond scheduling; made up by waiting. */
    private static final Duration MAX_EARLY_WAIT = Duration.ofSeconds(1);
    /** How long a worker waits for one more message for its open transaction before committing it. */
    private static final long GATHER_WAIT_MILLIS = 2;
    /**
     * Continuations one worker runs back to back; the next one goes through the queue, so a run of
     * many steps cannot hold a worker past the jobs waiting in the queue's order for ever.
     */
    static final int MAX_CONTINUATIONS = 100;
    /**
     * Least delivery delay of a message sent back in place of a received one: a scheduled message that falls due goes
     * to the head of its priority on Artemis ({@code ScheduledDeliveryHandlerImpl}, {@code Queue.addHead}).
     */
    static final long KEEP_PLACE_DELAY_MILLIS = 1;
    /** The worker whose handler runs on this thread, so that the handler can offer a continuation. */
    private static final ThreadLocal<QueueWorker> RUNNING = new ThreadLocal<>();

    private final QueueRuntime runtime;
    private final QueueControl control;
    private final JobHandler handler;
    /** Classic API on purpose: resource adapters allow local transactions on sessions, not on contexts. */
    private jakarta.jms.Connection connection;
    /** Whether {@link #connection} holds a pooled connection, counted in {@link WorkerConnections}. */
    private boolean holdsConnection;
    private jakarta.jms.Session session;
    private jakarta.jms.MessageConsumer consumer;
    /** Attempts that ended in the open transaction, settled when it commits or rolls back. */
    private final List<Ended> uncommitted = new ArrayList<>();
    /**
     * Whether the open transaction holds a dead letter: it then commits before the worker takes another job, as a
     * job shows failed (and may be retried or discarded) from the moment its attempt ended, and a retry waits only
     * that long for the commit.
     */
    private boolean deadLetterUncommitted;
    /** Messages consumed, and continuations run, in the open transaction. */
    private int consumed;
    /** Priority of the job whose handler runs: a continuation may not have a lower one. */
    private int runningPriority;
    /** The job the running handler offered to continue with. */
    private JobRequest continuation;

    /** Where a job settled with the open transaction came from. */
    private enum Source {
        /** A message consumed in the transaction: a rollback brings it back. */
        MESSAGE,
        /** A continuation run in the transaction, with no message: a rollback leaves nothing of it. */
        CONTINUATION,
        /** A continuation that could not run here, sent in the transaction; no attempt of it ended. */
        SENT
    }

    /** An attempt that ended in the open transaction, or a job sent in it. */
    private record Ended(JobEntry entry, AttemptKey key, Source source) {
    }

    /** The pool of the workers' factory had no connection for this worker: not a broker outage. */
    private static final class PoolRefused extends JMSException {
        private static final long serialVersionUID = 1L;
        private final transient WorkerConnections.PoolRefusal refusal;

        PoolRefused(WorkerConnections.PoolRefusal refusal, Exception cause) {
            super(refusal.diagnosis());
            this.refusal = refusal;
            initCause(cause);
        }
    }

    public QueueWorker(QueueRuntime runtime, QueueControl control, JobHandler handler) {
        this.runtime = runtime;
        this.control = control;
        this.handler = handler;
    }

    @Override
    public void run() {
        Throwable died = null;
        try {
            work();
        } catch (InterruptedException e) {
            // From close() once it gave up waiting: the worker leaves, its uncommitted messages go back to the
            // queue. From anything else, the worker died.
            if (!control.isStopped()) {
                died = e;
            }
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            // Thrown outside an attempt and past the loop's own catch (e.g. by a failure handler).
            died = e;
        } finally {
            closeContext();
        }
        if (died != null) {
            replaceAfter(died);
        }
    }

    /**
     * A worker that died is no longer counted and a new one takes its place after a backoff, unless the
     * queue stops meanwhile or has as many workers as it may by then.
     */
    private void replaceAfter(Throwable cause) {
        long delay = control.workerDied(MIN_RECONNECT_MILLIS, MAX_RECONNECT_MILLIS);
        boolean interrupted = Thread.interrupted();
        if (!control.isStopped()) {
            LOG.log(Level.WARNING, "NVENT-0617 a worker of queue " + control.name() + " died (" + cause + "); a new"
                    + " one replaces it in " + delay + " ms, its uncommitted jobs go back to the queue", cause);
            try {
                control.pauseFor(delay);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        // Also once stopped, so that the queue no longer counts this worker as one to replace.
        control.replaceDied().ifPresent(Thread::start);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The worker's loop, until it leaves after a shrink or the queue stops. */
    private void work() throws InterruptedException {
        long reconnectMillis = MIN_RECONNECT_MILLIS;
        while (!control.isStopped()) {
            try {
                if (control.leaveIfSurplus()) {
                    // The queue's workers were shrunk: this one's attempts ended and committed.
                    LOG.log(Level.DEBUG, () -> "a worker of queue " + control.name() + " left: the queue has"
                            + " fewer workers now");
                    break;
                }
                if (control.isPaused()) {
                    // Closing the consumer hands its prefetched messages back, so other
                    // consumers and the priority order see them again on resume.
                    closeConsumer();
                    control.awaitResumed();
                    continue;
                }
                Optional<QueueControl.StartReservation> start = control.tryReserveStart();
                if (start.isEmpty()) {
                    // Held back by the rate limit: it holds no consumer meanwhile. The broker may hand an open one a
                    // message after its receive gave up (the credit of a timed-out receive on a window-0 consumer), and
                    // that message would wait here, unseen by the workers that may start, for as long as their
                    // receives keep the limit's reservations: a burst after an idle spell stalled for 20 s and more.
                    closeConsumer();
                    start = control.reserveStart();
                }
                if (start.isEmpty()) {
                    continue;
                }
                Message message = receive(start.get(), runtime.receiveTimeoutMillis());
                reconnectMillis = MIN_RECONNECT_MILLIS;
                control.connectionWorks();
                if (message == null) {
                    start.get().giveBack();
                    continue;
                }
                if (control.isStopped()) {
                    start.get().giveBack();
                    break;
                }
                if (control.isPaused()) {
                    // Paused while receiving: pass the message on to the queue rather than hold it until
                    // resumed. A message delivered and not acknowledged is shown to no browser: held, its
                    // job left the counts of the node that sent it (which took it for run by another node)
                    // and every node's job() (so the lost-job check queued it again). Passed on as a shrink
                    // does, a pause costs it no delivery.
                    start.get().giveBack();
                    if (!passOn(message)) {
                        closeContext();
                    }
                    continue;
                }
                if (control.isSurplus() && control.leaveIfSurplus()) {
                    // The workers shrunk while this one was receiving: it leaves, and its message goes
                    // back as a first delivery. A worker that may stay runs it (leaveIfSurplus false).
                    start.get().giveBack();
                    passOn(message);
                    break;
                }
                Optional<QueueControl.StartReservation> admitted = control.confirmStart(start.get());
                if (admitted.isEmpty()) {
                    // A rate limit set while this worker was receiving allows no start now: the message goes
                    // back as it came, for when the limit allows it (here or on another node).
                    if (!passOn(message)) {
                        closeContext();
                    }
                    continue;
                }
                admitted.get().started();
                processGroup(message);
            } catch (JMSRuntimeException | JMSException e) {
                if (control.isStopped()) {
                    break;
                }
                if (e instanceof PoolRefused refused) {
                    // Not a broker outage: health reports the pool (WorkerConnections), not this queue's
                    // connection, and the worker tries again until another worker frees a connection.
                    reportPoolRefusal(refused, reconnectMillis);
                } else {
                    reportConnectionFailure(e, reconnectMillis);
                }
                closeContext();
                control.pauseFor(reconnectMillis);
                reconnectMillis = Math.min(MAX_RECONNECT_MILLIS, reconnectMillis * 2);
            } catch (RuntimeException e) {
                // A bug must not silently kill the worker: roll back (the message returns) and go on.
                LOG.log(Level.ERROR, "NVENT-0607 worker of queue " + control.name() + " failed unexpectedly", e);
                closeContext();
                control.pauseFor(reconnectMillis);
                reconnectMillis = Math.min(MAX_RECONNECT_MILLIS, reconnectMillis * 2);
            }
        }
    }

    private void reportConnectionFailure(Exception e, long retryMillis) {
        Instant now = runtime.clock().instant().truncatedTo(ChronoUnit.SECONDS);
        if (BrokerRefusals.bySecurity(e) && session != null) {
            // Logged in (a pooling factory may only log in with the session, so not the connection alone), but
            // the user may not do what the worker needs (consume, send, create the queue):
            // not the credentials but the broker's security settings. Once per queue until it receives.
            String refusal = "NVENT-0638 the broker refused the workers of queue " + control.name()
                    + " an operation on its address (" + e + "): the user of the workers' connection factory lacks a"
                    + " permission; give its role, in the broker's security-settings, the permissions send, consume,"
                    + " browse, createAddress and createDurableQueue on nvent.# (README, \"An external ActiveMQ"
                    + " Artemis\" under \"Deploy to WildFly\"); the workers try again every "
                    + MAX_RECONNECT_MILLIS / 1000 + " s at most";
            reportRefusalOnce(refusal, "an operation", now, retryMillis);
            return;
        }
        if (BrokerRefusals.bySecurity(e)) {
            // No session: the login itself was refused (a session a worker holds passed it).
            // Misconfiguration, not an outage: say where the credentials go, once per queue until it connects.
            String refusal = "NVENT-0637 the broker refused the login of the workers' connection factory of queue "
                    + control.name() + " (" + e + "): give the factory the broker's user and password, "
                    + BrokerRefusals.WHERE_CREDENTIALS_GO + "; the workers try again every " + MAX_RECONNECT_MILLIS / 1000 + " s at most";
            reportRefusalOnce(refusal, "its login", now, retryMillis);
            return;
        }
        control.connectionFailed(String.valueOf(e), now);
        if (String.valueOf(e.getMessage()).contains("AMQ159007")) {
            // Misconfiguration, not an outage: say what to change.
            LOG.log(Level.ERROR, "NVENT-0606 the workers' connection factory of queue " + control.name()
                    + " refuses locally transacted sessions outside JTA, which the workers need; set "
                    + "AllowLocalTransactions=true on it (nvent.queue.jms.worker-connection-factory: "
                    + "connector pool or @ConnectionFactoryDefinition properties, or "
                    + "allow-local-transactions on a WildFly pooled-connection-factory): " + e);
        } else {
            LOG.log(Level.WARNING, "NVENT-0601 worker of queue " + control.name() + " lost its JMS "
                    + "session; reconnecting in " + retryMillis + " ms: " + e);
        }
    }

    /** Logs a refusal of the broker's once per queue, until a worker receives again; the queue's problem says it. */
    private void reportRefusalOnce(String refusal, String refused, Instant now, long retryMillis) {
        if (control.connectionFailed(refusal, now)) {
            LOG.log(Level.ERROR, refusal);
        } else {
            LOG.log(Level.DEBUG, () -> "a worker of queue " + control.name() + " is still refused " + refused
                    + "; trying again in " + retryMillis + " ms");
        }
    }


    private void reportPoolRefusal(PoolRefused refused, long retryMillis) {
        if (refused.refusal.first()) {
            LOG.log(Level.ERROR, "NVENT-0608 " + refused.refusal.diagnosis() + ": " + refused.getCause());
        } else {
            LOG.log(Level.DEBUG, () -> "a worker of queue " + control.name() + " still gets no pooled connection;"
                    + " trying again in " + retryMillis + " ms");
        }
    }

    /**
     * Takes a pooled connection and its session. Either may be where a container's pool is hit (see
     * {@link WorkerConnections}), so a refusal of either is checked for a full pool.
     */
    private void openSession() throws JMSException {
        WorkerConnections.Step step = WorkerConnections.Step.CONNECTION;
        try {
            connection = runtime.factory().createConnection();
            step = WorkerConnections.Step.SESSION;
            session = connection.createSession(true, jakarta.jms.Session.SESSION_TRANSACTED);
        } catch (JMSException | JMSRuntimeException refused) {
            Optional<WorkerConnections.PoolRefusal> pool = runtime.connections().refused(control.name(), step, refused);
            if (pool.isPresent()) {
                throw new PoolRefused(pool.get(), refused);
            }
            throw refused;
        }
        holdsConnection = true;
        runtime.connections().granted();
        connection.start();
    }

    private jakarta.jms.MessageConsumer consumer() throws JMSException {
        if (session == null) {
            openSession();
        }
        if (consumer == null) {
            consumer = session.createConsumer(runtime.destinations().queue(runtime.mainQueue(control.name()), session::createQueue));
        }
        return consumer;
    }

    private void send(String destination, Message message, int priority, long delayMillis) throws JMSException {
        try (jakarta.jms.MessageProducer producer = session.createProducer(runtime.destinations().queue(destination, session::createQueue))) {
            producer.setPriority(priority);
            producer.setDeliveryDelay(delayMillis);
            // Not interrupted when the broker holds it back: failing would roll back the attempt's
            // outcome and run it again. It waits, and health says so.
            runtime.sends().watch("queue " + control.name(), () -> {
                producer.send(message);
                return null;
            });
        }
    }

    /**
     * Processes the message and then, in the same transaction, the messages available at once, and
     * commits them together.
     */
    private void processGroup(Message first) throws JMSException, InterruptedException {
        long opened = System.nanoTime();
        Message message = first;
        while (true) {
            consumed++;
            process(message);
            runContinuations();
            if (consumed >= runtime.maxAttemptsPerCommit()
                    || System.nanoTime() - opened >= runtime.maxCommitDelayNanos()
                    || control.isPaused() || control.isStopped() || control.isSurplus() || deadLetterUncommitted) {
                break;
            }
            Optional<QueueControl.StartReservation> start = control.tryReserveStart();
            if (start.isEmpty()) {
                // The rate limit allows no start now: commit what ended rather than hold it back.
                break;
            }
            // Not receiveNoWait: without prefetch (consumer window 0) it answers before the broker
            // could deliver and ends every group after one message.
            message = receive(start.get(), GATHER_WAIT_MILLIS);
            if (message == null) {
                start.get().giveBack();
                break;
            }
            if ((control.isSurplus() || control.isPaused()) && sendBackAsNew(message)) {
                // Shrunk or paused while gathering: the message goes back as a first delivery, committed with
                // the group, and the worker leaves (or waits) at its next turn; redelivered or not, it runs on no
                // worker past the count.
                start.get().giveBack();
                break;
            }
            start.get().started();
        }
        commit();
    }

    /** Receives a message for a reserved start, which a failed receive gives back. */
    private Message receive(QueueControl.StartReservation start, long timeoutMillis) throws JMSException {
        try {
            return consumer().receive(timeoutMillis);
        } catch (JMSException | RuntimeException e) {
            start.giveBack();
            throw e;
        }
    }

    /** Commits the open transaction and settles the attempts that ended in it. */
    private void commit() throws JMSException {
        boolean committed = false;
        try {
            session.commit();
            committed = true;
        } finally {
            settleAll(committed);
        }
    }

    /** Settles the ended attempts of the open transaction; after a rollback their messages come again. */
    private void settleAll(boolean committed) {
        for (Ended ended : uncommitted) {
            if (ended.source() == Source.SENT) {
                if (committed) {
                    runtime.registry().sendCommitted(ended.entry());
                } else {
                    runtime.registry().release(ended.entry());
                }
                continue;
            }
            runtime.registry().settle(ended.entry(), ended.key(), committed);
            if (!committed && ended.source() == Source.CONTINUATION) {
                runtime.registry().forget(ended.entry());
            }
        }
        uncommitted.clear();
        deadLetterUncommitted = false;
        consumed = 0;
    }

    private void process(Message message) throws JMSException, InterruptedException {
        Optional<JobMessage> read = JobMessage.from(message);
        if (read.isEmpty()) {
            // Not a job message: park it in the dead-letter queue rather than loop on it.
            LOG.log(Level.WARNING, "NVENT-0602 queue " + control.name() + " received a message that is no nvent "
                    + "job (id " + message.getJMSMessageID() + "); moved to " + runtime.deadLetterQueue(control.name()));
            send(runtime.deadLetterQueue(control.name()), message, message.getJMSPriority(), 0);
            return;
        }
        JobMessage job = read.get();
        while (true) {
            Decision decision = runtime.registry().begin(job, runtime.clock().instant());
            if (decision instanceof Decision.Await await) {
                if (consumed > 1) {
                    deferBehindGroup(job, message);
                    return;
                }
                awaitOther(await);
                continue;
            }
            if (decision instanceof Decision.Drop drop) {
                // A redelivery after a lost commit is worth an operator's notice; a duplicate enqueue is not.
                Level level = JobMessage.mayHaveRun(message) ? Level.INFO : Level.DEBUG;
                LOG.log(level, () -> "NVENT-0605 acknowledged " + (level == Level.INFO ? "redelivered " : "")
                        + "message of job " + job.jobId() + " attempt " + job.key() + " without running it: "
                        + drop.reason());
            } else if (decision instanceof Decision.Replay replay) {
                LOG.log(Level.INFO, "NVENT-0603 job " + job.jobId() + " attempt " + job.key() + " was redelivered "
                        + "after it ended " + replay.outcome().kind() + "; sending its follow-up again, not running it");
                finish(replay.entry(), replay.outcome(), false);
            } else if (decision instanceof Decision.Run run) {
                // Read only with a limit: the receive path of every job stays as it was without one.
                int deliveries = runtime.maxDeliveries() > 0 ? JobMessage.deliveries(message) : 0;
                if (deliveries > runtime.maxDeliveries()) {
                    deadLetterUnended(run.entry(), job, deliveries);
                } else {
                    execute(run.entry(), job, JobMessage.mayHaveRun(message), false);
                }
            }
            return;
        }
    }

    /**
     * Fails the job of a message delivered more often than {@link QueueRuntime#maxDeliveries()} without an outcome
     * (its attempt killed its worker or the JVM, or its transaction rolled back), without running it again: its
     * dead letter, with the attempt and why in its history, commits with the message's consumption, and the handler
     * is told, as of a last attempt that failed.
     */
    private void deadLetterUnended(JobEntry entry, JobMessage job, int deliveries) throws JMSException {
        // This delivery is counted, and has no outcome yet: the ones before it ended without one.
        String why = "NVENT-0623 job " + job.jobId() + " attempt " + job.key() + " of queue " + control.name()
                + ": " + (deliveries - 1) + (deliveries == 2 ? " delivery" : " deliveries") + " ended without an"
                + " outcome (its attempt killed its worker or the JVM, or its transaction rolled back), and"
                + " nvent.queue.jms.max-deliveries = " + runtime.maxDeliveries() + " allows no more: delivery "
                + deliveries + " moved it to "
                + runtime.deadLetterQueue(control.name())
                + " without running it again (retry it from there once its cause is fixed)";
        LOG.log(Level.WARNING, why);
        IllegalStateException error = new IllegalStateException(why);
        error.setStackTrace(new StackTraceElement[0]);
        Instant now = runtime.clock().instant();
        Outcome outcome = runtime.registry().failed(entry, job.key(), why, now, Optional.empty());
        JobExecution execution = new JobExecution(job.queue(), job.jobId(), job.name(), job.payload(),
                job.key().attempt(), job.retry().maxAttempts(), true);
        reportFailure(entry, job.key(), false, execution, error, Optional.empty());
        finish(entry, outcome, false);
    }

    /**
     * The job of a message taken into a group is running elsewhere on this node, or ended earlier in
     * this group and settles only when it commits: waiting could wait for ourselves, or for a worker
     * waiting for us. The message is sent back as it is, to be decided again, with the group.
     */
    private void deferBehindGroup(JobMessage job, Message message) throws JMSException {
        LOG.log(Level.DEBUG, () -> "job " + job.jobId() + " attempt " + job.key() + " is in progress on this node; "
                + "its message goes back to the queue");
        sendBack(job, message);
    }

    private void awaitOther(Decision.Await await) throws InterruptedException {
        try {
            await.done().get(MAX_RECONNECT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            // decide again anyway: the other attempt is still running or ended oddly
        }
    }

    /**
     * Takes the job the calling thread's handler offers to continue with, when the thread is a
     * worker of the job's queue for this runtime; see {@link io.nvent.spi.JobQueue#continueWith}.
     */
    public static boolean offerContinuation(QueueRuntime runtime, JobRequest next) {
        QueueWorker worker = RUNNING.get();
        return worker != null && worker.runtime == runtime && worker.control.name().equals(next.queue())
                && worker.takeContinuation(next);
    }

    private boolean takeContinuation(JobRequest next) {
        if (continuation != null || !next.delay().isZero() || next.priority() < runningPriority
                || control.isPaused() || control.isStopped() || control.isSurplus() || control.isRateLimited()) {
            return false;
        }
        continuation = next;
        return true;
    }

    /**
     * Runs the jobs the handlers offered to continue with, one after the other in the open
     * transaction, as if their messages had been received: no message is sent for them, and a
     * retry or dead letter one needs is sent in the transaction.
     */
    private void runContinuations() throws JMSException, InterruptedException {
        for (int continued = 1; continuation != null; continued++) {
            JobRequest offered = continuation;
            JobMessage job = JobMessage.first(offered, runtime.clock().instant());
            continuation = null;
            Optional<JobEntry> reserved = runtime.registry().reserve(job);
            if (reserved.isEmpty()) {
                LOG.log(Level.DEBUG, () -> "continuation " + job.jobId() + " is in queue " + control.name()
                        + " already; it runs from there");
                notContinued(offered);
                return;
            }
            if (continued > MAX_CONTINUATIONS || control.isPaused() || control.isStopped() || control.isSurplus()
                    || control.isRateLimited()) {
                notContinued(offered);
                send(runtime.mainQueue(control.name()), job.toMessage(session), job.jmsPriority(), 0);
                uncommitted.add(new Ended(reserved.get(), job.key(), Source.SENT));
                return;
            }
            consumed++;
            Decision decision = runtime.registry().begin(job, runtime.clock().instant());
            if (!(decision instanceof Decision.Run run)) {
                // Another worker of this node took a message of the job since the reserve: it runs from there.
                LOG.log(Level.DEBUG, () -> "continuation " + job.jobId() + " of queue " + control.name()
                        + " was taken by another worker (" + decision + "); it runs from there");
                notContinued(offered);
                return;
            }
            execute(run.entry(), job, false, true);
        }
    }

    /** Tells the handler that a job it offered to continue with goes through the queue instead. */
    private void notContinued(JobRequest offered) {
        try {
            handler.notContinued(offered);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "handler of queue " + control.name() + " failed on hearing that job "
                    + offered.jobId() + " goes through the queue, not on in its worker", e);
        }
    }

    private void execute(JobEntry entry, JobMessage job, boolean redelivered, boolean continued)
            throws JMSException, InterruptedException {
        AttemptKey key = job.key();
        try {
            waitUntilDue(job.availableAt());
        } catch (InterruptedException e) {
            runtime.registry().abandon(entry, key);
            throw e;
        }
        JobExecution execution = new JobExecution(job.queue(), job.jobId(), job.name(), job.payload(), key.attempt(),
                job.retry().maxAttempts(), redelivered);
        RUNNING.set(this);
        runningPriority = job.priority();
        Optional<Throwable> failure;
        try {
            failure = runtime.runner().run(handler, execution, job.timeout());
        } catch (RuntimeException | Error fatal) {
            // A VirtualMachineError (a handler's stack overflow) kills the worker (NVENT-0617).
            abandon(entry, key, continued);
            throw fatal;
        } finally {
            RUNNING.remove();
        }
        Instant end = runtime.clock().instant();
        if (failure.isPresent() && cutShortByShutdown(failure.get())) {
            // Interrupted by shutdown, not failed: the message returns to the queue untouched.
            LOG.log(Level.INFO, "NVENT-0625 job " + job.jobId() + " attempt " + key + " of queue " + control.name()
                    + " was cut short by the shutdown (" + failure.get() + "); it counts as no attempt and runs again"
                    + " once the queue has workers again");
            InterruptedException leaving = new InterruptedException("attempt cut short by the queue's shutdown");
            leaving.initCause(failure.get());
            abandon(entry, key, continued);
            throw leaving;
        }
        Outcome outcome;
        if (failure.isEmpty()) {
            outcome = runtime.registry().completed(entry, key, end);
        } else {
            Throwable error = failure.get();
            Optional<Instant> next = RetryDelays.next(handler, execution, error, job.retry(),
                    java.util.concurrent.ThreadLocalRandom.current(), broken -> LOG.log(Level.WARNING, "NVENT-0618"
                            + " retryDelay of queue " + control.name() + " threw for job " + job.jobId() + "; its retry"
                            + " policy's delay applies", broken)).map(end::plus);
            outcome = runtime.registry().failed(entry, key, runtime.describe(error), end, next);
            // Reported before the follow-up is committed, so attempt n is reported before n+1 starts.
            reportFailure(entry, key, continued, execution, error, next);
        }
        finish(entry, outcome, continued);
    }

    /** Tells the handler of a failed attempt, whose outcome is recorded and not committed yet. */
    private void reportFailure(JobEntry entry, AttemptKey key, boolean continued, JobExecution execution,
                               Throwable error, Optional<Instant> next) {
        try {
            handler.onAttemptFailed(execution, error, next);
        } catch (io.nvent.NventException unavailable) {
            // The store away (the engine's health reports it): no stack trace for every such job.
            LOG.log(Level.WARNING, "NVENT-0604 failure handler of queue " + control.name() + " threw: "
                    + unavailable.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "NVENT-0604 failure handler of queue " + control.name() + " threw", e);
        } catch (Error e) {
            // The worker dies (NVENT-0617): the attempt settles with the rollback, and its message comes again.
            uncommitted.add(new Ended(entry, key, continued ? Source.CONTINUATION : Source.MESSAGE));
            throw e;
        }
    }

    /**
     * The attempt counts as none, before what ends it is thrown: its message, rolled back, runs again
     * rather than wait for ever for an attempt that will never end. A continuation has no message: its
     * owner enqueues it again.
     */
    private void abandon(JobEntry entry, AttemptKey key, boolean continued) {
        runtime.registry().abandon(entry, key);
        if (continued) {
            runtime.registry().forget(entry);
        }
    }

    /**
     * Whether the attempt failed because the queue's shutdown interrupted it, not on its own. Once the
     * grace ran out every attempt still running is interrupted, and a step may turn the interrupt into
     * any failure (wrapped, or the I/O it was in failing), so any failure then counts as cut short:
     * failing the job would take one of its retries, or fail it for good, for a shutdown.
     */
    private boolean cutShortByShutdown(Throwable failure) {
        return control.isStopped() && (control.isCutShort() || failure instanceof InterruptedException);
    }

    /**
     * Sends the outcome's follow-up in the open transaction, which commits it together with
     * consuming the attempt's message.
     */
    private void finish(JobEntry entry, Outcome outcome, boolean continued) throws JMSException {
        uncommitted.add(new Ended(entry, outcome.key(), continued ? Source.CONTINUATION : Source.MESSAGE));
        Optional<JobMessage> followUp = runtime.registry().followUp(entry, outcome);
        if (followUp.isPresent()) {
            JobMessage next = followUp.get();
            boolean dead = outcome.kind() == Outcome.Kind.DEAD;
            deadLetterUncommitted |= dead;
            String destination = dead ? runtime.deadLetterQueue(control.name()) : runtime.mainQueue(control.name());
            long delay = dead ? 0 : runtime.deliveryDelayMillis(next);
            send(destination, next.toMessage(session), next.jmsPriority(), delay);
        }
    }

    private void waitUntilDue(Instant availableAt) throws InterruptedException {
        Duration early = Duration.between(runtime.clock().instant(), availableAt);
        // Brokers schedule in whole milliseconds; never start a job before its due time. A large
        // gap means a clock that is not the wall clock: then the broker's schedule is trusted.
        if (!early.isNegative() && !early.isZero() && early.compareTo(MAX_EARLY_WAIT) <= 0) {
            TimeUnit.NANOSECONDS.sleep(early.toNanos());
        }
    }

    /**
     * Returns the messages of the open transaction to the queue, where browsers see them again and
     * any node's worker may take them: closes the consumer, then rolls back. Only while nothing of
     * the transaction ran (a message that is no job, received by a worker leaving or paused).
     */
    private void handBack() throws JMSException {
        closeConsumer();
        if (session != null) {
            session.rollback();
        }
    }

    /**
     * Returns the message a leaving or paused worker received to the queue as a new one, sent and committed
     * with its consumption, so that it costs no delivery: the worker that takes it runs it as the delivery it
     * is, not flagged redelivered (a rollback would flag it, and count a delivery, for a job that never ran),
     * and one received flagged redelivered still says its attempt may have run ({@link JobMessage#mayHaveRun}).
     * A message that is no job is rolled back; so is this one if the send fails.
     *
     * @return false when the message is still held: the caller closes the context, whose rollback returns it
     */
    private boolean passOn(Message message) {
        try {
            if (!sendBackAsNew(message)) {
                handBack();
                return true;
            }
            commit();
            return true;
        } catch (JMSException | RuntimeException e) {
            // Left to closeContext: the rollback brings the message back, flagged as redelivered.
            LOG.log(Level.DEBUG, () -> "a worker of queue " + control.name() + " could not pass its"
                    + " message on: " + e);
            return false;
        }
    }

    /**
     * Sends a received job message back to the queue as a new one, in the open transaction; false, sending
     * nothing, for a message that is no job.
     */
    private boolean sendBackAsNew(Message message) throws JMSException {
        Optional<JobMessage> job = JobMessage.from(message);
        if (job.isEmpty()) {
            return false;
        }
        sendBack(job.get(), message);
        return true;
    }

    /**
     * Sends a job's received message back to the queue in the open transaction, as it came, keeping its place: with a
     * delivery delay of at least {@value #KEEP_PLACE_DELAY_MILLIS} ms, which Artemis's scheduler puts back at the head
     * of its priority when due, where the received message was; sent without, it went behind the jobs that waited
     * behind it. Other brokers may put it behind them. With {@code raised-priority-delay} {@code PT0S} it goes without,
     * behind them (see {@link QueueRuntime#sendBackDelayMillis}).
     */
    private void sendBack(JobMessage job, Message received) throws JMSException {
        send(runtime.mainQueue(control.name()), job.toMessageInPlaceOf(received, session), job.jmsPriority(),
                runtime.sendBackDelayMillis(job, KEEP_PLACE_DELAY_MILLIS));
    }

    private void closeConsumer() {
        if (consumer != null) {
            try {
                consumer.close();
            } catch (JMSException | JMSRuntimeException e) {
                closeContext();
            }
            consumer = null;
        }
    }

    private void closeContext() {
        // Closing rolls the open transaction back: its messages return to the queue. A continuation
        // not run yet has none: its owner enqueues it again, and hears so now, on the offering thread,
        // so that the job's attempt, when it comes back on this thread, is not taken for a continuation.
        if (continuation != null) {
            JobRequest dropped = continuation;
            continuation = null;
            notContinued(dropped);
        }
        settleAll(false);
        consumer = null;
        session = null;
        if (connection != null) {
            try {
                connection.close();
            } catch (JMSException | JMSRuntimeException e) {
                LOG.log(Level.DEBUG, "closing the connection of a worker of queue " + control.name() + " failed", e);
            }
            connection = null;
        }
        if (holdsConnection) {
            holdsConnection = false;
            runtime.connections().returned();
        }
    }
}
