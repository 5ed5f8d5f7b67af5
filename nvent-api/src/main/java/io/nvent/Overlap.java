package io.nvent;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What a trigger's fire does while a run the trigger started is still under way ({@link TriggerSpec#overlap()}), as
 * Temporal's schedule overlap policy and Quartz's {@code @DisallowConcurrentExecution} do: the runs of a nightly export
 * or a five-minute sync that takes longer than its interval do not pile up.
 *
 * <p>A policy other than {@link #ALLOW_ALL} makes the trigger's runs hold a concurrency key, one at a time: the
 * trigger's own ({@link TriggerSpec#concurrencyKey()}, or the one each fire reads with
 * {@link TriggerSpec#concurrencyKeyFrom()}), else {@code nvent-trigger/<name>} ({@link #keyOf}). A run "under way" is
 * one holding that key or waiting for it. It applies to every fire of the trigger (ticks, events, webhooks, manual
 * fires), not to ticks fired late (missed while no instance ran, or backfilled): those take turns as under
 * {@link #BUFFER_ALL}, so that a backfill of 48 hours fires its 48 runs one after the other rather than one.
 *
 * @since 0.2
 */
public enum Overlap {

    /**
     * A fire while a run the trigger started is under way starts nothing: it is recorded in the trigger's history
     * ({@code trigger.skipped}, naming the run) and logged, and does not count as a fire.
     */
    SKIP,

    /**
     * At most one run waits behind the one under way: a fire while one waits already starts nothing, as {@link #SKIP}.
     * Counted per flow, so that a trigger of several flows keeps one fire's runs waiting, one of each flow.
     */
    BUFFER_ONE,

    /** Each fire's run waits its turn behind those under way, one at a time, in the order they were started. */
    BUFFER_ALL,

    /**
     * A fire cancels the trigger's runs under way, then starts its run, which begins once a step the canceled run was
     * running has ended (it holds the key until then).
     */
    CANCEL_OTHER,

    /** Runs start side by side, whatever is under way: nvent's behaviour before 0.2, and the default. */
    ALLOW_ALL;

    /** What {@link #keyOf} puts before a trigger's name. */
    public static final String KEY_PREFIX = "nvent-trigger/";

    /**
     * The policy's name as the REST API and the trigger's history write it, such as {@code cancel-other}.
     *
     * @return the name in lower case, words joined by {@code -}
     */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The policy of a wire name, or of its constant's name ({@code skip}, {@code SKIP}, {@code buffer-one},
     * {@code BUFFER_ONE}).
     *
     * @param wireName the name
     * @return the policy; empty if there is none of that name
     */
    public static Optional<Overlap> ofWireName(String wireName) {
        String name = wireName.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        return Arrays.stream(values()).filter(policy -> policy.name().equals(name)).findFirst();
    }

    /**
     * The wire names of all policies, for a message that lists what may be given.
     *
     * @return {@code "skip, buffer-one, buffer-all, cancel-other, allow-all"}
     */
    public static String wireNames() {
        return Arrays.stream(values()).map(Overlap::wireName).collect(Collectors.joining(", "));
    }

    /**
     * The concurrency key the runs of a trigger with a policy other than {@link #ALLOW_ALL} and no key of its own hold.
     *
     * @param trigger the trigger's name
     * @return {@code nvent-trigger/<trigger>}
     */
    public static String keyOf(String trigger) {
        return KEY_PREFIX + trigger;
    }
}
