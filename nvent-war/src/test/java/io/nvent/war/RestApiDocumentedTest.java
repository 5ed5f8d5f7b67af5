package io.nvent.war;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The table of README's "REST API" and the JAX-RS resources of nvent-web agree: every row names a
 * method and path a resource answers, with query parameters that method takes, and every resource
 * method has its row. A path renamed or added in the code, or a parameter dropped, without the README
 * following, fails here rather than in a user's curl.
 *
 * <p>A row's first cell holds one or more {@code `METHOD /api/nvent/path?param=&…`} separated by
 * {@code " , "}; a shorthand {@code `…/name`} takes the previous path with its last segment replaced
 * by {@code name}, and {@code `DELETE …`} the previous path with another method.
 */
class RestApiDocumentedTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** The web module's sources, whose JAX-RS resources ({@code *Resource.java} with a {@code @Path}) are read. */
    private static final Path RESOURCES = ROOT.resolve("nvent-web/src/main/java");
    private static final String BASE = "/api/nvent";
    private static final Pattern HTTP_METHOD = Pattern.compile("^\\s*@(GET|POST|PUT|DELETE|PATCH|HEAD)\\s*$");
    private static final Pattern PATH = Pattern.compile("^\\s*@Path\\(\"([^\"]*)\"\\)");
    private static final Pattern QUERY_PARAM = Pattern.compile("@QueryParam\\(\"([^\"]+)\"\\)");
    private static final Pattern DECLARATION = Pattern.compile("^\\s*(?:public |protected |private )?[\\w<>\\[\\],.? ]+\\s\\w+\\(");
    private static final Pattern CELL_ENDPOINT = Pattern.compile("`([^`]+)`");
    /** A request written out in prose or an example: {@code POST /api/nvent/runs/{runId}/cancel}, a curl's URL too. */
    private static final Pattern WRITTEN_REQUEST = Pattern.compile(
            "\\b(GET|POST|PUT|DELETE) (?:'?https?://[^/\\s]+)?(/api/nvent/[^\\s`?)'\",;]*)");

    @Test
    void everyEndpointOfTheReadmesTableIsAResourceMethodTakingTheParametersItShows() throws IOException {
        Map<String, Set<String>> routes = resourceMethods();
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, Set<String>> documented : documentedEndpoints().entrySet()) {
            Set<String> taken = routes.get(documented.getKey());
            if (taken == null) {
                wrong.add(documented.getKey() + ": no resource method answers it");
                continue;
            }
            Set<String> unknown = new TreeSet<>(documented.getValue());
            unknown.removeAll(taken);
            if (!unknown.isEmpty()) {
                wrong.add(documented.getKey() + ": takes no query parameter " + unknown + " (it takes " + taken + ")");
            }
        }
        assertThat(wrong).as("rows of README.md's REST API table that the JAX-RS resources contradict").isEmpty();
    }

    @Test
    void everyResourceMethodHasItsRowInTheReadmesTable() throws IOException {
        Set<String> missing = new TreeSet<>(resourceMethods().keySet());
        missing.removeAll(documentedEndpoints().keySet());
        assertThat(missing).as("resource methods of nvent-web that README.md's REST API table lacks").isEmpty();
    }

    @Test
    void everyRequestTheReadmeWritesOutAnywhereIsOneAResourceAnswers() throws IOException {
        List<Pattern> routes = resourceMethods().keySet().stream()
                .map(route -> Pattern.compile(Pattern.quote(route).replaceAll("\\{[^}]*}", "\\\\E[^/]+\\\\Q")))
                .toList();
        Matcher request = WRITTEN_REQUEST.matcher(Files.readString(ROOT.resolve("README.md")));
        Set<String> unanswered = new TreeSet<>();
        while (request.find()) {
            String written = request.group(1) + " " + request.group(2).replaceAll("[.:]+$", "");
            if (!written.contains("…") && routes.stream().noneMatch(route -> route.matcher(written).matches())) {
                unanswered.add(written);
            }
        }
        assertThat(unanswered).as("requests README.md writes out that no resource method of nvent-web answers")
                .isEmpty();
    }

    @Test
    void theShorthandsOfARowReadAsThePathsTheyStandFor() {
        assertThat(endpointsOfCell("`POST /api/nvent/queues/{queue}/pause` , `…/resume`").keySet())
                .containsExactly("POST /api/nvent/queues/{queue}/pause", "POST /api/nvent/queues/{queue}/resume");
        assertThat(endpointsOfCell("`PUT /api/nvent/queues/{queue}/concurrency` `{\"workers\": 2}` , `DELETE …`"))
                .containsOnlyKeys("PUT /api/nvent/queues/{queue}/concurrency",
                        "DELETE /api/nvent/queues/{queue}/concurrency");
        assertThat(endpointsOfCell("`GET /api/nvent/awaits?status=pending\\|all`"))
                .containsEntry("GET /api/nvent/awaits", Set.of("status"));
    }

    /** Each documented {@code METHOD path} with the query parameters its row's first cell shows. */
    private static Map<String, Set<String>> documentedEndpoints() throws IOException {
        Map<String, Set<String>> endpoints = new TreeMap<>();
        boolean inSection = false;
        for (String line : Files.readAllLines(ROOT.resolve("README.md"))) {
            if (line.startsWith("## ")) {
                inSection = line.equals("## REST API");
                continue;
            }
            if (inSection && line.startsWith("| `") && !line.startsWith("| `WS ")) {
                String firstCell = line.substring(2, line.indexOf(" | ", 2));
                endpointsOfCell(firstCell).forEach((endpoint, params) ->
                        endpoints.merge(endpoint, params, (a, b) -> {
                            Set<String> both = new TreeSet<>(a);
                            both.addAll(b);
                            return both;
                        }));
            }
        }
        assertThat(endpoints).as("rows of README.md's REST API table").hasSizeGreaterThan(30);
        return endpoints;
    }

    private static Map<String, Set<String>> endpointsOfCell(String cell) {
        Map<String, Set<String>> endpoints = new TreeMap<>();
        String method = null;
        String path = null;
        Matcher code = CELL_ENDPOINT.matcher(cell);
        while (code.find()) {
            String text = code.group(1).replace("\\|", "|");
            String query = "";
            int question = text.indexOf('?');
            if (question >= 0) {
                query = text.substring(question + 1);
                text = text.substring(0, question);
            }
            if (text.startsWith("…/")) {
                path = path.substring(0, path.lastIndexOf('/')) + text.substring(1);
            } else if (text.matches("[A-Z]+ …")) {
                method = text.substring(0, text.indexOf(' '));
            } else if (text.matches("[A-Z]+ /.*")) {
                method = text.substring(0, text.indexOf(' '));
                path = text.substring(text.indexOf(' ') + 1);
            } else {
                continue; // a body's example, not an endpoint
            }
            Set<String> params = new LinkedHashSet<>();
            for (String pair : query.split("&")) {
                if (!pair.isEmpty()) {
                    params.add(pair.contains("=") ? pair.substring(0, pair.indexOf('=')) : pair);
                }
            }
            endpoints.put(method + " " + path, params);
        }
        return endpoints;
    }

    /** Each resource method of nvent-web as {@code METHOD path}, with the query parameters it takes. */
    private static Map<String, Set<String>> resourceMethods() throws IOException {
        Map<String, Set<String>> routes = new TreeMap<>();
        try (Stream<Path> files = Files.walk(RESOURCES)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith("Resource.java")).sorted().toList()) {
                if (!Files.readString(file).contains("@Path(")) {
                    continue;
                }
                String classPath = null;
                String method = null;
                String methodPath = null;
                StringBuilder signature = null;
                for (String line : Files.readAllLines(file)) {
                    if (signature != null) {
                        signature.append(line);
                        if (line.contains("{") || line.trim().endsWith(";")) {
                            routes.put(method + " " + join(classPath, methodPath), queryParams(signature));
                            method = null;
                            methodPath = null;
                            signature = null;
                        }
                        continue;
                    }
                    Matcher path = PATH.matcher(line);
                    Matcher http = HTTP_METHOD.matcher(line);
                    if (path.find()) {
                        if (classPath == null) {
                            classPath = path.group(1);
                        } else {
                            methodPath = path.group(1);
                        }
                    } else if (http.find()) {
                        method = http.group(1);
                    } else if (DECLARATION.matcher(line).find() && !line.trim().startsWith("@")) {
                        if (method != null) {
                            signature = new StringBuilder(line);
                            if (line.contains("{")) {
                                routes.put(method + " " + join(classPath, methodPath), queryParams(signature));
                                method = null;
                                signature = null;
                            }
                        }
                        methodPath = method == null ? null : methodPath;
                    }
                }
            }
        }
        assertThat(routes).as("resource methods found in " + RESOURCES).hasSizeGreaterThan(30);
        return routes;
    }

    private static Set<String> queryParams(CharSequence signature) {
        Set<String> params = new TreeSet<>();
        Matcher param = QUERY_PARAM.matcher(signature);
        while (param.find()) {
            params.add(param.group(1));
        }
        return params;
    }

    private static String join(String classPath, String methodPath) {
        StringBuilder path = new StringBuilder(BASE);
        for (String part : new String[] {classPath, methodPath}) {
            if (part != null && !part.strip().replace("/", "").isEmpty()) {
                path.append('/').append(part.replaceAll("^/+|/+$", ""));
            }
        }
        return path.toString();
    }
}
