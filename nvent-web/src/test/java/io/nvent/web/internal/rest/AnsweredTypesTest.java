package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The types a request is answered with are those of the resource methods its method and path select. */
class AnsweredTypesTest {

    private static final List<Class<?>> API = List.of(AwaitsResource.class, OpenApiResource.class,
            WebProblemMapper.class);

    @Test
    void anAwaitsPageIsHtmlWhereTheListOfAwaitsIsJson() {
        assertThat(AnsweredTypes.of(API, "GET", "awaits/a-token")).containsExactly("text/html");
        assertThat(AnsweredTypes.of(API, "HEAD", "/awaits/a-token/")).containsExactly("text/html");
        assertThat(AnsweredTypes.of(API, "GET", "awaits")).containsExactly("application/json");
        assertThat(AnsweredTypes.of(API, "POST", "awaits/id/await-1/resolve")).containsExactly("application/json");
    }

    @Test
    void theOpenApiDocumentIsYamlAndAPathNoMethodHasAnswersNothing() {
        assertThat(AnsweredTypes.of(API, "GET", "openapi.yaml")).containsExactly("application/yaml");
        assertThat(AnsweredTypes.of(API, "GET", "openapi.yamlx")).isEmpty();
        assertThat(AnsweredTypes.of(API, "DELETE", "awaits")).isEmpty();
    }
}
