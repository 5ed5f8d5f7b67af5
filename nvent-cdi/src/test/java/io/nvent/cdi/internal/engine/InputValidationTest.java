package io.nvent.cdi.internal.engine;

import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.InvalidPayloadException;
import io.nvent.PayloadViolation;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import jakarta.json.bind.annotation.JsonbProperty;
import jakarta.validation.Valid;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Positive;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A run's input is checked against the Bean Validation constraints of the entry step's class at every start: a
 * broken one is refused before a run exists. A downstream step's input breaking its class's constraints fails the
 * step at once, without its retries.
 */
class InputValidationTest {

    public record Order(@NotBlank String id, @Positive long amountCents, @Email String email) {
    }

    @FlowStep(flow = "order", name = "take", role = StepRole.ENTRY)
    public static class TakeOrder implements Step<Order, String> {
        @Override
        public String execute(Order order, StepContext ctx) {
            return order.id();
        }
    }

    public record Login(@NotBlank String user, @jakarta.validation.constraints.Size(min = 12) String password) {
    }

    @FlowStep(flow = "login", name = "check", role = StepRole.ENTRY)
    public static class CheckLogin implements Step<Login, Void> {
        @Override
        public Void execute(Login login, StepContext ctx) {
            return null;
        }
    }

    /** {@code @Email} on an int: Hibernate Validator has no validator for it, and says so only when it validates. */
    public record Miscounted(@Email int count) {
    }

    @FlowStep(flow = "count", name = "tally", role = StepRole.ENTRY)
    public static class Tally implements Step<Miscounted, Void> {
        @Override
        public Void execute(Miscounted input, StepContext ctx) {
            return null;
        }
    }

    public record MiscountedParcel(@JsonbProperty("parcel.ready") @Valid Miscounted parcel) {
    }

    @FlowStep(flow = "recount", name = "emit", role = StepRole.ENTRY, emits = "parcel.ready")
    public static class EmitCount implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.emit("parcel.ready", input);
            return null;
        }
    }

    @FlowStep(flow = "recount", name = "retally", subscribes = "parcel.ready", maxAttempts = 3, backoffDelayMs = 10)
    public static class Retally implements Step<MiscountedParcel, Void> {
        @Override
        public Void execute(MiscountedParcel input, StepContext ctx) {
            return null;
        }
    }

    public record Note(String text) {
    }

    @FlowStep(flow = "note", name = "keep", role = StepRole.ENTRY)
    public static class KeepNote implements Step<Note, Void> {
        @Override
        public Void execute(Note note, StepContext ctx) {
            return null;
        }
    }

    static final Map<String, String> CHILD_REFUSALS = new ConcurrentHashMap<>();

    /** Starts a child run of "order" with the input it is given, and keeps what the start said. */
    @FlowStep(flow = "parent", name = "spawn", role = StepRole.ENTRY)
    public static class Spawn implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            try {
                ctx.startFlow("order", input);
            } catch (InvalidPayloadException refused) {
                CHILD_REFUSALS.put(ctx.runId(), refused.getMessage());
            }
            return null;
        }
    }

    public record Parcel(@Positive int weight) {
    }

    /** Named in JSON otherwise than in Java: on a record component, a field and a getter. */
    public record Shipment(@JsonbProperty("parcel.ready") @Valid Parcel parcel,
                           @JsonbProperty("line-items") java.util.List<@Valid Parcel> items, @Valid Address address) {
    }

    public static class Address {
        @NotBlank
        private String city;

        @JsonbProperty("ship-to-city")
        public String getCity() {
            return city;
        }

        @JsonbProperty("ship-to-city")
        public void setCity(String city) {
            this.city = city;
        }
    }

    @FlowStep(flow = "shipment", name = "book", role = StepRole.ENTRY)
    public static class Book implements Step<Shipment, Void> {
        @Override
        public Void execute(Shipment input, StepContext ctx) {
            return null;
        }
    }

    public record PackInput(@JsonbProperty("parcel.ready") @Valid Parcel parcel) {
    }

    @FlowStep(flow = "ship", name = "weigh", role = StepRole.ENTRY, emits = "parcel.ready")
    public static class Weigh implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.emit("parcel.ready", input);
            return null;
        }
    }

    @FlowStep(flow = "ship", name = "pack", subscribes = "parcel.ready", maxAttempts = 3, backoffDelayMs = 10)
    public static class Pack implements Step<PackInput, Void> {
        final AtomicInteger runs = new AtomicInteger();

        @Override
        public Void execute(PackInput input, StepContext ctx) {
            runs.incrementAndGet();
            return null;
        }
    }

    public record Shipping(@jakarta.validation.constraints.Future java.time.LocalDate shipOn) {
    }

    @FlowStep(flow = "dispatch", name = "send", role = StepRole.ENTRY)
    public static class Send implements Step<Shipping, String> {
        @Override
        public String execute(Shipping input, StepContext ctx) {
            return input.shipOn().toString();
        }
    }

    public record Refund(String id, @Positive long amountCents, @NotBlank String reason) {
    }

    @FlowStep(flow = "refund", name = "pay-back", role = StepRole.ENTRY)
    public static class PayBack implements Step<Refund, Void> {
        @Override
        public Void execute(Refund input, StepContext ctx) {
            return null;
        }
    }

    /** Starts a child run of "order" with the input it is given, and lets a refusal escape. */
    @FlowStep(flow = "strict-parent", name = "spawn", role = StepRole.ENTRY, maxAttempts = 3, backoffDelayMs = 10)
    public static class SpawnStrictly implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.startFlow("order", input);
            return null;
        }
    }

    /** Names its property in JSON on the getter of an interface. */
    public interface Named {
        @JsonbProperty("full-name")
        String getName();
    }

    public static class Person implements Named {
        @NotBlank
        private String name;

        @Override
        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }
    }

    @FlowStep(flow = "person", name = "greet", role = StepRole.ENTRY)
    public static class Greet implements Step<Person, Void> {
        @Override
        public Void execute(Person input, StepContext ctx) {
            return null;
        }
    }

    /** Hibernate Validator's, counting the inputs it validates. */
    private static final class CountingValidator {
        final AtomicInteger validations = new AtomicInteger();
        final Validator validator;

        CountingValidator() {
            Validator real = Validation.buildDefaultValidatorFactory().getValidator();
            validator = (Validator) Proxy.newProxyInstance(Validator.class.getClassLoader(),
                    new Class<?>[] {Validator.class}, (proxy, method, args) -> {
                        if (method.getName().equals("validate")) {
                            validations.incrementAndGet();
                        }
                        try {
                            return method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }
    }

    private static CountingValidator validating(EngineHarness h) {
        CountingValidator counting = new CountingValidator();
        h.engine.useInputConstraints(new BeanValidationConstraints(counting.validator, new Json(1024 * 1024)));
        return counting;
    }

    @Test
    void aStartWhoseInputBreaksTheEntryStepsConstraintsIsRefusedNamingEachViolationAndNoRunExists() {
        try (EngineHarness h = new EngineHarness(new TakeOrder())) {
            validating(h);

            assertThatThrownBy(() -> h.engine.start("order", Map.of("id", "A-1", "amountCents", -5, "email", "x")))
                    .isInstanceOf(InvalidPayloadException.class)
                    .hasMessage("NVENT-0204 input of flow 'order' for step 'take' is not valid: amountCents must be "
                            + "greater than 0; email must be a well-formed email address")
                    .satisfies(e -> assertThat(((InvalidPayloadException) e).violations()).containsExactly(
                            new PayloadViolation("amountCents", "must be greater than 0", "-5"),
                            new PayloadViolation("email", "must be a well-formed email address", "\"x\"")));
            assertThatThrownBy(() -> h.engine.startWithJson("order", "{\"id\":\" \",\"amountCents\":5}"))
                    .hasMessageEndingWith("is not valid: id must not be blank");

            assertThat(h.engine.runs(RunQuery.all())).isEmpty();
        }
    }

    @Test
    void aViolationIsReportedAtThePathOfTheJsonNamesTheSenderUsed() {
        try (EngineHarness h = new EngineHarness(new Book())) {
            validating(h);

            assertThatThrownBy(() -> h.engine.startWithJson("shipment", "{\"parcel.ready\":{\"weight\":0},"
                    + "\"line-items\":[{\"weight\":1},{\"weight\":-2}],\"address\":{\"ship-to-city\":\" \"}}"))
                    .isInstanceOf(InvalidPayloadException.class)
                    .satisfies(e -> assertThat(((InvalidPayloadException) e).violations())
                            .extracting(PayloadViolation::path)
                            .containsExactly("address.ship-to-city", "line-items[1].weight", "parcel.ready.weight"));
        }
    }

    @Test
    void aStartWhoseInputKeepsTheConstraintsStartsTheRun() {
        try (EngineHarness h = new EngineHarness(new TakeOrder())) {
            validating(h);

            String runId = h.engine.start("order", Map.of("id", "A-1", "amountCents", 500, "email", "a@b.io"));

            assertThat(h.awaitStatus(runId, RunStatus.COMPLETED).steps()).containsEntry("take", StepStatus.COMPLETED);
        }
    }

    @Test
    void aChildStartWithABrokenInputIsRefusedToTheStepThatStartsIt() {
        CHILD_REFUSALS.clear();
        try (EngineHarness h = new EngineHarness(new TakeOrder(), new Spawn())) {
            validating(h);

            String parent = h.engine.start("parent", Map.of("id", "A-1", "amountCents", 0));

            h.awaitStatus(parent, RunStatus.COMPLETED);
            assertThat(CHILD_REFUSALS).containsEntry(parent, "NVENT-0204 input of flow 'order' for step 'take' is not "
                    + "valid: amountCents must be greater than 0");
            assertThat(h.engine.runs(RunQuery.all())).extracting(RunInfo::flow).containsExactly("parent");
        }
    }

    @Test
    void aTriggerFireWithABrokenPayloadIsRefusedAndRecordedAsTheTriggersFailedFire() {
        try (EngineHarness h = new EngineHarness(new TakeOrder())) {
            validating(h);
            h.triggers.create(TriggerSpec.newBuilder("by-hand", TriggerType.MANUAL).flow("order").build());

            assertThatThrownBy(() -> h.triggers.fire("by-hand", "{\"id\":\"A-1\",\"amountCents\":-1}"))
                    .isInstanceOf(InvalidPayloadException.class)
                    .hasMessageContaining("amountCents must be greater than 0")
                    .satisfies(e -> assertThat(((InvalidPayloadException) e).violations())
                            .extracting(PayloadViolation::path).containsExactly("amountCents"));

            assertThat(h.triggers.history("by-hand", 1).get(0)).satisfies(failed -> {
                assertThat(failed.type()).isEqualTo("trigger.failed");
                assertThat(failed.data()).contains("amountCents must be greater than 0");
            });
            assertThat(h.engine.runs(RunQuery.all())).isEmpty();
        }
    }

    @Test
    void aDownstreamStepWhoseInputBreaksItsConstraintsFailsInItsFirstAttemptWithoutRetries() {
        Pack pack = new Pack();
        try (EngineHarness h = new EngineHarness(new Weigh(), pack)) {
            validating(h);

            String runId = h.engine.start("ship", Map.of("weight", -3));

            h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(h.eventsOf(runId, EventType.STEP_FAILED)).singleElement().satisfies(failed -> {
                assertThat(failed.attempt()).isEqualTo(1);
                assertThat(failed.data()).contains("NVENT-0417 input of step 'pack' of flow 'ship' in run " + runId
                        + " is not valid: parcel.ready.weight must be greater than 0", "\"retryable\":false");
            });
            assertThat(h.types(runId)).doesNotContain("step.retry");
            assertThat(pack.runs).as("the step's code never saw the input").hasValue(0);
        }
    }

    @Test
    void aFlowWhoseInputClassDeclaresNoConstraintsIsNotValidatedAtItsStarts() {
        try (EngineHarness h = new EngineHarness(new KeepNote(), new TakeOrder())) {
            CountingValidator counting = validating(h);

            for (int i = 0; i < 3; i++) {
                h.awaitStatus(h.engine.start("note", Map.of("text", "n" + i)), RunStatus.COMPLETED);
            }
            assertThat(counting.validations).as("the note flow's inputs").hasValue(0);

            h.awaitStatus(h.engine.start("order", Map.of("id", "A-1", "amountCents", 1)), RunStatus.COMPLETED);
            assertThat(counting.validations).as("the order's input: at its start, not again at its entry step's "
                    + "attempt").hasValue(1);
        }
    }

    @Test
    void aRefusedValueIsGivenToTheCallerInTheViolationsButNeverInTheMessageThatLogsAndHistoriesKeep() {
        try (EngineHarness h = new EngineHarness(new CheckLogin())) {
            validating(h);
            h.triggers.create(TriggerSpec.newBuilder("sign-in", TriggerType.MANUAL).flow("login").build());

            assertThatThrownBy(() -> h.triggers.fire("sign-in", "{\"user\":\"ann\",\"password\":\"hunter2\"}"))
                    .isInstanceOf(InvalidPayloadException.class)
                    .hasMessageEndingWith("input of flow 'login' for step 'check' is not valid: password size must be "
                            + "between 12 and 2147483647")
                    .hasMessageNotContaining("hunter2")
                    .satisfies(e -> assertThat(((InvalidPayloadException) e).violations()).containsExactly(
                            new PayloadViolation("password", "size must be between 12 and 2147483647",
                                    "\"hunter2\"", "login")));

            assertThat(h.triggers.history("sign-in", 1).get(0).data()).as("the fire's payload is kept, as any fire's")
                    .contains("\"error\":\"login: NVENT-0204 input of flow 'login' for step 'check' is not valid: "
                            + "password size must be between 12 and 2147483647\"");
        }
    }

    @Test
    void aStartWhoseEntryClassDeclaresAConstraintThatCannotBeCheckedIsRefusedWithNventsMessageNamingTheClass() {
        try (EngineHarness h = new EngineHarness(new Tally())) {
            validating(h);

            assertThatThrownBy(() -> h.engine.start("count", Map.of("count", 3)))
                    .isExactlyInstanceOf(io.nvent.NventException.class)
                    .hasMessageStartingWith("NVENT-0448 the Bean Validation constraints of input of flow 'count' for "
                            + "step 'tally' (" + Miscounted.class.getName() + ") cannot be checked: ")
                    .hasMessageEndingWith("fix their declaration and redeploy")
                    .hasCauseInstanceOf(jakarta.validation.ValidationException.class);
            assertThat(h.engine.runs(RunQuery.all())).isEmpty();
        }
    }

    @Test
    void aDownstreamStepWhoseConstraintsCannotBeCheckedFailsInItsFirstAttemptWithoutRetries() {
        try (EngineHarness h = new EngineHarness(new EmitCount(), new Retally())) {
            validating(h);

            String runId = h.engine.start("recount", Map.of("count", 3));

            h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(h.eventsOf(runId, EventType.STEP_FAILED)).singleElement().satisfies(failed -> {
                assertThat(failed.attempt()).isEqualTo(1);
                assertThat(failed.data()).contains("NVENT-0448 the Bean Validation constraints of input of step "
                        + "'retally' in run " + runId, "\"retryable\":false");
            });
        }
    }

    @Test
    void aDelayedStartAcceptedWhileItsFutureDateWasAheadRunsItsEntryStepAfterTheDateHasPassed() {
        try (EngineHarness h = new EngineHarness(new Send())) {
            h.engine.useInputConstraints(BeanValidationConstraints.ofProvider(new Json(1024 * 1024), h.clock)
                    .orElseThrow());
            java.time.LocalDate tomorrow = java.time.LocalDate.now(h.clock).plusDays(1);
            assertThatThrownBy(() -> h.engine.start("dispatch", Map.of("shipOn", tomorrow.minusDays(2).toString())))
                    .as("judged by the engine's clock at the door").isInstanceOf(InvalidPayloadException.class);

            String runId = h.engine.start("dispatch", Map.of("shipOn", tomorrow.toString()),
                    io.nvent.StartOptions.delayed(java.time.Duration.ofDays(3))).runId();
            h.clock.advance(java.time.Duration.ofDays(3));
            h.sweep();

            assertThat(h.awaitStatus(runId, RunStatus.COMPLETED).steps()).containsEntry("send", StepStatus.COMPLETED);
            assertThat(h.types(runId)).doesNotContain("step.failed");
        }
    }

    @Test
    void aFireRefusedByEachOfItsTriggersFlowsSaysWhichFlowRefusedWhat() {
        try (EngineHarness h = new EngineHarness(new TakeOrder(), new PayBack())) {
            validating(h);
            h.triggers.create(TriggerSpec.newBuilder("paid", TriggerType.MANUAL)
                    .flows(java.util.List.of("order", "refund")).build());

            assertThatThrownBy(() -> h.triggers.fire("paid", "{\"id\":\"A-1\",\"amountCents\":-1}"))
                    .isInstanceOf(InvalidPayloadException.class)
                    .hasMessage("NVENT-0204 trigger 'paid' started no run: order: NVENT-0204 input of flow 'order' for "
                            + "step 'take' is not valid: amountCents must be greater than 0; refund: NVENT-0204 input of"
                            + " flow 'refund' for step 'pay-back' is not valid: amountCents must be greater than 0; "
                            + "reason must not be blank")
                    .satisfies(e -> assertThat(((InvalidPayloadException) e).violations()).containsExactly(
                            new PayloadViolation("amountCents", "must be greater than 0", "-1", "order"),
                            new PayloadViolation("amountCents", "must be greater than 0", "-1", "refund"),
                            new PayloadViolation("reason", "must not be blank", "null", "refund")));
            assertThat(h.engine.runs(RunQuery.all())).isEmpty();
        }
    }

    @Test
    void aChildStartRefusedForItsInputThatTheStepLetsEscapeFailsTheParentStepWithoutItsRetries() {
        try (EngineHarness h = new EngineHarness(new TakeOrder(), new SpawnStrictly())) {
            validating(h);

            String parent = h.engine.start("strict-parent", Map.of("id", "A-1", "amountCents", 0));

            h.awaitStatus(parent, RunStatus.FAILED);
            assertThat(h.eventsOf(parent, EventType.STEP_FAILED)).singleElement().satisfies(failed -> {
                assertThat(failed.attempt()).as("of 3").isEqualTo(1);
                assertThat(failed.data()).contains("NVENT-0453 step 'spawn' of flow 'strict-parent' in run " + parent
                        + " could not start flow 'order': NVENT-0204 input of flow 'order' for step 'take' is not "
                        + "valid: amountCents must be greater than 0; the step gives the same input at every attempt",
                        "\"retryable\":false");
            });
            assertThat(h.types(parent)).doesNotContain("step.retry");
            assertThat(h.engine.runs(RunQuery.all())).extracting(RunInfo::flow).containsExactly("strict-parent");
        }
    }

    @Test
    void aPropertyNamedInJsonOnlyOnAnInterfacesGetterIsReportedByTheNameJsonBReadsItBy() {
        try (EngineHarness h = new EngineHarness(new Greet())) {
            validating(h);

            // JSON-B writes "full-name" (the interface's getter) but reads "name" (the class's setter): a sender writes
            // the name it reads, so that is the violation's path.
            assertThatThrownBy(() -> h.engine.startWithJson("person", "{\"name\":\" \"}"))
                    .isInstanceOf(InvalidPayloadException.class)
                    .satisfies(e -> assertThat(((InvalidPayloadException) e).violations())
                            .extracting(PayloadViolation::path).containsExactly("name"));
            assertThat(h.awaitStatus(h.engine.startWithJson("person", "{\"name\":\"Ada\"}"),
                    RunStatus.COMPLETED).flow()).isEqualTo("person");
        }
    }

    @Test
    void aRerunFromTheEntryStepOfARunWhoseInputBreaksTheConstraintsNowIsRefusedAsItsRestartIs() {
        try (EngineHarness h = new EngineHarness(new TakeOrder())) {
            // Started before the order's constraints were checked: its amount of 0 was taken then.
            String original = h.engine.start("order", Map.of("id", "A-1", "amountCents", 0));
            h.awaitStatus(original, RunStatus.COMPLETED);
            validating(h);

            assertThatThrownBy(() -> h.engine.rerunFrom(original, "take"))
                    .isInstanceOf(InvalidPayloadException.class)
                    .hasMessage("NVENT-0204 input of flow 'order' for step 'take' is not valid: amountCents must be "
                            + "greater than 0");
            assertThat(h.engine.runs(RunQuery.all())).as("nothing started").extracting(RunInfo::runId)
                    .containsExactly(original);
        }
    }
}
