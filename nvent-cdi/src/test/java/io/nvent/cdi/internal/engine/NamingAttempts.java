package io.nvent.cdi.internal.engine;

import io.nvent.spi.AttemptInfo;
import io.nvent.spi.AttemptInterceptor;
import io.nvent.spi.AttemptScope;
import java.util.Map;

/**
 * Names each attempt's scope as a tracer names its span, {@code "spanId":"<step>#<attempt>"} ({@link AttemptScope#trace}),
 * so that a test reads which attempt the entry ending it names.
 */
final class NamingAttempts implements AttemptInterceptor {

    /** The {@code trace} field of the entry ending attempt {@code attempt} of {@code step}, as the entry holds it. */
    static String traceOf(String step, int attempt) {
        return "\"trace\":{\"spanId\":\"" + step + "#" + attempt + "\"}";
    }

    @Override
    public AttemptScope open(AttemptInfo attempt, Map<String, String> carried) {
        return new AttemptScope() {
            @Override
            public Map<String, String> trace() {
                return Map.of("spanId", attempt.step() + "#" + attempt.attempt());
            }

            @Override
            public void close() {
            }
        };
    }
}
