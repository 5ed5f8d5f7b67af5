package io.nvent.jms.internal;

import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import jakarta.jms.JMSConsumer;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.JMSRuntimeException;
import jakarta.jms.Message;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One worker of a queue: its own locally transacted JMS context, a synchronous receive loop, and
 * one attempt at a time. Consuming the job message, sending its follow-up (the retry message with
 * a delivery delay, or the dead letter) and acknowledging happen in one JMS transaction, so a crash
 * anywhere leaves the job exactly once on the broker: at least once delivery, never lost.
 *
 * <p>Synchronous receive on threads of a (managed) thread factory, rather than a message listener
 * or an MDB: the Jakarta EE spec forbids {@code setMessageListener} in web and EJB containers, and
 * MDBs are fixed per deployment, while queues, concurrency and pause here are decided at run time.
 */
public final class QueueWorker implements Runnable {

    private static final System.Logger LOG = System.getLogger(QueueWorker.class.getName());
    private static final long MIN_RECONNECT_MILLIS = 100;
    private static final long MAX_RECONNECT_MILLIS = 5_000;
    /** Early delivery tolerated from the broker's millisecond scheduling; made up by waiting. */
    private static final Duration MAX_EARLY_WAIT = Duration.ofSeconds(1);

    private final QueueRuntime runtime;
    private final QueueControl control;
    private final JobHandler handler;
    /** Classic API on purpose: resource adapters allow local transactions on sessions, not on contexts. */
    private jakarta.jms.Connection connection;
    private jakarta.jms.Session session;
    private jakarta.jms.MessageConsumer consumer;

    public QueueWorker(QueueRuntime runtime, QueueControl control, JobHandler handler) {
        this.runtime = runtime;
        this.control = control;
        this.handler = handler;
    }

    @Override
    public void run() {
        long reconnectMillis = MIN_RECONNECT_MILLIS;
        try {
            while (!control.isStopped()) {
                try {
                    if (control.isPaused()) {
                        // Closing the consumer hands its prefetched messages back, so other
                        // consumers and the priority order see them again on resume.
                        closeConsumer();
                        control.awaitResumed();
                        continue;
                    }
                    Message message = consumer().receive(runtime.receiveTimeoutMillis());
                    reconnectMillis = MIN_RECONNECT_MILLIS;
                    if (message == null) {
                        continue;
                    }
                    // Paused while receiving: hold the message, start nothing until resumed.
                    control.awaitResumed();
                    if (control.isStopped()) {
                        break;
                    }
                    process(message);
                } catch (JMSRuntimeException | JMSException e) {
                    if (control.isStopped()) {
                        break;
                    }
                    if (String.valueOf(e.getMessage()).contains("AMQ159007")) {
                        // Misconfiguration, not an outage: say what to change.
                        LOG.log(Level.ERROR, "NVENT-0606 the connection factory of queue " + control.name()
                                + " refuses locally transacted sessions outside JTA, which the workers need; set "
                                + "AllowLocalTransactions=true on it (@ConnectionFactoryDefinition properties, or "
                                + "allow-local-transactions on a WildFly pooled-connection-factory): " + e);
                    } else {
                        LOG.log(Level.WARNING, "NVENT-0601 worker of queue " + control.name() + " lost its JMS "
                                + "session; reconnecting in " + reconnectMillis + " ms: " + e);
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
        } catch (InterruptedException e) {
            // close() gave up waiting: leave, the uncommitted message goes back to the queue.
            Thread.currentThread().interrupt();
        } finally {
            closeContext();
        }
    }

    private jakarta.jms.MessageConsumer consumer() throws JMSException {
        if (session == null) {
            connection = runtime.factory().createConnection();
            session = connection.createSession(true, jakarta.jms.Session.SESSION_TRANSACTED);
            connection.start();
        }
        if (consumer == null) {
            consumer = session.createConsumer(session.createQueue(runtime.mainQueue(control.name())));
        }
        return consumer;
    }

    private void send(String destination, Message message, int priority, long delayMillis) throws JMSException {
        try (jakarta.jms.MessageProducer producer = session.createProducer(session.createQueue(destination))) {
            producer.setPriority(priority);
            producer.setDeliveryDelay(delayMillis);
            producer.send(message);
        }
    }

    private void process(Message message) throws JMSException, InterruptedException {
        Optional<JobMessage> read = JobMessage.from(message);
        if (read.isEmpty()) {
            // Not a job message: park it in the dead-letter queue rather than loop on it.
            LOG.log(Level.WARNING, "NVENT-0602 queue " + control.name() + " received a message that is no nvent "
                    + "job (id " + message.getJMSMessageID() + "); moved to " + runtime.deadLetterQueue(control.name()));
            send(runtime.deadLetterQueue(control.name()), message, message.getJMSPriority(), 0);
            session.commit();
            return;
        }
        JobMessage job = read.get();
        while (true) {
            Decision decision = runtime.registry().begin(job, runtime.clock().instant());
            if (decision instanceof Decision.Await await) {
                awaitOther(await);
                continue;
            }
            if (decision instanceof Decision.Drop drop) {
                // A redelivery after a lost commit is worth an operator's notice; a duplicate enqueue is not.
                Level level = message.getJMSRedelivered() ? Level.INFO : Level.DEBUG;
                LOG.log(level, () -> "NVENT-0605 acknowledged " + (level == Level.INFO ? "redelivered " : "")
                        + "message of job " + job.jobId() + " attempt " + job.key() + " without running it: "
                        + drop.reason());
                session.commit();
            } else if (decision instanceof Decision.Replay replay) {
                LOG.log(Level.INFO, "NVENT-0603 job " + job.jobId() + " attempt " + job.key() + " was redelivered "
                        + "after it ended " + replay.outcome().kind() + "; sending its follow-up again, not running it");
                finish(replay.entry(), replay.outcome());
            } else if (decision instanceof Decision.Run run) {
                execute(run.entry(), job);
            }
            return;
        }
    }

    private void awaitOther(Decision.Await await) throws InterruptedException {
        try {
            await.done().get(MAX_RECONNECT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            // decide again anyway: the other attempt is still running or ended oddly
        }
    }

    private void execute(JobEntry entry, JobMessage job) throws JMSException, InterruptedException {
        AttemptKey key = job.key();
        try {
            waitUntilDue(job.availableAt());
        } catch (InterruptedException e) {
            runtime.registry().abandon(entry, key);
            throw e;
        }
        JobExecution execution = new JobExecution(job.queue(), job.jobId(), job.name(), job.payload(), key.attempt(),
                job.retry().maxAttempts());
        Optional<Throwable> failure = runtime.runner().run(handler, execution, job.timeout());
        Instant end = runtime.clock().instant();
        if (failure.isPresent() && control.isStopped() && failure.get() instanceof InterruptedException) {
            // Interrupted by shutdown, not failed: the message returns to the queue untouched.
            runtime.registry().abandon(entry, key);
            throw (InterruptedException) failure.get();
        }
        Outcome outcome;
        if (failure.isEmpty()) {
            outcome = runtime.registry().completed(entry, key, end);
        } else {
            Throwable error = failure.get();
            Optional<Instant> next = execution.isLastAttempt() ? Optional.empty()
                    : Optional.of(end.plus(job.retry().delayBefore(key.attempt() + 1)));
            outcome = runtime.registry().failed(entry, key, runtime.describe(error), end, next);
            // Reported before the follow-up is committed, so attempt n is reported before n+1 starts.
            try {
                handler.onAttemptFailed(execution, error, next);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "NVENT-0604 failure handler of queue " + control.name() + " threw", e);
            }
        }
        finish(entry, outcome);
    }

    /** Sends the outcome's follow-up and commits it together with consuming the attempt's message. */
    private void finish(JobEntry entry, Outcome outcome) throws JMSException {
        boolean committed = false;
        try {
            Optional<JobMessage> followUp = runtime.registry().followUp(entry, outcome);
            if (followUp.isPresent()) {
                JobMessage next = followUp.get();
                boolean dead = outcome.kind() == Outcome.Kind.DEAD;
                String destination = dead ? runtime.deadLetterQueue(control.name()) : runtime.mainQueue(control.name());
                long delay = dead ? 0 : next.deliveryDelayMillis(runtime.clock().instant());
                send(destination, next.toMessage(session), next.jmsPriority(), delay);
            }
            session.commit();
            committed = true;
        } finally {
            runtime.registry().settle(entry, outcome.key(), committed);
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
    }
}
