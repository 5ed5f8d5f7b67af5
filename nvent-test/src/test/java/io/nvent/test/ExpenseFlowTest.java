package io.nvent.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.AwaitBefore;
import io.nvent.AwaitType;
import io.nvent.BackoffType;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.RunInfo;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The example of README's "Testing your flows", as written there (the test class), with its flow. */
class ExpenseFlowTest {

    static final class FakePayments {
        private final List<Integer> paid = new CopyOnWriteArrayList<>();

        void pay(int amount) {
            paid.add(amount);
        }

        List<Integer> paid() {
            return paid;
        }
    }

    static final class FakeMailer {
        private final AtomicBoolean failNext = new AtomicBoolean();

        FakeMailer failingOnce() {
            failNext.set(true);
            return this;
        }

        void send(String text) {
            if (failNext.getAndSet(false)) {
                throw new IllegalStateException("mail server away");
            }
        }
    }

    @FlowStep(flow = "expense", name = "submit", role = StepRole.ENTRY, emits = "expense.submitted")
    static class SubmitExpense implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> expense, StepContext ctx) {
            ctx.emit("expense.submitted", expense);
            return null;
        }
    }

    @FlowStep(flow = "expense", name = "pay", subscribes = "expense.submitted", emits = "expense.paid")
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 259_200_000)
    static class PayExpense implements Step<Map<String, Map<String, Object>>, Void> {
        private FakePayments payments;

        protected PayExpense() {                 // for the container's proxy
        }

        @Inject
        PayExpense(FakePayments payments) {
            this.payments = payments;
        }

        @Override
        public Void execute(Map<String, Map<String, Object>> input, StepContext ctx) {
            int amount = ((Number) input.get("expense.submitted").get("amount")).intValue();
            payments.pay(amount);
            ctx.emit("expense.paid", Map.of("amount", amount));
            return null;
        }
    }

    @FlowStep(flow = "expense", name = "notify", subscribes = "expense.paid", maxAttempts = 3,
            backoff = BackoffType.FIXED, backoffDelayMs = 3_600_000)
    static class NotifyEmployee implements Step<Map<String, Object>, Void> {
        private FakeMailer mailer;

        protected NotifyEmployee() {
        }

        @Inject
        NotifyEmployee(FakeMailer mailer) {
            this.mailer = mailer;
        }

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            mailer.send("your expense was paid");
            return null;
        }
    }

    FakePayments payments = new FakePayments();          // what the steps would get injected
    FakeMailer mailer = new FakeMailer().failingOnce();
    FlowTestEnvironment env = FlowTestEnvironment.newBuilder()
            .step(new SubmitExpense()).step(new PayExpense(payments)).step(new NotifyEmployee(mailer))
            .build();

    @AfterEach
    void close() {
        env.close();
    }

    @Test
    void anApprovedExpenseIsPaidAndTheEmployeeToldAfterTheMailRetry() {
        String runId = env.flows().start("expense", Map.of("amount", 42));
        env.resolveWebhook(runId, "{\"approvedBy\":\"manager\"}");   // as a call to the approval URL
        env.advanceTime(Duration.ofHours(1));                          // notify's retry after its backoff

        RunInfo run = env.awaitRun(runId, Duration.ofSeconds(5));

        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(payments.paid()).containsExactly(42);
        assertThat(env.history(runId)).extracting(HistoryEvent::type).contains(EventType.STEP_RETRY);
    }

    @Test
    void anExpenseNobodyApprovesFailsAfterThreeDays() {
        String runId = env.flows().start("expense", Map.of("amount", 42));
        env.advanceTime(Duration.ofDays(3));

        assertThat(env.awaitEnd(runId, Duration.ofSeconds(5)).status()).isEqualTo(RunStatus.FAILED);
        assertThat(payments.paid()).isEmpty();
    }
}
