package io.nvent.web.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.EventType;
import io.nvent.RunStatus;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The console, read as text (no browser runs in the build), knows every status, role and history entry type the
 * API answers with: each gets its colour and its words rather than a bare grey entry.
 */
class ConsoleEnumsTest {

    private static final Pattern KEY = Pattern.compile("(?:'([^']+)'|([A-Za-z]+))\\s*:");
    private static final Pattern QUOTED = Pattern.compile("'([^']+)'");

    @Test
    void theRunPageColoursEveryTypeOfHistoryEntryAndDescribesEachInWords() throws IOException {
        String runs = console("js/views/runs.js");
        List<String> types = Arrays.stream(EventType.values()).map(EventType::wireName).toList();

        assertThat(keys(between(runs, "const TYPE_CLASS = {", "};"))).containsExactlyInAnyOrderElementsOf(types);
        assertThat(between(runs, "function describe(ev)", "\n}\n"))
                .contains(types.stream().map(type -> "case '" + type + "'").toList());
    }

    @Test
    void theRunListFiltersByEveryStatusARunHasAndABadgeColoursEachAndEveryStatusOfAStep() throws IOException {
        List<String> statuses = Arrays.stream(RunStatus.values()).map(RunStatus::wireName).toList();

        assertThat(quoted(between(console("js/views/runs.js"), "const STATUSES = [", "];")))
                .containsExactlyInAnyOrderElementsOf(statuses);
        String css = console("app.css");
        for (String status : statuses) {
            assertThat(css).as("the badge of a %s run", status).containsPattern("\\.badge\\." + status + "[ ,]");
        }
        for (StepStatus status : StepStatus.values()) {
            assertThat(css).as("the badge of a %s step", status).containsPattern("\\.badge\\." + status.wireName() + "[ ,]");
        }
    }

    @Test
    void theFlowPageAndItsGraphNameTheRoleOfEveryStep() throws IOException {
        List<String> roles = Arrays.stream(StepRole.values()).map(role -> role.name().toLowerCase(Locale.ROOT)).toList();

        assertThat(keys(between(console("js/graph.js"), "export const ROLE_NOTE = {", "};")))
                .containsExactlyInAnyOrderElementsOf(roles);
        assertThat(console("js/graph.js")).as("the graph's step boxes").contains("ROLE_NOTE[n.role]");
        assertThat(console("js/views/flows.js")).as("the flow page's step table").contains("ROLE_NOTE[s.role]");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theTriggerPageColoursEveryTypeOfTriggerHistoryEntryTheApiDocuments() throws IOException {
        Map<String, Object> document;
        try (InputStream in = ConsoleEnumsTest.class.getResourceAsStream("/META-INF/nvent/openapi.yaml")) {
            document = new Yaml().load(in);
        }
        Map<String, Object> schemas = (Map<String, Object>) ((Map<String, Object>) document.get("components")).get("schemas");
        Map<String, Object> entry = (Map<String, Object>) ((Map<String, Object>) schemas.get("TriggerEvent")).get("properties");
        List<String> types = (List<String>) ((Map<String, Object>) entry.get("type")).get("x-extensible-enum");
        String triggers = console("js/views/triggers.js");

        assertThat(keys(between(triggers, "const HISTORY_CLASS = {", "};"))).containsExactlyInAnyOrderElementsOf(types);
        assertThat(between(triggers, "const describe = (e) => {", "const renderHistory")).contains(
                types.stream().filter(type -> !type.equals("trigger.misfire-settings")).map(type -> "case '" + type + "'")
                        .toList());
    }

    private static String console(String file) throws IOException {
        try (InputStream in = ConsoleEnumsTest.class.getResourceAsStream("/META-INF/nvent-ui/" + file)) {
            assertThat(in).as(file).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String between(String script, String start, String end) {
        int from = script.indexOf(start);
        assertThat(from).as(start).isNotNegative();
        int to = script.indexOf(end, from + start.length());
        assertThat(to).as(end + " after " + start).isPositive();
        return script.substring(from + start.length(), to);
    }

    /** The keys of a JavaScript object literal's body: quoted, or bare names. */
    private static List<String> keys(String literal) {
        List<String> keys = new ArrayList<>();
        Matcher matcher = KEY.matcher(literal);
        while (matcher.find()) {
            keys.add(matcher.group(1) != null ? matcher.group(1) : matcher.group(2));
        }
        return keys;
    }

    private static List<String> quoted(String literal) {
        List<String> values = new ArrayList<>();
        Matcher matcher = QUOTED.matcher(literal);
        while (matcher.find()) {
            values.add(matcher.group(1));
        }
        return values;
    }
}
