package io.nvent.cdi.internal.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.cdi.internal.Threads;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class QueueTimerTest {

    /** Deadlines the timer's check reports as still running; the check records when it ran. */
    private final List<Long> running = new CopyOnWriteArrayList<>();
    private final List<Long> checks = new CopyOnWriteArrayList<>();
    private final QueueTimer timer = new QueueTimer(Threads.daemonThreads("timer-test"), now -> {
        checks.add(now);
        running.removeIf(deadline -> deadline <= now);
        return running.stream().mapToLong(Long::longValue).min().orElse(QueueTimer.NONE);
    });

    @AfterEach
    void close() {
        timer.close();
    }

    @Test
    void actions_run_in_due_order_and_never_before_they_are_due() {
        List<String> ran = new CopyOnWriteArrayList<>();
        List<Long> early = new CopyOnWriteArrayList<>();
        long base = timer.now();
        for (int i = 5; i >= 1; i--) {
            long due = base + TimeUnit.MILLISECONDS.toNanos(40L * i);
            String name = "action-" + i;
            timer.schedule(due, () -> {
                if (timer.now() < due) {
                    early.add(due);
                }
                ran.add(name);
            });
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> ran.size() == 5);
        assertThat(ran).containsExactly("action-1", "action-2", "action-3", "action-4", "action-5");
        assertThat(early).isEmpty();
    }

    @Test
    void a_deadline_earlier_than_the_planned_check_gets_a_check_of_its_own() {
        long late = timer.after(Duration.ofMinutes(10));
        running.add(late);
        timer.watch(late);
        long soon = timer.after(Duration.ofMillis(100));
        running.add(soon);

        timer.watch(soon);

        await().atMost(Duration.ofSeconds(10)).until(() -> !running.contains(soon));
        assertThat(checks).singleElement().satisfies(at -> assertThat(at).isGreaterThanOrEqualTo(soon));
        assertThat(running).containsExactly(late);
    }

    @Test
    void deadlines_checked_before_a_later_planned_check_leave_that_one_check_waiting_not_one_more_each() {
        long late = timer.after(Duration.ofMinutes(10));
        running.add(late);
        timer.watch(late);

        for (int i = 0; i < 20; i++) {
            long soon = timer.after(Duration.ofMillis(5));
            running.add(soon);
            timer.watch(soon);
            await().atMost(Duration.ofSeconds(10)).until(() -> !running.contains(soon));
        }

        assertThat(checks).hasSize(20);
        assertThat(timer.waiting()).as("checks waiting, each of which would plan the next").isEqualTo(1);
    }

    @Test
    void a_deadline_later_than_the_planned_check_adds_no_check_and_the_planned_one_plans_its_check() {
        long first = timer.after(Duration.ofSeconds(1));
        running.add(first);
        timer.watch(first);
        // Far off, so that the first deadline's check, however late a loaded machine runs it, finds this one running.
        long later = timer.after(Duration.ofMinutes(10));
        running.add(later);

        timer.watch(later);

        assertThat(timer.waiting()).as("checks waiting: the first deadline's only").isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> !running.contains(first) && timer.plannedCheck() == later);
        assertThat(checks).as("the first deadline's check, which planned the later one's").hasSize(1);
        assertThat(timer.waiting()).as("checks waiting: the later deadline's").isEqualTo(1);
        assertThat(running).containsExactly(later);
    }

    @Test
    void delays_too_long_to_add_to_the_clock_are_capped_rather_than_overflowing() {
        assertThat(timer.after(Duration.ofSeconds(Long.MAX_VALUE))).isGreaterThan(timer.now());
        assertThat(timer.after(Duration.ZERO)).isGreaterThanOrEqualTo(0);
    }
}
