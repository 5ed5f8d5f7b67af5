package io.nvent.web.internal.rest;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;
import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.UriInfo;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every operator request refuses a query parameter it does not take ({@code GET /flows?foo=1} answered
 * 200 as if the filter had been applied), while the public webhooks, await pages and probes take any.
 */
class KnownQueryParamsTest {

    @Test
    void operatorRequestsThatTakeNoParameterRefuseOne() {
        for (Method method : List.of(method(FlowsResource.class, "list"), method(FlowsResource.class, "get"),
                method(QueuesResource.class, "list"), method(TriggersResource.class, "list"),
                method(SessionResource.class, "get"), method(HealthResource.class, "report"))) {
            assertThatThrownBy(() -> requested(method, "foo", "1")).as(method.toString())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("NVENT-0775 query parameter \'foo\' is not one this request takes (it takes none)");
        }
        assertThatThrownBy(() -> requested(method(MetricsResource.class, "scrape"), "format", "x"))
                .hasMessageStartingWith("NVENT-0775 query parameter \'format\' is not one this request takes (it takes none)");
    }

    @Test
    void firingATriggerTakesLabelsRepeatedAndRefusesAnotherParameterNamingIt() {
        assertThatThrownBy(() -> requested(method(TriggersResource.class, "fire"), "concurrencyKey", "k"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0775 query parameter 'concurrencyKey' is not one this request takes (label, reason)");
        assertThatCode(() -> requested(method(TriggersResource.class, "fire"))).doesNotThrowAnyException();
        assertThatCode(() -> requested(method(TriggersResource.class, "fire"), "label", "a", "label", "b"))
                .doesNotThrowAnyException();
    }

    @Test
    void startingARunTakesItsParametersAndLabelsRepeatedNamingLabelOnce() {
        UriInfo query = uri("delay", "PT1M", "label", "a", "label", "b", "lable", "c");

        assertThatThrownBy(() -> QueryParams.onlyKnownRepeating(query, "label", "delay", "concurrencyKey",
                "concurrencyLimit"))
                .hasMessageStartingWith("NVENT-0775 query parameter 'lable' is not one this request takes (delay, "
                        + "concurrencyKey, concurrencyLimit, label)");
        assertThatCode(() -> QueryParams.onlyKnownRepeating(uri("delay", "PT1M", "label", "a", "label", "b"), "label",
                "delay", "concurrencyKey", "concurrencyLimit")).doesNotThrowAnyException();
    }

    @Test
    void everyMethodOfTheApplicationsResourcesChecksItsQueryUnlessItIsPublic() {
        List<Method> methods = new NventRestApplication().getClasses().stream()
                .filter(type -> type.isAnnotationPresent(jakarta.ws.rs.Path.class))
                .flatMap(type -> Arrays.stream(type.getDeclaredMethods()))
                .filter(method -> Arrays.stream(method.getAnnotations())
                        .anyMatch(a -> a.annotationType().isAnnotationPresent(jakarta.ws.rs.HttpMethod.class)))
                .toList();
        assertThat(methods).hasSizeGreaterThan(40);
        for (Method method : methods) {
            List<Object> filters = filtersOf(method);
            if (method.isAnnotationPresent(KnownQueryParams.TakesAnyQuery.class)) {
                assertThat(filters).as(method.toString()).isEmpty();
            } else {
                assertThat(filters).as(method.toString()).singleElement().isInstanceOf(KnownQueryParams.Check.class)
                        .extracting(filter -> ((KnownQueryParams.Check) filter).known())
                        .isEqualTo(KnownQueryParams.names(method));
            }
        }
    }

    @Test
    void nventsApplicationChecksTheQueryOfEveryRequest() {
        assertThat(new NventRestApplication().getClasses()).contains(KnownQueryParams.class);
    }

    @Test
    void aRequestTakesTheParametersItsMethodDeclaresEachOnce() {
        assertThatCode(() -> requested(method(TriggersResource.class, "get"), "history", "20")).doesNotThrowAnyException();
        assertThatCode(() -> requested(method(RunsResource.class, "list"), "flow", "order", "status", "failed"))
                .doesNotThrowAnyException();
        assertThatCode(() -> requested(method(FlowsResource.class, "list"))).doesNotThrowAnyException();

        assertThatThrownBy(() -> requested(method(TriggersResource.class, "get"), "history", "20", "history", "5"))
                .hasMessageStartingWith("NVENT-0775 query parameter \'history\' is given 2 times");
        assertThatThrownBy(() -> requested(method(TriggersResource.class, "get"), "histroy", "20"))
                .hasMessageStartingWith("NVENT-0775 query parameter \'histroy\' is not one this request takes (history, types, after)");
    }

    @Test
    void theWebhooksAwaitPagesAndProbesTakeAnyQuery() {
        for (Method method : List.of(method(TriggersResource.class, "webhook"), method(AwaitsResource.class,
                "answerPage"), method(AwaitsResource.class, "webhook"), method(HealthResource.class, "live"),
                method(HealthResource.class, "ready"))) {
            assertThat(filtersOf(method)).as(method.toString()).isEmpty();
        }
    }

    private static Method method(Class<?> resource, String name) {
        return Arrays.stream(resource.getDeclaredMethods()).filter(m -> m.getName().equals(name))
                .filter(m -> m.isAnnotationPresent(GET.class) || m.isAnnotationPresent(POST.class)).findFirst()
                .orElseThrow();
    }

    /** The filters the feature registers for a resource method. */
    private static List<Object> filtersOf(Method method) {
        ResourceInfo resource = (ResourceInfo) Proxy.newProxyInstance(KnownQueryParamsTest.class.getClassLoader(),
                new Class<?>[] {ResourceInfo.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "getResourceMethod" -> method;
                    case "getResourceClass" -> method.getDeclaringClass();
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        List<Object> registered = new ArrayList<>();
        FeatureContext context = (FeatureContext) Proxy.newProxyInstance(KnownQueryParamsTest.class.getClassLoader(),
                new Class<?>[] {FeatureContext.class}, (proxy, m, args) -> {
                    registered.add(args[0]);
                    return proxy;
                });
        new KnownQueryParams().configure(resource, context);
        return registered;
    }

    /** A request's URI with these query parameters, as name, value, name, value …. */
    private static UriInfo uri(String... nameValues) {
        MultivaluedMap<String, String> query = new MultivaluedHashMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            query.add(nameValues[i], nameValues[i + 1]);
        }
        return (UriInfo) Proxy.newProxyInstance(KnownQueryParamsTest.class.getClassLoader(),
                new Class<?>[] {UriInfo.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "getQueryParameters" -> query;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    /** A request of that method with these query parameters, as name, value, name, value …. */
    private static void requested(Method method, String... nameValues) {
        UriInfo uri = uri(nameValues);
        ContainerRequestContext request = (ContainerRequestContext) Proxy.newProxyInstance(
                KnownQueryParamsTest.class.getClassLoader(), new Class<?>[] {ContainerRequestContext.class},
                (proxy, m, args) -> switch (m.getName()) {
                    case "getUriInfo" -> uri;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        for (Object filter : filtersOf(method)) {
            try {
                ((ContainerRequestFilter) filter).filter(request);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
