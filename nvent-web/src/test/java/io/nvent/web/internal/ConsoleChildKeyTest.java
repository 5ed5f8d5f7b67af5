package io.nvent.web.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console's run page reads a child run's key nvent made ({@code nvent-child/<run>/<step>/[retried-<m>/]
 * attempt-<n>/<flow>/<k>}) into words: the pattern {@code keyFact} in {@code runs.js} uses, checked here
 * with Java's regular expressions, which read it as JavaScript does.
 */
class ConsoleChildKeyTest {

    private static Pattern keyFactPattern() throws IOException {
        try (InputStream in = ConsoleChildKeyTest.class.getResourceAsStream("/META-INF/nvent-ui/js/views/runs.js")) {
            assertThat(in).as("runs.js").isNotNull();
            String script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            Matcher literal = Pattern.compile("const m = /(\\^nvent-child.*\\$)/\\.exec\\(key\\);").matcher(script);
            assertThat(literal.find()).as("keyFact's pattern in runs.js").isTrue();
            return Pattern.compile(literal.group(1));
        }
    }

    private static String[] parts(String key) throws IOException {
        Matcher m = keyFactPattern().matcher(key);
        assertThat(m.matches()).as(key).isTrue();
        return new String[] {m.group(1), m.group(2), m.group(3), m.group(4), m.group(5), m.group(6)};
    }

    @Test
    void aKeyMadeAfterOperatorRetriesNamesTheStepAndHowManyRetriesCameBefore() throws IOException {
        assertThat(parts("nvent-child/r-1/charge/retried-2/attempt-1/refund/3"))
                .containsExactly("r-1", "charge", "2", "1", "refund", "3");
    }

    @Test
    void aKeyMadeWithoutRetriesNamesTheStepAndItsAttempt() throws IOException {
        assertThat(parts("nvent-child/r-1/charge/attempt-2/refund/1"))
                .containsExactly("r-1", "charge", null, "2", "refund", "1");
        assertThat(parts("nvent-child/r-1/ship/label/attempt-1/print/1")).as("a step name with a slash")
                .containsExactly("r-1", "ship/label", null, "1", "print", "1");
    }
}
