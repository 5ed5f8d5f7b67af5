package io.nvent.cdi.internal;

import static io.nvent.cdi.internal.CdiIntegrationTest.engineWith;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nvent.ExclusionCalendar;
import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerService;
import io.nvent.TriggerType;
import java.time.DayOfWeek;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.Test;

/** A named exclusion calendar is a CDI bean that triggers name; a name no bean gives fails the deployment. */
class ExclusionCalendarBeansTest {

    /** Excludes Monday to Thursday: the team pays on Fridays only. */
    @jakarta.enterprise.context.ApplicationScoped
    public static class FridaysOnly implements ExclusionCalendar {
        @Override
        public String name() {
            return "fridays-only";
        }

        @Override
        public boolean excludes(ZonedDateTime tick) {
            return tick.getDayOfWeek().compareTo(DayOfWeek.FRIDAY) < 0;
        }
    }

    /** The same as a {@code @Dependent} bean, counting the instances made and destroyed. */
    @jakarta.enterprise.context.Dependent
    public static class DependentFridaysOnly extends FridaysOnly {
        static final AtomicInteger made = new AtomicInteger();
        static final AtomicInteger destroyed = new AtomicInteger();

        @jakarta.annotation.PostConstruct
        void made() {
            made.incrementAndGet();
        }

        @jakarta.annotation.PreDestroy
        void destroyed() {
            destroyed.incrementAndGet();
        }
    }

    @FlowStep(flow = "payroll", name = "pay", role = StepRole.ENTRY)
    @Trigger(name = "payroll", type = TriggerType.SCHEDULE, cron = "0 6 * * MON-FRI", timezone = "Europe/London",
            exclude = "calendar:fridays-only")
    public static class Pay implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "payroll", name = "pay", role = StepRole.ENTRY)
    @Trigger(name = "payroll", type = TriggerType.SCHEDULE, cron = "0 6 * * MON-FRI", exclude = "calendar:us-holidays")
    public static class PayOnUnknownCalendar implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aCalendarBeanExcludesTheTicksOfTheTriggersNamingIt() {
        try (WeldContainer container = engineWith(Pay.class, FridaysOnly.class).initialize()) {
            TriggerService triggers = container.select(TriggerService.class).get();

            assertThat(triggers.trigger("payroll").orElseThrow().nextFireAt()).hasValueSatisfying(next -> assertThat(
                    next.atZone(ZoneId.of("Europe/London")).getDayOfWeek()).isEqualTo(DayOfWeek.FRIDAY));
        }
    }

    @Test
    void aDependentCalendarBeanIsMadeOnceForTheEngineAndDestroyedAsItStops() {
        DependentFridaysOnly.made.set(0);
        DependentFridaysOnly.destroyed.set(0);
        try (WeldContainer container = engineWith(Pay.class, DependentFridaysOnly.class).initialize()) {
            TriggerService triggers = container.select(TriggerService.class).get();
            assertThat(triggers.trigger("payroll").orElseThrow().nextFireAt()).hasValueSatisfying(next -> assertThat(
                    next.atZone(ZoneId.of("Europe/London")).getDayOfWeek()).isEqualTo(DayOfWeek.FRIDAY));
            assertThat(DependentFridaysOnly.destroyed).as("in use while the engine runs").hasValue(0);
        }
        assertThat(DependentFridaysOnly.made).hasValue(1);
        assertThat(DependentFridaysOnly.destroyed).as("its @PreDestroy ran as the engine stopped").hasValue(1);
    }

    @Test
    void aTriggerNamingACalendarNoBeanGivesFailsTheDeploymentNamingTheKnownOnes() {
        assertThatThrownBy(() -> engineWith(PayOnUnknownCalendar.class, FridaysOnly.class).initialize().close())
                .hasStackTraceContaining("NVENT-0419 trigger 'payroll' excludes the ticks of"
                        + " calendar:us-holidays, but no ExclusionCalendar is named 'us-holidays' (known: fridays-only)")
                .hasStackTraceContaining("(@Trigger on " + PayOnUnknownCalendar.class.getName() + ")");
    }
}
