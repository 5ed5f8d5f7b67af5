package io.nvent;

import jakarta.enterprise.inject.Stereotype;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Holds back the effects of the annotated {@link FlowStep} after it completes: the events it
 * emitted reach their subscribers only when the await resolves (e.g. an approval webhook arrives).
 * The resolution data is recorded in the {@code await.resolved} event.
 *
 * <pre>{@code
 * @FlowStep(flow = "expense", name = "pay", subscribes = "expense.submitted")
 * @AwaitAfter(type = AwaitType.WEBHOOK, timeoutMs = 86_400_000, timeoutAction = TimeoutAction.FAIL)
 * public class Pay implements Step<Map<String, Object>, Void> { ... }
 * }</pre>
 *
 * <p>On a class that is a step of several flows (a repeated {@link FlowStep}), the await applies
 * to its step in each of them.
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
public @interface AwaitAfter {

    /**
     * What to wait for.
     *
     * @return the await type
     */
    AwaitType type();

    /**
     * For {@link AwaitType#TIME}: how long, in milliseconds.
     *
     * @return milliseconds; {@code 0} by default
     */
    long delayMs() default 0;

    /**
     * For {@link AwaitType#SCHEDULE}: a 5-field cron expression, or 6 fields with seconds first.
     *
     * @return the cron expression; empty for none
     */
    String cron() default "";

    /**
     * Time zone of {@link #cron()}.
     *
     * @return a zone id such as {@code "Europe/Paris"}; UTC by default
     */
    String timezone() default "UTC";

    /**
     * For {@link AwaitType#EVENT}: the event name.
     *
     * @return the event name; empty for none
     */
    String event() default "";

    /**
     * For {@link AwaitType#EVENT}: a top-level field; only events whose payload has the same value
     * in it as the step's result, or where that has no such field the run's input, resolve this
     * run's await. Empty: any such event resolves it.
     *
     * @return the field name; empty for none
     */
    String filterKey() default "";

    /**
     * Time to wait at most, in milliseconds; {@code 0} takes the configured default. A negative
     * value fails the deployment, as a negative {@link FlowStep#timeoutMs()} does.
     *
     * @return milliseconds, or {@code 0} for {@code nvent.await.timeout-ms} (webhook and event awaits)
     */
    long timeoutMs() default 0;

    /**
     * What happens on timeout.
     *
     * @return {@link TimeoutAction#FAIL} by default
     */
    TimeoutAction timeoutAction() default TimeoutAction.FAIL;

    /**
     * With {@link TimeoutAction#RETRY}: how many times a timed-out await is registered again before
     * its timeout fails the step (and the run); {@code 0} fails at the first timeout. {@code -1}
     * takes the configured default {@code nvent.await.timeout-retries} (3).
     *
     * @return re-registrations, or {@code -1} for the configured default
     */
    int timeoutRetries() default -1;
}
