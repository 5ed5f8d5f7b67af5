package io.nvent.jms;

import io.nvent.jms.internal.AttemptKey;
import io.nvent.jms.internal.AttemptRunner;
import io.nvent.jms.internal.BrokerRefusals;
import io.nvent.jms.internal.WorkerConnections;
import io.nvent.jms.internal.Destinations;
import io.nvent.jms.internal.HeldBackSends;
import io.nvent.jms.internal.JobEntry;
import io.nvent.jms.internal.JobMessage;
import io.nvent.jms.internal.JobRegistry;
import io.nvent.jms.internal.ProducerContexts;
import io.nvent.jms.internal.QueueControl;
import io.nvent.jms.internal.QueueRuntime;
import io.nvent.jms.internal.QueueWorker;
import io.nvent.spi.JobCounts;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobQueue;
import io.nvent.spi.JobPage;
import io.nvent.spi.JobRecord;
import io.nvent.spi.JobRequest;
import io.nvent.spi.JobState;
import io.nvent.spi.QueueChange;
import io.nvent.spi.RateLimit;
import io.nvent.spi.internal.ExitSafeLogger;
import io.nvent.spi.internal.TransactionHooks;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.InvalidDestinationRuntimeException;
import jakarta.jms.JMSConsumer;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.JMSRuntimeException;
import jakarta.jms.Message;
import jakarta.jms.QueueBrowser;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link JobQueue} on Jakarta Messaging 2.0, for any JMS connection factory: a container-managed one
 * (a resource adapter in Payara, WildFly's built-in Artemis) or a plain client one.
 *
 * <p>How it works:
 * <ul>
 *   <li>Each nvent queue is a JMS queue {@code <prefix><queue>} with a dead-letter queue
 *       {@code <prefix><queue>.dlq}. A job is one text message; its properties carry the job's
 *       settings and attempt history, so the message is the job's durable record.</li>
 *   <li>Delay and retry backoff are JMS delivery delays; priority is the JMS priority
 *       ({@code 4 + priority}, clamped to 0–9).</li>
 *   <li>Workers are threads of the given thread factory, each with its own locally transacted
 *       context and a synchronous receive. A failed attempt sends the next attempt's message (with
 *       the backoff as delivery delay) or the dead letter, and commits that together with consuming
 *       the attempt's message. While more jobs are available at once, a worker runs several in one
 *       transaction and commits them together (see {@link JmsJobQueueOptions#maxAttemptsPerCommit()}).</li>
 *   <li>Job ids are deduplicated by this node's job registry, by Artemis duplicate detection across
 *       nodes and restarts, and on receipt: a redelivered or duplicated message of an attempt that
 *       already ended here is not run again.</li>
 *   <li>Counts and job records are this node's view, in memory: jobs it enqueued or consumed, the
 *       latest completed ones (bounded), and the dead letters, reloaded from the dead-letter queue
 *       when the queue is first used. A job it enqueued that another node's worker took leaves that
 *       view within about {@link #BROKER_CHECK_INTERVAL} plus {@link #SENT_CHECK_GRACE} (while at most
 *       {@value #SENT_CHECK_MAX} of its jobs wait: each check looks for that many, on a thread of the
 *       queue, not the caller's). Pause is per
 *       node and not persisted here: the engine records pauses in its scheduling store and applies
 *       them on every node.</li>
 *   <li>An enqueue the broker holds back (its disk or memory limit reached) fails after
 *       {@link JmsJobQueueOptions#sendTimeout()} with {@code NVENT-0647}; a worker's send (retry,
 *       dead letter, continuation) waits, inside its transaction. Either way {@link #problem()}
 *       reports the queue until a send to it goes through again.</li>
 * </ul>
 *
 * <p>An enqueue inside a JTA transaction takes part in it when the connection factory is managed
 * and XA: the message is delivered only if the transaction commits.
 *
 * @since 0.1
 */
public final class JmsJobQueue implements JobQueue {

    private static final System.Logger LOG = ExitSafeLogger.of(JmsJobQueue.class);
    /** How long retry() waits for the dead letter it browsed or believes is there. */
    private static final long DEAD_LETTER_RECEIVE_MILLIS = 2_000;
    private static final long REDRIVE_RECEIVE_MILLIS = 300;
    private static final int REDRIVE_BATCH = 100;

    private final ConnectionFactory factory;
    private final ThreadFactory threadFactory;
    private final Clock clock;
    private final JmsJobQueueOptions options;
    private final TransactionHooks transactions;
    private final JobRegistry registry;
    private final ProducerContexts producers;
    private final ScheduledThreadPoolExecutor watchdog;
    /**
     * Runs the checks of this node's view against the broker ({@link #BROKER_CHECK_INTERVAL}), one at a
     * time, on a thread of its own that ends when idle: not on the thread that asked for counts or jobs
     * (a metrics scrape, the console), and not on {@link #watchdog}, whose attempt timeouts and send
     * timeouts must not wait behind a browse of a deep queue or of a broker that does not answer.
     */
    private final ThreadPoolExecutor brokerChecks;
    /** The queues whose check {@link #brokerChecks} holds or runs now. */
    private final Set<String> checking = ConcurrentHashMap.newKeySet();
    private final QueueRuntime runtime;
    private final HeldBackSends sends;
    private final Map<String, QueueControl> controls = new ConcurrentHashMap<>();
    /** {@link #close()} began: the workers take no new jobs, but the queue still takes enqueues. */
    private volatile boolean closing;
    /** The workers stopped (or the shutdown grace ran out): enqueues are refused. */
    private volatile boolean closed;

    /** How long a failed read of a queue from the broker keeps {@link #registerWorker} from trying again. */
    private static final Duration UNREACHABLE_MEMORY = Duration.ofSeconds(30);
    /** How long {@link #close()} waits for the workers it interrupted to hand their attempts back. */
    private static final Duration HAND_BACK_PATIENCE = Duration.ofSeconds(2);
    /**
     * How often counts, the oldest waiting job and job lists check that the broker still holds the
     * jobs this node learned from it and has not run since, and the jobs it sent that wait.
     */
    static final Duration BROKER_CHECK_INTERVAL = Duration.ofSeconds(10);
    /** Job ids per browse of that check (a selector {@code nventJobId IN (...)}). */
    private static final int BROKER_CHECK_BATCH = 100;
    /**
     * How long a job this node sent must have been ready before the check looks for it: fresh sends
     * are never browsed, and a send's delivery delay (up to
     * {@link JmsJobQueueOptions#MAX_RAISED_PRIORITY_DELAY} beyond its due time) has passed.
     */
    static final Duration SENT_CHECK_GRACE = Duration.ofSeconds(5);
    /**
     * The most jobs this node sent that one check looks for: one browse of the queue, which the broker
     * answers by scanning the whole queue, so a check costs the broker one scan however many wait.
     */
    static final int SENT_CHECK_MAX = BROKER_CHECK_BATCH;
    /** When reading a queue from the broker last failed ({@link System#nanoTime()}), 0 if it worked since. */
    private volatile long hydrateFailedAt;

    /** A queue with {@link JmsJobQueueOptions#DEFAULTS}, for a plain connection factory. */
    public JmsJobQueue(ConnectionFactory factory, ThreadFactory threadFactory, Clock clock) {
        this(factory, threadFactory, clock, JmsJobQueueOptions.DEFAULTS);
    }

    /**
     * A queue whose workers take their connections from the same factory as enqueues: right for a
     * plain client factory, which no container enlists in transactions.
     *
     * @param factory connection factory; workers need locally transacted contexts from it
     * @param threadFactory makes the worker threads and the timeout watchdog (in a container: a
     *     {@code ManagedThreadFactory})
     * @param clock time of job records and retry backoff
     * @param options settings
     */
    public JmsJobQueue(ConnectionFactory factory, ThreadFactory threadFactory, Clock clock,
                       JmsJobQueueOptions options) {
        this(factory, factory, threadFactory, clock, options);
    }

    /**
     * A queue whose workers take their connections from their own factory.
     *
     * <p>In a container the workers' factory must be one the container never enlists in a JTA
     * transaction (a connection pool without transaction support): a worker holds its connection
     * while its jobs run, and a container that tracks the connection as a resource of the worker's
     * thread enlists it in every transaction begun there, the store's included. Every store write of
     * a job would then be a two-phase commit with the broker, and with the broker away the commit
     * would be retried for minutes while the worker waits.
     *
     * @param factory connection factory of enqueues, XA in a container so that an enqueue joins the
     *     caller's transaction
     * @param workerFactory connection factory of the workers, which need locally transacted sessions
     *     from it, outside any JTA transaction
     * @param threadFactory makes the worker threads and the timeout watchdog (in a container: a
     *     {@code ManagedThreadFactory})
     * @param clock time of job records and retry backoff
     * @param options settings
     */
    public JmsJobQueue(ConnectionFactory factory, ConnectionFactory workerFactory, ThreadFactory threadFactory,
                       Clock clock, JmsJobQueueOptions options) {
        this.factory = Objects.requireNonNull(factory, "factory");
        Objects.requireNonNull(workerFactory, "workerFactory");
        this.threadFactory = Objects.requireNonNull(threadFactory, "threadFactory");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.options = Objects.requireNonNull(options, "options");
        this.transactions = TransactionHooks.of(options.transactions());
        this.registry = new JobRegistry(options.completedRetention(), clock);
        this.producers = new ProducerContexts(factory, options.shareConnection());
        this.watchdog = new ScheduledThreadPoolExecutor(1, threadFactory);
        this.watchdog.setRemoveOnCancelPolicy(true);
        this.brokerChecks = new ThreadPoolExecutor(1, 1, BROKER_CHECK_INTERVAL.toMillis(), TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), threadFactory);
        this.brokerChecks.allowCoreThreadTimeOut(true);
        // A send that waits while the workers or the last connect cannot reach the broker waits for the
        // broker to be back, not for it to take messages (NVENT-0667, not NVENT-0648).
        this.sends = new HeldBackSends(watchdog, options.sendTimeout(), clock, () -> producers.connectsFailing()
                || controls.values().stream().anyMatch(control -> control.unreachable().isPresent()));
        this.runtime = new QueueRuntime(workerFactory, registry, new AttemptRunner(watchdog), clock, options.prefix(),
                options.receiveTimeout().toMillis(), options.maxErrorLength(), options.maxAttemptsPerCommit(),
                options.maxCommitDelay().toNanos(), new Destinations(),
                // Brokers schedule in whole milliseconds: rounded up.
                (options.raisedPriorityDelay().toNanos() + 999_999) / 1_000_000, new WorkerConnections(), sends,
                options.maxDeliveries());
    }

    @Override
    public void enqueue(JobRequest request) {
        requireOpen();
        Instant now = clock.instant();
        JobMessage job = JobMessage.first(request, now);
        control(request.queue());
        Optional<JobEntry> reserved = registry.reserve(job);
        if (reserved.isEmpty()) {
            LOG.log(Level.DEBUG, () -> "job " + request.jobId() + " already in queue " + request.queue() + "; ignored");
            return;
        }
        boolean inTransaction = transactions.inTransaction();
        String queueName = runtime.mainQueue(request.queue());
        try {
            if (options.brokerDuplicateDetection() && !inTransaction) {
                // Not inside a JTA transaction: there Artemis would fail the caller's whole transaction on a
                // duplicate instead of refusing the one message. Outside, the send's own transaction has the
                // broker refuse a duplicate where this node sees it, which a send without one does not.
                String duplicateId = options.prefix() + request.queue() + "/" + request.jobId();
                boolean sent = sends.send("queue " + request.queue(), () -> producers.sendRefusingDuplicates(
                        on -> send(on, job, queueName, Optional.of(duplicateId))));
                if (!sent) {
                    // Sent before (by another node, or before a restart): consumed since or still waiting, the
                    // broker holds no message of this send, so this node must not count one as waiting.
                    registry.release(reserved.get());
                    LOG.log(Level.DEBUG, () -> "job " + request.jobId() + " of queue " + request.queue() + " was"
                            + " sent to the broker before; it refused this send as a duplicate");
                    return;
                }
            } else {
                sends.send("queue " + request.queue(), () -> producers.call(context -> {
                    send(ProducerContexts.sending(context), job, queueName, Optional.empty());
                    return null;
                }));
            }
        } catch (HeldBackSends.TimedOut e) {
            registry.release(reserved.get());
            throw brokerFailure("NVENT-0647 could not enqueue job " + request.jobId() + " on queue "
                    + request.queue(), e.getMessage() + ". The job was not enqueued; enqueue it again once "
                    + "the broker takes messages", e);
        } catch (JMSException | RuntimeException e) {
            // Any failure, not only the JMS ones: a resource adapter whose connection broke with the
            // broker may throw anything (Artemis's: a NullPointerException), and a reservation kept
            // for a job never sent makes the engine take the job for waiting, so nobody sends it again.
            registry.release(reserved.get());
            throw brokerFailure("NVENT-0610 could not enqueue job " + request.jobId() + " on queue "
                    + request.queue(), String.valueOf(e), e);
        }
        transactions.afterCompletion(committed -> {
            if (committed) {
                registry.sendCommitted(reserved.get());
            } else {
                registry.release(reserved.get());
            }
        });
    }

    private void send(ProducerContexts.Sending on, JobMessage job, String queueName, Optional<String> duplicateId)
            throws JMSException {
        Message message = job.toMessage(on);
        if (duplicateId.isPresent()) {
            message.setStringProperty("_AMQ_DUPL_ID", duplicateId.get());
        }
        on.send(runtime.destinations().queue(queueName, on::queue), message, job.jmsPriority(),
                runtime.deliveryDelayMillis(job));
    }

    /**
     * Runs the job on the calling worker once its attempt ends, in the same JMS transaction, when
     * the thread runs a job of the same queue here; see {@link io.nvent.spi.JobQueue#continueWith}.
     * The continuation has no message: it ends like a delivered job, and a retry or dead letter it
     * needs is sent with the transaction.
     */
    @Override
    public boolean continueWith(JobRequest next) {
        return !closed && QueueWorker.offerContinuation(runtime, next);
    }

    @Override
    public void registerWorker(String queue, int concurrency, JobHandler handler) {
        if (closing) {
            throw new IllegalStateException("the JMS job queue is closing: it starts no workers");
        }
        Objects.requireNonNull(handler, "handler");
        if (concurrency < 0) {
            throw new IllegalArgumentException("concurrency of queue '" + queue + "' must be >= 0, was " + concurrency);
        }
        QueueControl control = control(queue);
        if (brokerRecentlyUnreachable()) {
            // Each attempt waits out the factory's connection timeout: with the broker away, trying for
            // every queue would hold the deployment up by that much per queue. Later reads try again.
            LOG.log(Level.DEBUG, "not reading queue {0} from the broker at start: it was unreachable moments ago",
                    queue);
        } else {
            hydrate(control);
        }
        if (concurrency == 0) {
            LOG.log(Level.INFO, "NVENT-0670 no workers on JMS queue " + runtime.mainQueue(queue) + " on this node"
                    + " (concurrency 0): the jobs sent to it wait for the workers of the nodes that take it");
            return;
        }
        List<Thread> threads = control.setWorkers(concurrency,
                () -> threadFactory.newThread(new QueueWorker(runtime, control, handler)))
                .orElseThrow(() -> new IllegalStateException("queue '" + queue + "' already has workers on this node"));
        String poolNeeded = runtime.connections().workersStarted(concurrency);
        threads.forEach(Thread::start);
        // The total so far, with every queue: the last line at start says how large the workers' pool
        // must be, before a worker is refused. Its size cannot be read portably to compare.
        LOG.log(Level.INFO, "NVENT-0620 started " + concurrency + " workers on JMS queue " + runtime.mainQueue(queue)
                + "; " + poolNeeded);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Starts no worker thread and takes no connection of the workers' pool until {@link #resizeWorkers}
     * gives the queue workers: not one message of it is received here before.
     */
    @Override
    public void registerIdleWorker(String queue, JobHandler handler) {
        if (closing) {
            throw new IllegalStateException("the JMS job queue is closing: it starts no workers");
        }
        Objects.requireNonNull(handler, "handler");
        QueueControl control = control(queue);
        if (!brokerRecentlyUnreachable()) {
            hydrate(control);
        }
        control.setWorkers(0, () -> threadFactory.newThread(new QueueWorker(runtime, control, handler)))
                .orElseThrow(() -> new IllegalStateException("queue '" + queue + "' already has workers on this node"));
        LOG.log(Level.INFO, "NVENT-0628 JMS queue " + runtime.mainQueue(queue) + " is taken on this node with no"
                + " worker: its workers are set to 0 at run time; its jobs wait until they are set above 0 or removed");
    }

    /**
     * {@inheritDoc}
     *
     * <p>Growing starts the worker threads missing at once, each taking a connection of the workers'
     * pool, whose size the log line {@code NVENT-0616} says, as {@code NVENT-0620} does at start. Shrinking
     * lets each surplus worker leave when it would take its next job: after the attempts of its open
     * transaction ended and committed, or within {@link JmsJobQueueOptions#receiveTimeout()} while it waits
     * for one (a message it receives then goes back to the queue as a new one, not flagged redelivered); it
     * gives its connection back as it leaves. Once {@link #close()} began, it changes nothing.
     */
    @Override
    public void resizeWorkers(String queue, int workers) {
        if (workers < 0) {
            throw new IllegalArgumentException("workers of queue '" + queue + "' must be >= 0, was " + workers);
        }
        Objects.requireNonNull(queue, "queue");
        if (closing) {
            LOG.log(Level.DEBUG, "the JMS job queue is closing: the workers of queue {0} are left as they are", queue);
            return;
        }
        // Not control(queue): a queue this node does not know stays unknown.
        QueueControl control = controls.get(queue);
        if (control == null) {
            LOG.log(Level.DEBUG, "queue {0} is not known on this node: setting its workers changes nothing", queue);
            return;
        }
        // Serialised per queue, so that the pool's count follows the changes in their order.
        synchronized (control) {
            Optional<QueueControl.Resized> resized = control.resize(workers);
            if (resized.isEmpty()) {
                LOG.log(Level.DEBUG, "queue {0} has no workers on this node: setting them to {1} changes nothing",
                        queue, workers);
                return;
            }
            int before = resized.get().before();
            String poolNeeded = runtime.connections().workersResized(before, workers);
            resized.get().started().forEach(Thread::start);
            if (before == workers) {
                // Nothing changed for an operator, though a worker that died may have been replaced at once.
                LOG.log(Level.DEBUG, "queue {0} runs {1} workers on this node already", queue, workers);
                return;
            }
            LOG.log(Level.INFO, "NVENT-0616 JMS queue " + runtime.mainQueue(queue) + " runs " + workers + " workers on"
                    + " this node from now on, " + before + " before" + (workers < before ? " (the surplus ones leave"
                    + " once their attempts under way ended)" : "") + "; " + poolNeeded);
        }
    }

    @Override
    public boolean resizesWorkers() {
        return true;
    }

    @Override
    public void limitRate(String queue, Optional<RateLimit> limit) {
        control(queue).limitRate(limit);
    }

    @Override
    public Optional<RateLimit> rateLimit(String queue) {
        return control(queue).rateLimit();
    }

    @Override
    public Duration untilRateLimitAllows(String queue) {
        return control(queue).untilRateLimitAllows();
    }

    /** {@inheritDoc} <p>Made by code in this process ({@link QueueChange#thisProcess}): pauses hold in it only. */
    @Override
    public void pause(String queue) {
        pause(queue, QueueChange.inCode(QueueChange.thisProcess(), clock.instant()));
    }

    @Override
    public void pause(String queue, QueueChange change) {
        control(queue).pause(Objects.requireNonNull(change, "change"));
    }

    @Override
    public Map<String, QueueChange> pauseChanges(Set<String> queues) {
        Map<String, QueueChange> changes = new HashMap<>();
        for (String name : queues) {
            Optional.ofNullable(controls.get(name)).flatMap(QueueControl::pauseChange)
                    .ifPresent(change -> changes.put(name, change));
        }
        return changes;
    }

    @Override
    public void resume(String queue) {
        control(queue).resume();
    }

    @Override
    public boolean isPaused(String queue) {
        return control(queue).isPaused();
    }

    @Override
    public Set<String> queues() {
        Set<String> names = new TreeSet<>(controls.keySet());
        names.addAll(registry.queueNames());
        return Collections.unmodifiableSet(names);
    }

    /**
     * {@inheritDoc}
     *
     * <p>From this node's job registry, without waiting for the broker. At most once per
     * {@link #BROKER_CHECK_INTERVAL} it has a thread of the queue drop the jobs another node may have
     * taken, which later calls see: of those it learned from the broker (at its first use of the queue)
     * and has not run since, the ones the broker no longer holds; of the waiting ones it sent itself,
     * ready for at least {@link #SENT_CHECK_GRACE} (never a delayed one), the ones no longer on the
     * queue (found as dead letters, they count as failed), {@value #SENT_CHECK_MAX} per check. A job
     * sent moments ago is never looked for.
     */
    @Override
    public JobCounts counts(String queue) {
        view(queue, false);
        return registry.counts(queue, clock.instant());
    }

    /**
     * {@inheritDoc}
     *
     * <p>From this node's job registry, the same view as {@link #counts} (and checked against the
     * broker as rarely), not from the broker's queue: browsing the queue's head would give the job of the highest priority, not the
     * one that waited longest, and Artemis' first-message age is that of the head too, from the
     * send time (before a delivery delay passed), through a management API a plain JMS factory
     * does not offer.
     */
    @Override
    public Optional<Instant> oldestWaitingSince(String queue) {
        view(queue, false);
        return registry.oldestWaitingSince(queue, clock.instant());
    }

    /**
     * {@inheritDoc}
     *
     * <p>From this node's job registry, once the jobs it learned from the broker and has not run
     * since were checked against the broker (a few browses with a selector, only while there are such
     * jobs): the list does not show a job another node ran. The waiting jobs this node sent are
     * checked as for {@link #counts}, at most once per {@link #BROKER_CHECK_INTERVAL}, on a thread of the queue.
     */
    @Override
    public List<JobRecord> jobs(String queue, JobState state, int offset, int limit) {
        view(queue, true);
        return registry.list(queue, state, offset, limit, clock.instant());
    }

    /**
     * {@inheritDoc}
     *
     * <p>From this node's job registry, as {@link #jobs} (checked against the broker as rarely), in its
     * order: newest created first. A position is the creation time of the page's last job and its job id (for
     * jobs created at the same instant): it holds on every node alike, though another node lists its own
     * registry. Each page reads this node's whole registry of the queue, in memory, as an offset
     * does; what the position saves is a job skipped or repeated while jobs come and go. The broker cannot
     * page its queue: a JMS browse enumerates a queue from its head, with no way to start at a position, and
     * shows neither delayed jobs nor those delivered to a worker, so the list is never read from it.
     */
    @Override
    public JobPage jobsAfter(String queue, JobState state, Optional<String> after, int limit) {
        view(queue, true);
        return registry.listAfter(queue, state, after, limit, clock.instant());
    }

    /**
     * {@inheritDoc}
     *
     * <p>From this node's job registry; a job it does not hold, or learned from the broker and has
     * not run since (another node may have run, retried or discarded it), from the broker, by a browse with a
     * selector on the job id: another node may have sent it, and the registry read the queue only
     * once, when this node first used it. A job learned that way which the broker no longer holds
     * where it was is dropped from the registry. Its dead letter answers {@link JobState#FAILED}, its message
     * on the queue {@link JobState#WAITING}, each with the attempts the message carries. Neither is
     * kept in the registry: this node would go on showing a job another node ran meanwhile.
     *
     * <p>The broker does not show every job it holds: a message delivered to a worker (an attempt
     * under way, or a job waiting in a worker's open commit group), and a message whose delivery
     * delay has not passed (a delayed job, a retry in its backoff: Artemis keeps scheduled messages
     * apart from the queue until they are due). A job of another node is not found then, and neither
     * is one another node completed (their records stay on the node that ran them).
     */
    @Override
    public Optional<JobRecord> job(String queue, String jobId) {
        hydrate(control(queue));
        Optional<JobEntry> held = registry.entry(queue, jobId);
        // Closed, the queue has no connections left to browse with: the registry is all it knows.
        if (closed || held.isPresent() && !registry.isHydrated(held.get())) {
            return registry.record(queue, jobId, clock.instant());
        }
        Optional<JobRecord> onBroker = brokerRecord(queue, jobId);
        if (held.isPresent() && !registry.dropHydrated(queue, jobId,
                onBroker.map(record -> record.state() == JobState.FAILED))) {
            // Still where this node learned of it, or this node's worker took it meanwhile (which the
            // broker no longer shows): as the registry has it now.
            return registry.record(queue, jobId, clock.instant()).or(() -> onBroker);
        }
        return onBroker;
    }

    /** A job this node does not hold, as the broker shows it: its dead letter, else its message on the queue. */
    private Optional<JobRecord> brokerRecord(String queue, String jobId) {
        Optional<String> selector = Optional.of(JobMessage.selectorFor(jobId));
        return readBroker("job " + jobId + " of queue " + queue, context -> {
            // The dead letters first: a retry moves a job from there to the queue in one transaction, and
            // browsed the other way round it would be in neither place if it moved between the two browses.
            Optional<JobMessage> dead = browse(context, runtime.deadLetterQueue(queue), selector).stream().findFirst();
            if (dead.isPresent()) {
                return Optional.of(JobRegistry.brokerRecord(dead.get(), true, clock.instant()));
            }
            return browse(context, runtime.mainQueue(queue), selector).stream().findFirst()
                    .map(waiting -> JobRegistry.brokerRecord(waiting, false, clock.instant()));
        });
    }

    /** Whether the job is a dead letter of the queue, one this node may retry or discard. */
    private boolean holdsDeadLetter(String queue, String jobId) {
        hydrate(control(queue));
        Optional<JobEntry> entry = registry.entry(queue, jobId);
        if (entry.isPresent() && !registry.isFailed(entry.get())) {
            return false;
        }
        entry.ifPresent(this::awaitDeadLetterCommitted);
        // The dead-letter queue is the truth (another node may have retried it already); browsing
        // answers at once where a receive would wait out its timeout for a missing message.
        return !deadLetterBrowse(queue, Optional.of(jobId)).isEmpty();
    }

    /**
     * Waits up to {@link #DEAD_LETTER_RECEIVE_MILLIS} for the transaction of the attempt that failed the job here to
     * commit its dead letter: the job shows failed from the moment its worker recorded the failure, a moment before
     * that commit (longer on a loaded machine, or while the failure handler runs), and a retry or discard in between
     * found no dead letter and answered false.
     */
    private void awaitDeadLetterCommitted(JobEntry entry) {
        try {
            registry.settled(entry).get(DEAD_LETTER_RECEIVE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException stillUnderWay) {
            // The browse below answers as the broker holds the job now.
        }
    }

    @Override
    public boolean retry(String queue, String jobId) {
        requireOpen();
        if (!holdsDeadLetter(queue, jobId)) {
            return false;
        }
        List<JobMessage> moved = moveDeadLetters(queue, Optional.of(jobId), DEAD_LETTER_RECEIVE_MILLIS);
        return !moved.isEmpty();
    }

    @Override
    public int redrive(String queue) {
        requireOpen();
        hydrate(control(queue));
        int total = 0;
        while (true) {
            int moved = moveDeadLetters(queue, Optional.empty(), REDRIVE_RECEIVE_MILLIS).size();
            total += moved;
            if (moved < REDRIVE_BATCH) {
                return total;
            }
        }
    }

    @Override
    public boolean discard(String queue, String jobId) {
        requireOpen();
        if (!holdsDeadLetter(queue, jobId)) {
            return false;
        }
        boolean removed;
        try {
            removed = producers.callTransacted(session -> {
                try (jakarta.jms.MessageConsumer consumer = session.createConsumer(
                        session.createQueue(runtime.deadLetterQueue(queue)), JobMessage.selectorFor(jobId))) {
                    return consumer.receive(DEAD_LETTER_RECEIVE_MILLIS) != null;
                }
            }, transactions.inTransaction());
        } catch (JMSException | JMSRuntimeException e) {
            throw brokerFailure("NVENT-0633 could not discard job " + jobId + " of queue " + queue, e.getMessage(), e);
        }
        if (removed) {
            transactions.afterCompletion(committed -> {
                if (committed) {
                    registry.discarded(queue, jobId);
                }
            });
        }
        return removed;
    }

    /** Moves dead letters back to the main queue as the first attempt of a new round, in one transaction. */
    private List<JobMessage> moveDeadLetters(String queue, Optional<String> jobId, long receiveMillis) {
        boolean inTransaction = transactions.inTransaction();
        List<JobMessage> moved;
        try {
            moved = sends.send("queue " + queue, () -> producers.callTransacted(session -> {
                List<JobMessage> resent = new ArrayList<>();
                jakarta.jms.Queue deadLetters = session.createQueue(runtime.deadLetterQueue(queue));
                try (jakarta.jms.MessageConsumer consumer = jobId.isPresent()
                        ? session.createConsumer(deadLetters, JobMessage.selectorFor(jobId.get()))
                        : session.createConsumer(deadLetters);
                     jakarta.jms.MessageProducer producer = session.createProducer(
                             session.createQueue(runtime.mainQueue(queue)))) {
                    while (resent.size() < (jobId.isPresent() ? 1 : REDRIVE_BATCH)) {
                        Message message = consumer.receive(receiveMillis);
                        if (message == null) {
                            break;
                        }
                        Optional<JobMessage> dead = JobMessage.from(message);
                        if (dead.isEmpty()) {
                            continue; // not an nvent job: consumed and dropped from the dead-letter queue
                        }
                        Instant now = clock.instant();
                        JobMessage retried = dead.get().forAttempt(dead.get().key().nextRound(), now,
                                dead.get().history());
                        producer.setPriority(retried.jmsPriority());
                        producer.send(retried.toMessage(session));
                        resent.add(retried);
                    }
                }
                return resent;
            }, inTransaction));
        } catch (HeldBackSends.TimedOut e) {
            throw brokerFailure("NVENT-0651 could not move dead letters of queue " + queue + " back to the queue",
                    e.getMessage() + ". They stay dead letters; try again once the broker takes messages", e);
        } catch (JMSException | JMSRuntimeException e) {
            throw brokerFailure("NVENT-0612 could not move dead letters of queue " + queue + " back to the queue",
                    e.getMessage(), e);
        }
        transactions.afterCompletion(committed -> {
            if (committed) {
                moved.forEach(registry::retried);
            }
        });
        return moved;
    }

    /**
     * Learns, once per queue, of the dead letters and waiting jobs the broker holds: after a restart
     * or for jobs enqueued by other nodes. Jobs whose delay has not passed are not browsable and
     * appear when delivered.
     */
    /** Whether reading a queue from the broker failed within the last {@link #UNREACHABLE_MEMORY}. */
    private boolean brokerRecentlyUnreachable() {
        long failedAt = hydrateFailedAt;
        return failedAt != 0 && System.nanoTime() - failedAt < UNREACHABLE_MEMORY.toNanos();
    }

    /**
     * Reads the queue from the broker at its first use, then drops the jobs learned that way which
     * the broker no longer holds (when {@code always}, at once), and at most once per
     * {@link #BROKER_CHECK_INTERVAL}, whatever the call, has {@link #brokerChecks} check both those and
     * the jobs this node sent that another node took: the caller gets the view as it is and does not
     * wait for the broker; the next call sees what the check dropped.
     */
    private void view(String queue, boolean always) {
        QueueControl control = control(queue);
        hydrate(control);
        if (closed) {
            return;
        }
        if (always) {
            dropHydratedGone(queue);
        }
        if (control.claimBrokerCheck(clock.instant(), BROKER_CHECK_INTERVAL)) {
            checkInBackground(queue, !always);
        }
    }

    /** Hands the queue's check to {@link #brokerChecks}, unless its last one is still waiting there or running. */
    private void checkInBackground(String queue, boolean hydratedToo) {
        if (!checking.add(queue)) {
            return;
        }
        try {
            brokerChecks.execute(() -> {
                try {
                    if (closed) {
                        return;
                    }
                    if (hydratedToo) {
                        dropHydratedGone(queue);
                    }
                    dropSentGone(queue);
                } catch (RuntimeException e) {
                    // A resource adapter whose connection broke may throw anything; the next check tries again.
                    LOG.log(Level.DEBUG, () -> "could not check queue " + queue + " against the broker: " + e);
                } finally {
                    checking.remove(queue);
                }
            });
        } catch (RejectedExecutionException closedMeanwhile) {
            checking.remove(queue);
        }
    }

    /**
     * Forgets the jobs this node learned from the broker and has not run since which the broker no
     * longer holds where they were (another node ran, retried or discarded them), browsing with a
     * selector on their ids in batches. Costs nothing once there are none; a broker that cannot be
     * read keeps them for the next check.
     */
    private void dropHydratedGone(String queue) {
        Map<Boolean, List<String>> hydrated = registry.hydratedIds(queue);
        if (hydrated.values().stream().allMatch(List::isEmpty)) {
            return;
        }
        try {
            producers.call(context -> {
                for (Map.Entry<Boolean, List<String>> held : hydrated.entrySet()) {
                    String queueName = held.getKey() ? runtime.deadLetterQueue(queue) : runtime.mainQueue(queue);
                    Map<String, JobMessage> there = browseIds(context, queueName, held.getValue());
                    held.getValue().stream().filter(id -> !there.containsKey(id))
                            .forEach(id -> registry.dropHydrated(queue, id, Optional.empty()));
                }
                return null;
            });
        } catch (JMSException | JMSRuntimeException e) {
            LOG.log(Level.DEBUG, () -> "could not check the jobs of queue " + queue + " read from the broker: " + e);
        }
    }

    /**
     * Forgets the jobs this node sent and still counts as waiting which the broker no longer holds on
     * the queue: another node's worker took them (and ran them, or runs them now). One it finds as a
     * dead letter is counted failed, as if read from the broker. Only jobs ready for at least
     * {@link #SENT_CHECK_GRACE} (never a delayed one, which the broker shows no browser before it is
     * due), the {@value #SENT_CHECK_MAX} looked for least recently: one browse of the queue, and one of
     * the dead letters for those not found there. A broker that cannot be read keeps them for the
     * next check.
     */
    private void dropSentGone(String queue) {
        Map<String, AttemptKey> sent = registry.sentToCheck(queue, clock.instant(), SENT_CHECK_GRACE, SENT_CHECK_MAX);
        if (sent.isEmpty()) {
            return;
        }
        try {
            int dropped = producers.call(context -> {
                // The queue first: a job leaves it for the dead letters in one transaction, so in this
                // order a job that fails for good between the two browses is found in the second.
                Map<String, JobMessage> waiting = browseIds(context, runtime.mainQueue(queue), sent.keySet());
                List<String> gone = sent.keySet().stream().filter(id -> !waiting.containsKey(id)).toList();
                Map<String, JobMessage> dead = browseIds(context, runtime.deadLetterQueue(queue), gone);
                return (int) gone.stream().filter(id -> registry.dropSentGone(queue, id, sent.get(id),
                        Optional.ofNullable(dead.get(id)), clock.instant(), SENT_CHECK_GRACE)).count();
            });
            LOG.log(Level.DEBUG, () -> "queue " + queue + ": " + dropped + " of " + sent.size() + " jobs sent from"
                    + " this node and waiting here were taken by another node's workers");
        } catch (JMSException | JMSRuntimeException e) {
            LOG.log(Level.DEBUG, () -> "could not check the waiting jobs of queue " + queue + " this node sent: " + e);
        }
    }

    /** The messages of the jobs a queue holds, by job id, browsing {@value #BROKER_CHECK_BATCH} ids at a time. */
    private static Map<String, JobMessage> browseIds(JMSContext context, String queueName, Collection<String> jobIds)
            throws JMSException {
        List<String> ids = List.copyOf(jobIds);
        Map<String, JobMessage> found = new HashMap<>();
        for (int from = 0; from < ids.size(); from += BROKER_CHECK_BATCH) {
            List<String> batch = ids.subList(from, Math.min(ids.size(), from + BROKER_CHECK_BATCH));
            browse(context, queueName, Optional.of(JobMessage.selectorForAny(batch)))
                    .forEach(message -> found.put(message.jobId(), message));
        }
        return found;
    }

    private void hydrate(QueueControl control) {
        if (closed) {
            return;
        }
        control.hydrateOnce(() -> {
            try {
                producers.call(context -> {
                    browse(context, runtime.deadLetterQueue(control.name())).forEach(registry::hydrateFailed);
                    browse(context, runtime.mainQueue(control.name())).forEach(registry::hydratePending);
                    return null;
                });
                control.markHydrated();
                hydrateFailedAt = 0;
            } catch (JMSException | JMSRuntimeException e) {
                hydrateFailedAt = System.nanoTime();
                LOG.log(Level.WARNING, "NVENT-0613 could not read queue " + control.name()
                        + " from the broker; counts show this node's jobs only until it can: " + e);
            }
        });
    }

    private List<JobMessage> deadLetterBrowse(String queue, Optional<String> jobId) {
        return readBroker("the dead letters of queue " + queue, context -> browse(context,
                runtime.deadLetterQueue(queue), jobId.map(JobMessage::selectorFor)));
    }

    /**
     * A failure of the broker, named as the options say ({@link JmsJobQueueOptions#broker()}):
     * {@code <what> (broker <name>): <detail>}, and where the credentials go when the broker refused its user.
     */
    private JmsQueueException brokerFailure(String what, String detail, Throwable cause) {
        return new JmsQueueException(what + " (broker " + options.broker() + "): " + detail
                + BrokerRefusals.hintForEnqueues(cause), cause);
    }

    /** Reads from the broker on a context of the enqueues; a failure names {@code what} it read. */
    private <T> T readBroker(String what, ProducerContexts.Work<T> read) {
        try {
            return producers.call(read);
        } catch (JMSException | JMSRuntimeException e) {
            throw brokerFailure("NVENT-0614 could not read " + what + " from the broker", e.getMessage(), e);
        }
    }

    private static List<JobMessage> browse(JMSContext context, String queueName) throws JMSException {
        return browse(context, queueName, Optional.empty());
    }

    private static List<JobMessage> browse(JMSContext context, String queueName, Optional<String> selector)
            throws JMSException {
        List<JobMessage> jobs = new ArrayList<>();
        try (QueueBrowser browser = selector.isPresent()
                ? context.createBrowser(context.createQueue(queueName), selector.get())
                : context.createBrowser(context.createQueue(queueName))) {
            Enumeration<?> messages = browser.getEnumeration();
            while (messages.hasMoreElements()) {
                JobMessage.from((Message) messages.nextElement()).ifPresent(jobs::add);
            }
        } catch (InvalidDestinationRuntimeException e) {
            // The broker does not create queues for browsing: no queue yet means no jobs yet.
            LOG.log(Level.DEBUG, () -> "queue " + queueName + " does not exist yet");
        } catch (JMSException e) {
            if (e instanceof jakarta.jms.InvalidDestinationException) {
                LOG.log(Level.DEBUG, () -> "queue " + queueName + " does not exist yet");
            } else {
                throw e;
            }
        }
        return jobs;
    }

    /**
     * What keeps the queue from working: workers that cannot reach the broker or get a connection, none of a
     * queue's workers running here while the ones that died wait for their replacement ({@code NVENT-0622}),
     * or sends the broker holds back (see {@link JmsJobQueueOptions#sendTimeout()}). Sends held back are said beside
     * a problem of the workers, not hidden by it: they are why enqueues fail meanwhile.
     */
    @Override
    public Optional<String> problem() {
        Optional<String> workers = runtime.connections().problem().or(() ->
                controls.values().stream().map(QueueControl::problem).flatMap(Optional::stream).findFirst());
        Optional<String> heldBack = sends.problem();
        if (workers.isPresent() && heldBack.isPresent()) {
            return Optional.of(workers.get() + "; " + heldBack.get());
        }
        return workers.or(() -> heldBack);
    }

    private QueueControl control(String queue) {
        Objects.requireNonNull(queue, "queue");
        return controls.computeIfAbsent(queue, QueueControl::new);
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the JMS job queue is closed");
        }
    }

    /**
     * Waits for the threads to end until the deadline ({@link System#nanoTime}); returns early,
     * keeping the interrupt, if the caller is interrupted.
     */
    private static void joinUntil(List<Thread> threads, long deadline) {
        for (Thread thread : threads) {
            try {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left > 0) {
                    thread.join(left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Stops the workers: running attempts get {@link JmsJobQueueOptions#shutdownGrace()} to end, then
     * they are interrupted and their messages return to the broker. Jobs stay on the broker. An attempt
     * the interrupt ends counts as no attempt, whatever it throws: it is not reported to
     * {@link JobHandler#onAttemptFailed}, takes none of the job's retries, and its message is
     * delivered again (flagged redelivered) once a worker of the queue runs again.
     *
     * <p>While it waits for them the queue still takes enqueues: an attempt that ends within the grace
     * hands its run on to the next step by enqueueing it, and a start the engine still accepts
     * enqueues its first step. Refused then, those steps would wait for the lost-job check of the
     * next instance to start. Enqueues are refused once the workers stopped, or the workers
     * interrupted once the grace ran out returned (or were waited for long enough): an interrupted
     * continuation ({@link #continueWith}) has no message of its own to roll back, and its owner
     * queues it again as its handler returns.
     */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        controls.values().forEach(QueueControl::stop);
        List<Thread> workers = controls.values().stream().flatMap(c -> c.workers().stream()).toList();
        joinUntil(workers, System.nanoTime() + options.shutdownGrace().toNanos());
        // Before the interrupts: an attempt failing on one is not a failure of its job (see QueueWorker).
        controls.values().forEach(QueueControl::cutShort);
        List<Thread> interrupted = workers.stream().filter(Thread::isAlive).toList();
        for (Thread worker : interrupted) {
            LOG.log(Level.WARNING, "NVENT-0621 interrupting worker " + worker.getName()
                    + " still running after the shutdown grace of " + options.shutdownGrace());
            worker.interrupt();
        }
        // A little more for the interrupted workers to roll their attempts back (NVENT-0625), so that the
        // queue, and the engine after it ("engine stopped"), says it stopped once what it hands back is
        // handed back. A step that ignores the interrupt is not waited for longer.
        joinUntil(interrupted, System.nanoTime() + HAND_BACK_PATIENCE.toNanos());
        // From here on enqueues are refused: what a worker still running would enqueue is found by the
        // engine's lost-job check. Until then they are taken: a continuation cut short has no message to
        // roll back (the rollback returns the message of the job before it, ended), and the engine queues
        // its job again as it hands its step back.
        closed = true;
        watchdog.shutdownNow();
        brokerChecks.shutdownNow();
        producers.close();
    }
}
