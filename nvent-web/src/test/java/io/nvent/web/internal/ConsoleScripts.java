package io.nvent.web.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The console's scripts read as text, for the tests that check what a browser-free build can see in them, and run in
 * Node.js, for the tests that run them against a fake DOM and server (skipped where no {@code node} is installed).
 */
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

    private static final Path NODE = Path.of("/usr/bin/node");

    /** What {@code node} with these arguments printed, failing unless it ended within a minute with status 0. */
    static String node(List<String> arguments) throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(NODE), "needs /usr/bin/node");
        List<String> command = new ArrayList<>();
        command.add(NODE.toString());
        command.addAll(arguments);
        Process node = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(node.waitFor(60, TimeUnit.SECONDS)).as("node ends").isTrue();
        assertThat(node.exitValue()).as(out).isZero();
        return out;
    }

    /**
     * The JSON object a harness under {@code src/test/resources/console/} printed last, run with the console's script
     * folder and {@code arguments}.
     */
    static JsonObject harness(String harness, String... arguments)
            throws IOException, InterruptedException, URISyntaxException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(ConsoleScripts.class.getResource("/console/" + harness).toURI()).toString());
        command.add(Path.of(ConsoleScripts.class.getResource("/META-INF/nvent-ui/js/ui.js").toURI()).getParent().toString());
        command.addAll(List.of(arguments));
        String out = node(command);
        return Json.createReader(new StringReader(out.substring(out.lastIndexOf('\n') + 1))).readObject();
    }
}
