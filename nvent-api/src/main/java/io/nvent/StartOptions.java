package io.nvent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * How {@link FlowService#start(String, Object, StartOptions)} (and {@link TriggerService#fire(String, String,
 * StartOptions)}, for each flow) starts a run. Immutable; built with
 * {@link #newBuilder()}, which validates eagerly.
 *
 * <pre>{@code
 * StartedRun run = flows.start("payment", payment, StartOptions.idempotent("payment-" + payment.id()));
 * }</pre>
 *
 * @param idempotencyKey a key of the caller's choosing (an order number, a request id) that makes a
 *     start safe to repeat: the first start with a key creates a run of the flow, and a later start of
 *     the same flow with the same key and the same input returns that run instead of creating
 *     another, for as long as the run is stored (until retention removes it). The same key with
 *     another input is refused ({@link IdempotencyKeyConflictException}): it is a different request
 *     that reused the key by mistake; so is the same input with other {@link #labels()} (since 0.2; the same
 *     labels in another order are the same request), and a {@link #timeout()} of the start's own other than the
 *     length the run was started with, its own or its flow's (since 0.2; a start without one replays the run
 *     whatever its timeout). Keys are per flow; a start inside a transaction that rolls back
 *     leaves the key unused. At most {@value #MAX_KEY_LENGTH} characters, not blank, no control
 *     characters
 * @param delay how long after the start the entry step is queued: the run exists at once, waiting
 *     (status {@code awaiting}) on a time await of its entry step that the maintenance sweep
 *     resolves when it falls due, across restarts and instances; an operator may resolve it sooner.
 *     Not for flows whose entry step waits before it runs already ({@code @AwaitBefore})
 * @param concurrencyKey a key of the caller's choosing (a customer id, an account) that makes runs take
 *     turns: of the runs started with one key, one at a time (or up to the {@link #concurrencyLimit()}) is under
 *     way (running, awaiting or stalled), across all instances of the deployment; a run started while another holds the key
 *     waits (status {@code awaiting}, on an await of type {@link AwaitType#CONCURRENCY_KEY} before
 *     its entry step) until the runs ahead of it have ended, in the order they began waiting. At most
 *     {@value #MAX_CONCURRENCY_KEY_LENGTH} characters, not blank, no control characters. With a
 *     {@link #delay()} as well, the run waits for its delay first without holding the key (its time await
 *     shows the key, {@link AwaitInfo#concurrencyKey()}), and once the delay ends (or an operator resolves
 *     it sooner) it waits for the key as a run started then would: the end of its delay is when it joins
 *     the line (since 0.2)
 * @param concurrencyLimit how many runs of the {@link #concurrencyKey()} may be under way at a time, across all
 *     instances: 1 (the default: one at a time) to {@value #MAX_CONCURRENCY_LIMIT}; only with a key. Each run keeps
 *     its own limit, respected both ways: a waiting run gets the key while fewer runs hold it than the smallest
 *     limit among the run at the head of the line and the runs holding it, and the head of the line blocks the
 *     runs behind it (since 0.2)
 * @param concurrencyLimitChosen whether the caller chose the {@link #concurrencyLimit()} rather than left it at
 *     its default of 1, which matters where something else has a limit of its own for the key: a trigger's fire
 *     with the trigger's key ({@link TriggerService#fire(String, String, StartOptions)}) keeps the trigger's limit
 *     unless the options chose one. True for {@link Builder#concurrencyKey(String, int)}, false for
 *     {@link Builder#concurrencyKey(String)}; always false without a concurrency key, always true with a key and a
 *     limit other than 1 (only a limit of 1 can be a default) (since 0.2)
 * @param labels business tags of the caller's choosing (a customer, a campaign, a batch) that the run carries, to
 *     find it by ({@link RunQuery#withLabel}); sorted, empty when none. At most {@value #MAX_LABELS} labels, each
 *     1 to {@value #MAX_LABEL_LENGTH} characters, no control characters, no leading or trailing white space;
 *     a label given twice counts once. A restart or rerun of the run keeps them. A store adapter written for
 *     nvent 0.1 keeps none and refuses a start with labels ({@link io.nvent.spi.FlowStore#keepsLabels()})
 *     (since 0.2)
 * @param timeout how long the run may take, start to end: at its deadline (the start plus the timeout) a run still
 *     under way fails, its steps stopped as a cancel stops them, with an error saying it timed out. Empty: the
 *     flow's own run timeout ({@link FlowStep#runTimeoutMs()}), if its entry step declares one, else no deadline.
 *     Positive, at most {@link #LONGEST_RUN_TIMEOUT}, whole milliseconds. The deadline counts from the start, a {@link #delay()}
 *     included; a restart or rerun of the run gets a deadline of the same length from its own start, and a retry of
 *     the run once it ended ({@link FlowService#retryStep}) one from the retry. A store adapter written for nvent
 *     0.1 keeps no deadline and refuses a start with a timeout ({@link io.nvent.spi.FlowStore#keepsDeadlines()})
 *     (since 0.2)
 * @since 0.1
 */
public record StartOptions(Optional<String> idempotencyKey, Optional<Duration> delay,
                           Optional<String> concurrencyKey, int concurrencyLimit, boolean concurrencyLimitChosen,
                           Set<String> labels, Optional<Duration> timeout) {

    /** The longest idempotency key: a request id or a compound business key fits, a payload does not. */
    public static final int MAX_KEY_LENGTH = 255;

    /**
     * The longest concurrency key ({@link #concurrencyKey()}): a customer id or a compound business key fits.
     *
     * @since 0.2
     */
    public static final int MAX_CONCURRENCY_KEY_LENGTH = 200;

    /**
     * The highest {@link #concurrencyLimit()}: more runs of one key at a time are no line any more.
     *
     * @since 0.2
     */
    public static final int MAX_CONCURRENCY_LIMIT = 1000;

    /**
     * The most {@link #labels()} a run carries: tags to find it by, not a place for its data.
     *
     * @since 0.2
     */
    public static final int MAX_LABELS = 10;

    /**
     * The longest label ({@link #labels()}): a customer id or a short tag fits.
     *
     * @since 0.2
     */
    public static final int MAX_LABEL_LENGTH = 64;

    /**
     * The longest delay nvent takes anywhere it waits on a clock: a start's {@link #delay()}, a time
     * await's {@code delayMs} and an await's {@code timeoutMs}, a step's backoff
     * ({@link RetryPolicy}) and the settings that default them. 100 years (of 365.25 days): longer is
     * a mistake (seconds taken for milliseconds, {@code Long.MAX_VALUE} for "forever"), and a due
     * time far enough ahead no longer fits an {@link java.time.Instant} or a database's timestamp.
     * A longer delay is refused where it is given, naming the value ({@code NVENT-0251}).
     *
     * @since 0.2
     */
    public static final Duration LONGEST_DELAY = Duration.ofDays(36_525);

    /**
     * The longest {@link #timeout()} of a run, and of a flow's {@link FlowStep#runTimeoutMs()}: a year and a day.
     * A deadline further away bounds nothing a team would wait for.
     *
     * @since 0.2
     */
    public static final Duration LONGEST_RUN_TIMEOUT = Duration.ofDays(366);

    /** A plain start: every call creates a run. */
    public static final StartOptions DEFAULTS = newBuilder().build();

    /**
     * Checks the key and the delay.
     *
     * @param idempotencyKey a key of the caller's choosing (an order number, a request id) that makes
     *     a start safe to repeat: the first start with a key creates a run of the flow, and a later
     *     start of the same flow with the same key and the same input returns that run instead of
     *     creating another, for as long as the run is stored (until retention removes it). The same
     *     key with another input is refused ({@link IdempotencyKeyConflictException}): it is a
     *     different request that reused the key by mistake. Keys are per flow; a start inside a
     *     transaction that rolls back leaves the key unused. At most {@value #MAX_KEY_LENGTH}
     *     characters, not blank, no control characters
     * @param delay how long after the start the entry step is queued: the run exists at once, waiting
     *     (status {@code awaiting}) on a time await of its entry step that the maintenance sweep
     *     resolves when it falls due, across restarts and instances; an operator may resolve it
     *     sooner. Not for flows whose entry step waits before it runs already ({@code @AwaitBefore})
     * @param concurrencyKey a key whose runs take turns; with a delay, the run joins the key's line once its
     *     delay ends (see {@link #concurrencyKey()})
     * @param concurrencyLimit how many runs of the key may be under way at a time (see {@link #concurrencyLimit()})
     * @param concurrencyLimitChosen whether the caller chose the limit rather than left it at 1 (see
     *     {@link #concurrencyLimitChosen()}); taken as false without a concurrency key, as true with a key and a
     *     limit other than 1
     * @param labels business tags the run carries (see {@link #labels()}); kept sorted, a label given twice once
     * @param timeout how long the run may take, start to end (see {@link #timeout()})
     * @throws NullPointerException if a component or a label is {@code null}
     * @throws IllegalArgumentException if a key is blank, longer than its limit or holds a control
     *     character, the delay is not positive or longer than {@link #LONGEST_DELAY}, the concurrency limit is
     *     out of range or not 1 without a concurrency key, or a label breaks the rules of {@link #labels()}
     *     ({@code NVENT-0286}, {@code NVENT-0287}), or the timeout is not positive or longer than
     *     {@link #LONGEST_RUN_TIMEOUT} ({@code NVENT-0290})
     * @since 0.2
     */
    public StartOptions {
        Objects.requireNonNull(timeout, "timeout").ifPresent(StartOptions::requireValidRunTimeout);
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(concurrencyKey, "concurrencyKey");
        labels = requireValidLabels(labels);
        idempotencyKey.ifPresent(StartOptions::requireValidKey);
        delay.ifPresent(StartOptions::requireValidDelay);
        concurrencyKey.ifPresent(StartOptions::requireValidConcurrencyKey);
        requireValidConcurrencyLimit(concurrencyLimit);
        if (concurrencyLimit != 1 && concurrencyKey.isEmpty()) {
            throw new IllegalArgumentException("NVENT-0271 a concurrency limit (" + concurrencyLimit + ") needs a"
                    + " concurrency key: it limits the runs of one key");
        }
        // A limit without a key limits nothing, so there is no choice to tell apart; a limit other than the default
        // was chosen, whatever the flag says, so that a trigger's fire cannot drop it for the trigger's.
        concurrencyLimitChosen = concurrencyKey.isPresent() && (concurrencyLimitChosen || concurrencyLimit != 1);
    }

    /**
     * Options without a timeout of their own: the flow's run timeout applies, if it declares one.
     *
     * @param idempotencyKey a key that makes a start safe to repeat (see {@link #idempotencyKey()})
     * @param delay how long after the start the entry step is queued (see {@link #delay()})
     * @param concurrencyKey a key whose runs take turns (see {@link #concurrencyKey()})
     * @param concurrencyLimit how many runs of the key may be under way at a time (see {@link #concurrencyLimit()})
     * @param concurrencyLimitChosen whether the caller chose the limit (see {@link #concurrencyLimitChosen()})
     * @param labels business tags the run carries (see {@link #labels()})
     * @throws NullPointerException if a component or a label is {@code null}
     * @throws IllegalArgumentException as the canonical constructor does
     * @since 0.2
     */
    public StartOptions(Optional<String> idempotencyKey, Optional<Duration> delay, Optional<String> concurrencyKey,
                        int concurrencyLimit, boolean concurrencyLimitChosen, Set<String> labels) {
        this(idempotencyKey, delay, concurrencyKey, concurrencyLimit, concurrencyLimitChosen, labels, Optional.empty());
    }

    /**
     * Refuses a run timeout that breaks the rules of {@link #timeout()}: also a flow's
     * {@link FlowStep#runTimeoutMs()}, and a REST start's.
     *
     * @param timeout the timeout
     * @return the timeout
     * @throws NullPointerException if {@code timeout} is {@code null}
     * @throws IllegalArgumentException ({@code NVENT-0290}) if it is not positive or longer than
     *     {@link #LONGEST_RUN_TIMEOUT}; ({@code NVENT-0235}) if it is not whole milliseconds
     * @since 0.2
     */
    public static Duration requireValidRunTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(LONGEST_RUN_TIMEOUT) > 0) {
            throw new IllegalArgumentException("NVENT-0290 a run timeout must be positive and at most "
                    + LONGEST_RUN_TIMEOUT.toDays() + " days (StartOptions.LONGEST_RUN_TIMEOUT), was " + timeout);
        }
        requireWholeMillis("a run timeout", timeout);
        return timeout;
    }

    /**
     * Refuses a run timeout finer than a millisecond: stores keep its length in milliseconds, so it would come back
     * other than given (a keyed start repeated with it would conflict with its own run, a trigger's read back as
     * zero would be refused).
     */
    static void requireWholeMillis(String what, Duration timeout) {
        if (timeout.getNano() % 1_000_000 != 0) {
            throw new IllegalArgumentException("NVENT-0235 " + what + " is kept in whole milliseconds, was " + timeout
                    + "; give it to the millisecond (Duration.truncatedTo(ChronoUnit.MILLIS))");
        }
    }

    /**
     * Options with a concurrency key and a limit the caller gives, and no labels: the limit is chosen
     * ({@link #concurrencyLimitChosen()}) when there is a key, even if it is 1.
     *
     * @param idempotencyKey a key that makes a start safe to repeat (see {@link #idempotencyKey()})
     * @param delay how long after the start the entry step is queued (see {@link #delay()})
     * @param concurrencyKey a key whose runs take turns (see {@link #concurrencyKey()})
     * @param concurrencyLimit how many runs of the key may be under way at a time (see {@link #concurrencyLimit()})
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException as the canonical constructor does
     * @since 0.2
     */
    public StartOptions(Optional<String> idempotencyKey, Optional<Duration> delay, Optional<String> concurrencyKey,
                        int concurrencyLimit) {
        this(idempotencyKey, delay, concurrencyKey, concurrencyLimit, true, Set.of());
    }

    /**
     * Options without labels.
     *
     * @param idempotencyKey a key that makes a start safe to repeat (see {@link #idempotencyKey()})
     * @param delay how long after the start the entry step is queued (see {@link #delay()})
     * @param concurrencyKey a key whose runs take turns (see {@link #concurrencyKey()})
     * @param concurrencyLimit how many runs of the key may be under way at a time (see {@link #concurrencyLimit()})
     * @param concurrencyLimitChosen whether the caller chose the limit (see {@link #concurrencyLimitChosen()})
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException as the canonical constructor does
     * @since 0.2
     */
    public StartOptions(Optional<String> idempotencyKey, Optional<Duration> delay, Optional<String> concurrencyKey,
                        int concurrencyLimit, boolean concurrencyLimitChosen) {
        this(idempotencyKey, delay, concurrencyKey, concurrencyLimit, concurrencyLimitChosen, Set.of());
    }

    /**
     * Options with labels and a limit the caller gives: chosen ({@link #concurrencyLimitChosen()}) when there is a
     * key, even if it is 1.
     *
     * @param idempotencyKey a key that makes a start safe to repeat (see {@link #idempotencyKey()})
     * @param delay how long after the start the entry step is queued (see {@link #delay()})
     * @param concurrencyKey a key whose runs take turns (see {@link #concurrencyKey()})
     * @param concurrencyLimit how many runs of the key may be under way at a time (see {@link #concurrencyLimit()})
     * @param labels business tags the run carries (see {@link #labels()})
     * @throws NullPointerException if a component or a label is {@code null}
     * @throws IllegalArgumentException as the canonical constructor does
     * @since 0.2
     */
    public StartOptions(Optional<String> idempotencyKey, Optional<Duration> delay, Optional<String> concurrencyKey,
                        int concurrencyLimit, Set<String> labels) {
        this(idempotencyKey, delay, concurrencyKey, concurrencyLimit, true, labels);
    }

    /**
     * Options with a concurrency key whose runs take turns one at a time.
     *
     * @param idempotencyKey a key that makes a start safe to repeat (see {@link #idempotencyKey()})
     * @param delay how long after the start the entry step is queued (see {@link #delay()})
     * @param concurrencyKey a key whose runs take turns (see {@link #concurrencyKey()})
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if a key is blank, longer than its limit or holds a control
     *     character, or the delay is not positive or longer than {@link #LONGEST_DELAY}
     * @since 0.2
     */
    public StartOptions(Optional<String> idempotencyKey, Optional<Duration> delay, Optional<String> concurrencyKey) {
        this(idempotencyKey, delay, concurrencyKey, 1, false, Set.of());
    }

    /**
     * Options with an idempotency key and a delay and no concurrency key: the components of 0.1.
     *
     * @param idempotencyKey a key that makes a start safe to repeat (see {@link #idempotencyKey()})
     * @param delay how long after the start the entry step is queued (see {@link #delay()})
     * @throws NullPointerException if {@code idempotencyKey} or {@code delay} is {@code null}
     * @throws IllegalArgumentException if the key is blank, longer than {@value #MAX_KEY_LENGTH}
     *     characters or holds a control character, or the delay is not positive or longer than
     *     {@link #LONGEST_DELAY}
     */
    public StartOptions(Optional<String> idempotencyKey, Optional<Duration> delay) {
        this(idempotencyKey, delay, Optional.empty(), 1, false, Set.of());
    }

    /**
     * Refuses a concurrency limit out of its range.
     *
     * @param limit the limit
     * @return the limit
     * @throws IllegalArgumentException ({@code NVENT-0270}) if it is below 1 or above {@link #MAX_CONCURRENCY_LIMIT}
     * @since 0.2
     */
    public static int requireValidConcurrencyLimit(int limit) {
        outOfRange(limit).ifPresent(problem -> {
            throw new IllegalArgumentException("NVENT-0270 " + problem);
        });
        return limit;
    }

    /** What is wrong with a concurrency limit out of its range, for the message of whoever refuses it; also TriggerSpec's. */
    static Optional<String> outOfRange(int concurrencyLimit) {
        return concurrencyLimit < 1 || concurrencyLimit > MAX_CONCURRENCY_LIMIT
                ? Optional.of("a concurrency limit is 1 to " + MAX_CONCURRENCY_LIMIT + " runs of a key at a time, was "
                        + concurrencyLimit)
                : Optional.empty();
    }

    /**
     * Options that start a run whose entry step is queued after {@code delay} (see {@link #delay()}).
     *
     * @param delay how long until the entry step is queued; positive, at most {@link #LONGEST_DELAY}
     * @return options with that delay and no idempotency key
     * @throws NullPointerException if {@code delay} is {@code null}
     * @throws IllegalArgumentException if the delay is zero or negative, or longer than {@link #LONGEST_DELAY}
     */
    public static StartOptions delayed(Duration delay) {
        return newBuilder().delay(delay).build();
    }

    private static void requireValidDelay(Duration delay) {
        if (delay.isNegative() || delay.isZero()) {
            throw new IllegalArgumentException("a start delay must be positive, was " + delay);
        }
        requireAtMostLongestDelay("a start delay", delay);
    }

    /**
     * Refuses a delay longer than {@link #LONGEST_DELAY}, naming it.
     *
     * @param what what the delay is, for the message, such as {@code "a start delay"}
     * @param delay the delay
     * @return the delay
     * @throws IllegalArgumentException ({@code NVENT-0251}) if it is longer
     * @since 0.2
     */
    public static Duration requireAtMostLongestDelay(String what, Duration delay) {
        if (delay.compareTo(LONGEST_DELAY) > 0) {
            throw new IllegalArgumentException("NVENT-0251 " + what + " must be at most " + LONGEST_DELAY.toDays()
                    + " days (100 years, StartOptions.LONGEST_DELAY), was " + delay);
        }
        return delay;
    }

    /**
     * Options that start a run once per {@code key} (see {@link #idempotencyKey()}).
     *
     * @param key the idempotency key
     * @return options with that key and no delay
     * @throws NullPointerException if {@code key} is {@code null}
     * @throws IllegalArgumentException if the key is blank, too long or holds a control character
     */
    public static StartOptions idempotent(String key) {
        return newBuilder().idempotencyKey(key).build();
    }

    /**
     * A builder with no idempotency key and no delay: what {@link #DEFAULTS} holds.
     *
     * @return a new builder
     */
    public static Builder newBuilder() {
        return new Builder();
    }

    /**
     * A builder holding every component of these options, so that a caller changes one and keeps the others:
     * {@code options.toBuilder().label("vip").build()} are these options with one label more. A limit left at its
     * default stays unchosen ({@link #concurrencyLimitChosen()}), a chosen one chosen.
     *
     * @return a new builder with the idempotency key, delay, concurrency key and limit, labels and timeout of these
     *     options
     * @since 0.2
     */
    public Builder toBuilder() {
        Builder builder = newBuilder().labels(labels);
        timeout.ifPresent(builder::timeout);
        idempotencyKey.ifPresent(builder::idempotencyKey);
        delay.ifPresent(builder::delay);
        concurrencyKey.ifPresent(key -> {
            if (concurrencyLimitChosen) {
                builder.concurrencyKey(key, concurrencyLimit);
            } else {
                builder.concurrencyKey(key);
            }
        });
        return builder;
    }

    /** Refuses a key that breaks the rules of {@link #idempotencyKey()}; also {@link IdempotencyKeyOption}'s. */
    static void requireValidKey(String key) {
        if (key.isBlank()) {
            throw new IllegalArgumentException("an idempotency key must not be blank");
        }
        if (key.length() > MAX_KEY_LENGTH) {
            throw new IllegalArgumentException("an idempotency key has at most " + MAX_KEY_LENGTH
                    + " characters, this one " + key.length());
        }
        if (key.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("an idempotency key must not contain control characters");
        }
    }

    /**
     * Checks labels as {@link #labels()} says and folds duplicates: what a run carries, and what a store keeps.
     *
     * @param labels the labels
     * @return the labels, sorted and unmodifiable
     * @throws NullPointerException if {@code labels} or a label is {@code null}
     * @throws IllegalArgumentException if a label breaks the rules ({@code NVENT-0286}) or there are more than
     *     {@value #MAX_LABELS} ({@code NVENT-0287})
     * @since 0.2
     */
    public static SortedSet<String> requireValidLabels(Collection<String> labels) {
        Objects.requireNonNull(labels, "labels");
        if (labels.isEmpty()) {
            return Collections.emptySortedSet();   // most runs: every copy of a run record checks its labels again
        }
        SortedSet<String> folded = new TreeSet<>();
        for (String label : labels) {
            folded.add(requireValidLabel(label));
        }
        if (folded.size() > MAX_LABELS) {
            throw new IllegalArgumentException("NVENT-0287 a run carries at most " + MAX_LABELS + " labels, these are "
                    + folded.size() + ": " + folded);
        }
        return Collections.unmodifiableSortedSet(folded);
    }

    /**
     * Checks one label as {@link #labels()} says: 1 to {@value #MAX_LABEL_LENGTH} characters, no control characters,
     * no leading or trailing white space.
     *
     * @param label the label
     * @return the label
     * @throws NullPointerException if {@code label} is {@code null}
     * @throws IllegalArgumentException ({@code NVENT-0286}) if it breaks a rule, saying which
     * @since 0.2
     */
    public static String requireValidLabel(String label) {
        Objects.requireNonNull(label, "label");
        if (label.isEmpty() || label.length() > MAX_LABEL_LENGTH) {
            throw new IllegalArgumentException("NVENT-0286 a label has 1 to " + MAX_LABEL_LENGTH + " characters, this"
                    + " one " + label.length() + (label.isEmpty() ? "" : ": '" + label.substring(0, 20) + "…'"));
        }
        for (int i = 0; i < label.length(); i++) {
            if (Character.isISOControl(label.charAt(i))) {
                throw new IllegalArgumentException("NVENT-0286 a label must not contain control characters, this"
                        + " one holds U+" + String.format("%04X", (int) label.charAt(i)) + " at position " + i);
            }
        }
        if (Character.isWhitespace(label.charAt(0)) || Character.isWhitespace(label.charAt(label.length() - 1))) {
            throw new IllegalArgumentException("NVENT-0286 a label must not begin or end with white space, was '"
                    + label + "': labels are matched exactly, so ' vip' would not be found as 'vip'");
        }
        return label;
    }

    private static void requireValidConcurrencyKey(String key) {
        if (key.isBlank()) {
            throw new IllegalArgumentException("a concurrency key must not be blank");
        }
        if (key.length() > MAX_CONCURRENCY_KEY_LENGTH) {
            throw new IllegalArgumentException("a concurrency key has at most " + MAX_CONCURRENCY_KEY_LENGTH
                    + " characters, this one " + key.length());
        }
        for (int i = 0; i < key.length(); i++) {
            if (Character.isISOControl(key.charAt(i))) {
                throw new IllegalArgumentException("a concurrency key must not contain control characters, this one"
                        + " holds U+" + String.format("%04X", (int) key.charAt(i)) + " at position " + i);
            }
        }
    }

    /** Builds {@link StartOptions}; every setter validates at once. */
    public static final class Builder {

        private String idempotencyKey;
        private Duration delay;
        private String concurrencyKey;
        private int concurrencyLimit = 1;
        private boolean concurrencyLimitChosen;
        private final Set<String> labels = new TreeSet<>();
        private Duration timeout;

        private Builder() {
        }

        /**
         * Sets how long the run may take, start to end; see {@link StartOptions#timeout()}. It wins over the flow's
         * own run timeout ({@link FlowStep#runTimeoutMs()}).
         *
         * @param value the timeout; positive, at most {@link StartOptions#LONGEST_RUN_TIMEOUT}
         * @return this builder
         * @throws NullPointerException if {@code value} is {@code null}
         * @throws IllegalArgumentException ({@code NVENT-0290}) if {@code value} is zero or negative, or longer than
         *     {@link StartOptions#LONGEST_RUN_TIMEOUT}
         * @since 0.2
         */
        public Builder timeout(Duration value) {
            this.timeout = requireValidRunTimeout(value);
            return this;
        }

        /**
         * Sets the idempotency key; see {@link StartOptions#idempotencyKey()}.
         *
         * @param key the key, at most {@value StartOptions#MAX_KEY_LENGTH} characters, not blank, no control
         *     characters
         * @return this builder
         * @throws NullPointerException if {@code key} is {@code null}
         * @throws IllegalArgumentException if the key breaks one of the rules above
         */
        public Builder idempotencyKey(String key) {
            requireValidKey(Objects.requireNonNull(key, "key"));
            this.idempotencyKey = key;
            return this;
        }

        /**
         * Sets the start delay; see {@link StartOptions#delay()}.
         *
         * @param value how long until the entry step is queued; positive, at most {@link StartOptions#LONGEST_DELAY}
         * @return this builder
         * @throws NullPointerException if {@code value} is {@code null}
         * @throws IllegalArgumentException if {@code value} is zero or negative, or longer than
         *     {@link StartOptions#LONGEST_DELAY}
         */
        public Builder delay(Duration value) {
            requireValidDelay(Objects.requireNonNull(value, "delay"));
            this.delay = value;
            return this;
        }

        /**
         * Sets the concurrency key; see {@link StartOptions#concurrencyKey()}. It may come with a
         * {@link #delay(Duration) delay}: the run then joins the key's line once its delay ends, not holding
         * the key while it waits for its delay.
         * The limit stays at its default, 1, not chosen ({@link StartOptions#concurrencyLimitChosen()}): a trigger's
         * fire with the trigger's key keeps the trigger's limit.
         *
         * @param key the key, at most {@value StartOptions#MAX_CONCURRENCY_KEY_LENGTH} characters, not blank,
         *     no control characters
         * @return this builder
         * @throws NullPointerException if {@code key} is {@code null}
         * @throws IllegalArgumentException if the key breaks one of the rules above
         * @since 0.2
         */
        public Builder concurrencyKey(String key) {
            concurrencyKey(key, 1);
            this.concurrencyLimitChosen = false;
            return this;
        }

        /**
         * Sets the concurrency key and how many runs of it may be under way at a time; see
         * {@link StartOptions#concurrencyKey()} and {@link StartOptions#concurrencyLimit()}. The limit counts as
         * chosen ({@link StartOptions#concurrencyLimitChosen()}), 1 included: a trigger's fire keeps it instead of
         * the trigger's.
         *
         * @param key the key, at most {@value StartOptions#MAX_CONCURRENCY_KEY_LENGTH} characters, not blank,
         *     no control characters
         * @param limit how many runs of the key at a time, 1 to {@value StartOptions#MAX_CONCURRENCY_LIMIT}
         * @return this builder
         * @throws NullPointerException if {@code key} is {@code null}
         * @throws IllegalArgumentException if the key breaks one of the rules above, or the limit is out of range
         *     ({@code NVENT-0270})
         * @since 0.2
         */
        public Builder concurrencyKey(String key, int limit) {
            requireValidConcurrencyKey(Objects.requireNonNull(key, "key"));
            requireValidConcurrencyLimit(limit);
            this.concurrencyKey = key;
            this.concurrencyLimit = limit;
            this.concurrencyLimitChosen = true;
            return this;
        }

        /**
         * Adds a label; see {@link StartOptions#labels()}. Repeated, it adds one label each time; a label added
         * before counts once.
         *
         * @param label the label, 1 to {@value StartOptions#MAX_LABEL_LENGTH} characters, no control characters,
         *     no leading or trailing white space
         * @return this builder
         * @throws NullPointerException if {@code label} is {@code null}
         * @throws IllegalArgumentException if the label breaks one of the rules above ({@code NVENT-0286}), or the
         *     run would carry more than {@value StartOptions#MAX_LABELS} labels ({@code NVENT-0287})
         * @since 0.2
         */
        public Builder label(String label) {
            return labels(List.of(Objects.requireNonNull(label, "label")));
        }

        /**
         * Adds labels; see {@link StartOptions#labels()} and {@link #label(String)}.
         *
         * @param more the labels
         * @return this builder
         * @throws NullPointerException if {@code more} or a label is {@code null}
         * @throws IllegalArgumentException if a label breaks a rule ({@code NVENT-0286}), or the run would carry
         *     more than {@value StartOptions#MAX_LABELS} labels ({@code NVENT-0287})
         * @since 0.2
         */
        public Builder labels(String... more) {
            return labels(List.of(Objects.requireNonNull(more, "labels")));
        }

        /**
         * Adds labels; see {@link StartOptions#labels()} and {@link #label(String)}.
         *
         * @param more the labels
         * @return this builder
         * @throws NullPointerException if {@code more} or a label is {@code null}
         * @throws IllegalArgumentException if a label breaks a rule ({@code NVENT-0286}), or the run would carry
         *     more than {@value StartOptions#MAX_LABELS} labels ({@code NVENT-0287})
         * @since 0.2
         */
        public Builder labels(Collection<String> more) {
            Objects.requireNonNull(more, "labels");
            List<String> all = new ArrayList<>(labels);
            all.addAll(more);
            labels.addAll(requireValidLabels(all));
            return this;
        }

        /**
         * Builds the options; the setters have validated the values already.
         *
         * @return the options
         */
        public StartOptions build() {
            return new StartOptions(Optional.ofNullable(idempotencyKey), Optional.ofNullable(delay),
                    Optional.ofNullable(concurrencyKey), concurrencyLimit, concurrencyLimitChosen, labels,
                    Optional.ofNullable(timeout));
        }
    }
}
