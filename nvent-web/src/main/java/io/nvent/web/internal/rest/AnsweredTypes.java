package io.nvent.web.internal.rest;

import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The media types the API answers a request with, read from the JAX-RS annotations of the resource
 * methods its method and path select. A runtime that refuses an {@code Accept} header (406) has matched
 * the path but tells no JAX-RS caller which method it found there, in Jersey and RESTEasy alike.
 */
final class AnsweredTypes {

    private static final Pattern PATH_PARAM = Pattern.compile("\\{[^}]*}");

    private AnsweredTypes() {
    }

    /**
     * The types, in the order the resources declare them.
     *
     * @param resources the application's classes (providers among them are skipped)
     * @param method the request's HTTP method ({@code HEAD} is answered by {@code GET})
     * @param path the request's path relative to the API, decoded
     */
    static Set<String> of(Collection<Class<?>> resources, String method, String path) {
        String selected = method.equals(HttpMethod.HEAD) ? HttpMethod.GET : method;
        String requested = trimmed(path);
        return resources.stream().filter(resource -> resource.isAnnotationPresent(Path.class))
                .flatMap(resource -> Arrays.stream(resource.getMethods())
                        .filter(candidate -> selected.equals(httpMethod(candidate).orElse(null)))
                        .filter(candidate -> template(resource, candidate).matcher(requested).matches())
                        .flatMap(candidate -> produced(candidate, resource)))
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    private static Optional<String> httpMethod(Method method) {
        return Arrays.stream(method.getAnnotations())
                .map(annotation -> annotation.annotationType().getAnnotation(HttpMethod.class))
                .filter(designator -> designator != null).map(HttpMethod::value).findFirst();
    }

    private static Pattern template(Class<?> resource, Method method) {
        String template = trimmed(resource.getAnnotation(Path.class).value()) + Optional.ofNullable(method
                .getAnnotation(Path.class)).map(sub -> "/" + trimmed(sub.value())).orElse("");
        StringBuilder regex = new StringBuilder();
        int last = 0;
        for (var parameter = PATH_PARAM.matcher(template); parameter.find(); last = parameter.end()) {
            regex.append(Pattern.quote(template.substring(last, parameter.start()))).append("[^/]+");
        }
        return Pattern.compile(regex.append(Pattern.quote(template.substring(last))).append("/?").toString());
    }

    private static Stream<String> produced(AnnotatedElement method, AnnotatedElement resource) {
        Produces produces = Optional.ofNullable(method.getAnnotation(Produces.class))
                .orElse(resource.getAnnotation(Produces.class));
        return produces == null ? Stream.empty() : Arrays.stream(produces.value())
                .flatMap(types -> Arrays.stream(types.split(","))).map(String::trim);
    }

    private static String trimmed(String path) {
        String withoutLeading = path.startsWith("/") ? path.substring(1) : path;
        return withoutLeading.endsWith("/") ? withoutLeading.substring(0, withoutLeading.length() - 1) : withoutLeading;
    }
}
