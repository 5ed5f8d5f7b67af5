package io.nvent.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.spi.AttemptInfo;
import io.nvent.spi.AttemptInterceptor;
import io.nvent.spi.AttemptScope;
import io.nvent.spi.StepHandOn;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** An interceptor given to the test environment sees the attempts, as a CDI bean of that type does in a container. */
class FlowTestEnvironmentInterceptorTest {

    @FlowStep(flow = "greeting", name = "greet", role = StepRole.ENTRY)
    public static class Greet implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            return "hello";
        }
    }

    @Test
    void anInterceptorGivenToTheEnvironmentSeesEachAttempt() {
        List<String> attempts = new CopyOnWriteArrayList<>();
        AttemptInterceptor recording = new AttemptInterceptor() {
            @Override
            public Map<String, String> capture(StepHandOn handOn) {
                return Map.of("traceparent", "from-the-test");
            }

            @Override
            public AttemptScope open(AttemptInfo attempt, Map<String, String> carried) {
                attempts.add(attempt.flow() + "/" + attempt.step() + "#" + attempt.attempt() + " " + carried);
                return AttemptScope.NONE;
            }
        };
        try (FlowTestEnvironment env = FlowTestEnvironment.newBuilder().step(new Greet()).interceptor(recording)
                .build()) {
            assertThat(env.startAndAwait("greeting", Map.of()).status()).isEqualTo(RunStatus.COMPLETED);

            assertThat(attempts).containsExactly("greeting/greet#1 {traceparent=from-the-test}");
        }
    }
}
