package io.nvent.web.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** The console's scripts read as text, for the tests that check what a browser-free build can see in them. */
final class ConsoleScripts {

    private ConsoleScripts() {
    }

    /** A script of the console, under {@code META-INF/nvent-ui/js/}. */
    static String js(String path) throws IOException {
        try (InputStream in = ConsoleScripts.class.getResourceAsStream("/META-INF/nvent-ui/js/" + path)) {
            assertThat(in).as(path).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The part of {@code script} from {@code start} up to the next {@code end}, failing if either is missing. */
    static String between(String script, String start, String end) {
        int from = script.indexOf(start);
        assertThat(from).as(start).isNotNegative();
        int to = script.indexOf(end, from + start.length());
        assertThat(to).as(end + " after " + start).isPositive();
        return script.substring(from, to);
    }

    /**
     * The top-level function of {@code script} that begins with {@code signature}, up to its closing brace at the start
     * of a line, failing if it is missing.
     */
    static String function(String script, String signature) {
        return between(script, signature, "\n}\n");
    }
}
