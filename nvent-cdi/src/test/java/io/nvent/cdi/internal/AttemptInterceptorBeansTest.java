package io.nvent.cdi.internal;

import static io.nvent.cdi.internal.CdiIntegrationTest.engineWith;
import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.FlowService;
import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.spi.AttemptInfo;
import io.nvent.spi.AttemptInterceptor;
import io.nvent.spi.AttemptScope;
import io.nvent.spi.StepHandOn;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.Test;

/** An attempt interceptor is a CDI bean; a {@code @Dependent} one lives as long as the engine, its end included. */
class AttemptInterceptorBeansTest {

    /** Counts the instances made and destroyed. */
    @jakarta.enterprise.context.Dependent
    public static class CountingInterceptor implements AttemptInterceptor {
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

        @Override
        public Map<String, String> capture(StepHandOn handOn) {
            return Map.of();
        }

        @Override
        public AttemptScope open(AttemptInfo attempt, Map<String, String> carried) {
            return AttemptScope.NONE;
        }
    }

    @FlowStep(flow = "greet", name = "hello", role = StepRole.ENTRY)
    public static class Hello implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aDependentInterceptorBeanIsMadeOnceForTheEngineAndDestroyedAsItStops() {
        CountingInterceptor.made.set(0);
        CountingInterceptor.destroyed.set(0);
        try (WeldContainer container = engineWith(Hello.class, CountingInterceptor.class).initialize()) {
            container.select(FlowService.class).get();
            assertThat(CountingInterceptor.destroyed).as("in use while the engine runs").hasValue(0);
        }
        assertThat(CountingInterceptor.made).hasValue(1);
        assertThat(CountingInterceptor.destroyed).as("its @PreDestroy ran as the engine stopped").hasValue(1);
    }
}
