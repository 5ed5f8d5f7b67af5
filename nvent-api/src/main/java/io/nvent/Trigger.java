package io.nvent;

import jakarta.enterprise.inject.Stereotype;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Starts the flow of the annotated entry step when the trigger fires. Several flows may declare
 * a trigger of the same name; one fire then starts each of them. On a class that is a step of
 * several flows (a repeated {@link FlowStep}), the trigger starts every flow the class is the entry
 * step of, and none it is a later step of; a class that is the entry step of none of its flows
 * cannot carry a trigger.
 *
 * <pre>{@code
 * @FlowStep(flow = "daily-report", name = "generate", role = StepRole.ENTRY)
 * @Trigger(name = "every-morning", type = TriggerType.SCHEDULE, cron = "0 9 * * MON-FRI", timezone = "Europe/Paris")
 * @Trigger(name = "every-90-s", type = TriggerType.SCHEDULE, every = "PT90S")
 * @Trigger(name = "nightly", type = TriggerType.SCHEDULE, cron = "0 2 * * *", misfire = Misfire.FIRE_ONCE, misfireGrace = "PT6H",
 *          labels = {"nightly", "billing"}, runTimeout = "PT2H", overlap = Overlap.SKIP,
 *          exclude = {"--12-25", "calendar:uk-bank-holidays"})
 * @Trigger(name = "eu-orders", type = TriggerType.EVENT, event = "order.placed", filter = "{\"region\":\"eu\"}")
 * @Trigger(name = "orders-hook", type = TriggerType.WEBHOOK, concurrencyKeyFrom = "/customerId", concurrencyLimit = 2)
 * @Trigger(name = "crm-sync", type = TriggerType.EVENT, event = "customer.updated", debounce = "PT30S",
 *          debounceKeyFrom = "/customerId", debounceMax = "PT5M")
 * public class GenerateReport implements Step<Map<String, Object>, Void> { ... }
 * }</pre>
 *
 * <p>The fire's payload (the webhook body, the event payload, {@code {"scheduledAt": ...}}) is
 * the run's input. An invalid cron expression, interval or misfire grace, or a schedule with both or
 * neither, fails the deployment.
 *
 * <p>It is a stereotype (of no scope) only so that a class carrying it without {@link FlowStep} is
 * discovered in {@code annotated} bean-discovery mode too, and fails the deployment naming the class
 * instead of doing nothing.
 *
 * @since 0.1
 */
@Stereotype
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Repeatable(Triggers.class)
public @interface Trigger {

    /**
     * Unique trigger name.
     *
     * @return the name, following {@link TriggerSpec#NAME_RULE}
     */
    String name();

    /**
     * How it fires.
     *
     * @return the trigger type
     */
    TriggerType type();

    /**
     * For {@link TriggerType#SCHEDULE}: 5 cron fields, or 6 with seconds first. Give this or {@link #every()}.
     *
     * @return the cron expression; empty for none
     */
    String cron() default "";

    /**
     * For {@link TriggerType#SCHEDULE}: an interval as an ISO-8601 duration, such as {@code "PT90S"} or
     * {@code "PT36H"}; a whole number of seconds, at least one. Give this or {@link #cron()}. The ticks fall
     * on multiples of the interval since 1970-01-01T00:00:00Z, whatever the {@link #timezone()}.
     *
     * @return the interval; empty for none
     * @see TriggerSpec#every()
     */
    String every() default "";

    /**
     * Time zone of {@link #cron()}.
     *
     * @return a zone id such as {@code "Europe/Paris"}; UTC by default
     */
    String timezone() default "UTC";

    /**
     * For {@link TriggerType#EVENT}: the event name.
     *
     * @return the event name; empty for none
     */
    String event() default "";

    /**
     * For {@link TriggerType#EVENT}: a JSON object, such as {@code "{\"region\":\"eu\"}"}; the trigger
     * then fires only for events whose payload contains each of its members with an equal value (nested
     * objects as subsets, numbers by value). Empty for every event. Text that is not a JSON object, one
     * that gives a member twice in one object, or a filter on another type, fails the deployment.
     *
     * @return the filter as JSON text; empty for none
     * @see TriggerSpec#filter()
     */
    String filter() default "";

    /**
     * For {@link TriggerType#SCHEDULE}: what a start does with the ticks that fell while no instance ran,
     * such as {@code misfire = Misfire.SKIP} for a schedule whose late run would do harm. A deployment
     * that changes it fires nothing by that change alone. On another type, anything but the default
     * fails the deployment.
     *
     * @return the policy; {@link Misfire#INHERIT}, the deployment's {@code nvent.triggers.misfire}, by default
     * @see TriggerSpec#misfire()
     * @since 0.2
     */
    Misfire misfire() default Misfire.INHERIT;

    /**
     * For {@link TriggerType#SCHEDULE}: a missed tick older than this does not fire, as an ISO-8601
     * duration such as {@code "PT1H"}: whole seconds, at least {@code PT1S}, at most
     * {@link TriggerSpec#MAX_MISFIRE_GRACE}. Another value, or a grace on another type, fails the
     * deployment.
     *
     * @return the grace; empty, the deployment's {@code nvent.triggers.misfire-grace}, by default
     * @see TriggerSpec#misfireGrace()
     * @since 0.2
     */
    String misfireGrace() default "";

    /**
     * A key every run the trigger starts holds, so that they take turns, one at a time, as runs started
     * with {@link StartOptions#concurrencyKey()} do. A key is one for the whole deployment, not per flow:
     * a trigger of several flows starts each fire's runs with the same key, so they take turns too. Given
     * with {@link #concurrencyKeyFrom()} or {@link #concurrencyKeyPrefix()}, or invalid as a start's key, it
     * fails the deployment.
     *
     * @return the key; empty for none
     * @see TriggerSpec#concurrencyKey()
     * @since 0.2
     */
    String concurrencyKey() default "";

    /**
     * An RFC 6901 JSON Pointer, such as {@code "/customerId"}, to each fire's concurrency key in its
     * payload: the fires with one value there start runs that take turns. A fire whose payload holds
     * no usable key there starts nothing ({@link ConcurrencyKeyNotInPayloadException} lists what is
     * refused; a webhook answers 422). Invalid pointer syntax, or a pointer on a schedule, fails the
     * deployment.
     *
     * @return the pointer; empty for none
     * @see TriggerSpec#concurrencyKeyFrom()
     * @since 0.2
     */
    String concurrencyKeyFrom() default "";

    /**
     * Put before the key read with {@link #concurrencyKeyFrom()}, such as {@code "invoices:"}, so that
     * two triggers reading the same ids keep their keys apart; taken as written, spaces included. Without
     * a pointer, or longer than {@link StartOptions#MAX_CONCURRENCY_KEY_LENGTH} {@code - 1} characters (it
     * leaves room for the value read), it fails the deployment.
     *
     * @return the prefix; empty for none
     * @see TriggerSpec#concurrencyKeyPrefix()
     * @since 0.2
     */
    String concurrencyKeyPrefix() default "";

    /**
     * How many runs of one of the trigger's keys may be under way at a time, across all instances, as with
     * {@link StartOptions.Builder#concurrencyKey(String, int)}: 1 (the default: one at a time) to
     * {@value StartOptions#MAX_CONCURRENCY_LIMIT}. With a {@link #concurrencyKeyFrom()} it is per key read, each
     * customer's runs up to so many at a time. Out of range, or above 1 without {@link #concurrencyKey()} or
     * {@link #concurrencyKeyFrom()}, it fails the deployment.
     *
     * @return the limit; 1 by default
     * @see TriggerSpec#concurrencyLimit()
     * @since 0.2
     */
    int concurrencyLimit() default 1;

    /**
     * Labels every run the trigger starts carries ({@link StartOptions#labels()}), to find them by: at most
     * {@value StartOptions#MAX_LABELS}, each 1 to {@value StartOptions#MAX_LABEL_LENGTH} characters without control
     * characters or surrounding white space. A label that breaks a rule fails the deployment. A fire whose
     * options give labels too starts its runs with both ({@link TriggerSpec#labelsWith}).
     *
     * @return the labels; none by default
     * @see TriggerSpec#labels()
     * @since 0.2
     */
    String[] labels() default {};

    /**
     * How long each run the trigger starts may take, start to end, as ISO-8601 text such as {@code "PT2H"}: every run
     * of its fires gets this deadline ({@link StartOptions#timeout()}), over the flow's own
     * ({@link FlowStep#runTimeoutMs()}); a fire whose options give a timeout starts its runs with that one. Text that
     * is no duration, or a duration that is not positive or longer than {@link StartOptions#LONGEST_RUN_TIMEOUT},
     * fails the deployment naming the trigger.
     *
     * @return the timeout; empty for the flow's own
     * @see TriggerSpec#runTimeout()
     * @since 0.2
     */
    String runTimeout() default "";

    /**
     * What a fire does while a run the trigger started is still under way, such as {@code overlap = Overlap.SKIP} for a
     * nightly export whose next tick must not start a second export beside a slow one (Quartz's
     * {@code @DisallowConcurrentExecution}): skip it, keep one waiting, let each wait its turn, cancel the run under
     * way, or start side by side. It applies to every fire of the trigger; ticks fired late (missed, backfilled) take
     * turns. A policy other than {@link Overlap#ALLOW_ALL} with a {@link #concurrencyLimit()} above 1 fails the
     * deployment.
     *
     * @return the policy; {@link Overlap#ALLOW_ALL}, runs side by side as before 0.2, by default
     * @see TriggerSpec#overlap()
     * @since 0.2
     */
    Overlap overlap() default Overlap.ALLOW_ALL;

    /**
     * For schedules: the ticks it does not fire at, such as bank holidays and a release freeze:
     * {@code exclude = {"2026-12-25", "--12-26", "2026-12-20/2027-01-04", "calendar:uk-bank-holidays"}}. Each rule is a
     * date, a day of every year ({@code --MM-DD}), an inclusive range of dates, {@code cron:<expression>} (the minutes
     * it matches) or {@code calendar:<name>} (an {@link ExclusionCalendar} bean), matched on the tick's local date in
     * {@link #timezone()}. An excluded tick starts nothing and is recorded as {@code trigger.skipped}. A rule in none of
     * these forms, more than 100, exclusions on another type of trigger, or a calendar no bean names fails the
     * deployment.
     *
     * @return the rules; none by default
     * @see TriggerSpec#exclude()
     * @since 0.2
     */
    String[] exclude() default {};

    /**
     * For event, webhook and manual triggers: a burst of fires of one key starts one run of each flow, with the latest
     * payload, once the key has been quiet this long, as ISO-8601 text such as {@code "PT30S"} (see {@link Debounce}).
     * Whole seconds from {@code PT1S} to {@code P7D}; text that is no such duration, or a debounce on a schedule, fails
     * the deployment naming the trigger ({@code NVENT-0239}).
     *
     * @return the quiet period; empty for a run per fire
     * @see TriggerSpec#debounce()
     * @since 0.2
     */
    String debounce() default "";

    /**
     * With a {@link #debounce()}: an RFC 6901 JSON Pointer, such as {@code "/customerId"}, to the key each fire is
     * debounced by in its payload; each key gets its own run ({@link Debounce#keyFrom()}).
     *
     * @return the pointer; empty for one key for the whole trigger
     * @since 0.2
     */
    String debounceKeyFrom() default "";

    /**
     * With a {@link #debounce()}: the longest a key's run may be put off from its first fire, as ISO-8601 text such as
     * {@code "PT5M"}, at least the debounce ({@link Debounce#max()}).
     *
     * @return the bound; empty for none
     * @since 0.2
     */
    String debounceMax() default "";

    /**
     * For event, webhook and manual triggers: how many fires of one key start one run of each flow with all their
     * payloads, at once, 2 to 1000, with a {@link #batchWindow()} (see {@link Batch}); not with a {@link #debounce()}
     * ({@code NVENT-0254}).
     *
     * @return the batch size; 0 for a run per fire
     * @see TriggerSpec#batch()
     * @since 0.2
     */
    int batchMax() default 0;

    /**
     * With a {@link #batchMax()}: how long after a key's first fire its run starts if fewer came, as ISO-8601 text such
     * as {@code "PT10S"}, whole seconds from {@code PT1S} to {@code P1D} ({@code NVENT-0252}).
     *
     * @return the window; empty for a run per fire
     * @since 0.2
     */
    String batchWindow() default "";

    /**
     * With a {@link #batchMax()}: an RFC 6901 JSON Pointer, such as {@code "/userId"}, to the key each fire is batched
     * by in its payload; each key gets its own batch ({@link Batch#keyFrom()}).
     *
     * @return the pointer; empty for one batch for the whole trigger
     * @since 0.2
     */
    String batchKeyFrom() default "";

    /**
     * Shown in the UI.
     *
     * @return the description; empty by default
     */
    String description() default "";

    /**
     * Whether it fires from the start; operators can change it at run time.
     *
     * @return {@code true} by default
     */
    boolean enabled() default true;
}
