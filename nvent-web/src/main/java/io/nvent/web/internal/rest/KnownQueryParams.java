package io.nvent.web.internal.rest;

import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;
import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.MultivaluedMap;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every operator request refuses a query parameter its method does not take, and one given twice
 * (400, as {@link QueryParams#onlyKnown}): a misspelt filter must not list, or act on, what it was
 * meant to leave out. Each method takes the names of its {@link QueryParam} parameters; a method that
 * checked its parameters itself still does, to the same rule. The public webhooks, await pages and
 * probes ({@link TakesAnyQuery}) are left alone: their callers are other systems, whose URLs may carry
 * parameters of their own.
 */
public class KnownQueryParams implements DynamicFeature {

    /** Marks a method that answers whatever query its caller sends (see {@link KnownQueryParams}). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @interface TakesAnyQuery {
    }

    @Override
    public void configure(ResourceInfo resource, FeatureContext context) {
        Method method = resource.getResourceMethod();
        if (method == null || !method.getDeclaringClass().getPackageName().equals(getClass().getPackageName())
                || method.isAnnotationPresent(TakesAnyQuery.class)) {
            return;
        }
        context.register(new Check(names(method), repeatable(method)));
    }

    /** The query parameters a method takes. */
    static List<String> names(Method method) {
        return Arrays.stream(method.getParameters()).map(KnownQueryParams::name).flatMap(Optional::stream).toList();
    }

    /** The query parameters a method takes as a list: given once per value, such as a start's {@code label}. */
    static Set<String> repeatable(Method method) {
        return Arrays.stream(method.getParameters()).filter(p -> Collection.class.isAssignableFrom(p.getType()))
                .map(KnownQueryParams::name).flatMap(Optional::stream).collect(Collectors.toSet());
    }

    private static Optional<String> name(Parameter parameter) {
        return Optional.ofNullable(parameter.getAnnotation(QueryParam.class)).map(QueryParam::value);
    }

    /** Refuses a request whose query names another parameter than these, or one twice that is not repeatable. */
    record Check(List<String> known, Set<String> repeatable) implements ContainerRequestFilter {

        @Override
        public void filter(ContainerRequestContext request) {
            MultivaluedMap<String, String> query = request.getUriInfo().getQueryParameters();
            if (!known.contains(Operators.REASON) && query.containsKey(Operators.REASON)
                    && request.getProperty(ReasonHeader.FROM_HEADER) != null) {
                // the Nvent-Reason header's reason, which this method does not read, as it reads no other header
                query = new MultivaluedHashMap<>(query);
                query.remove(Operators.REASON);
            }
            QueryParams.onlyKnown(query, repeatable, known.toArray(String[]::new));
        }
    }
}
