package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.MemoryAdapters;
import io.nvent.spi.SchedulingStore;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import org.glassfish.jersey.server.ContainerResponse;
import org.junit.jupiter.api.Test;

/** {@code GET /api/nvent/instances}: the instances sharing the store, each with the queues it takes. */
class InstancesResourceTest {

    @FlowStep(flow = "poster", name = "render", role = StepRole.ENTRY, queue = "render")
    public static class Render implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    private static JsonObject json(ContainerResponse response) {
        assertThat(response.getStatus()).isEqualTo(200);
        return Json.createReader(new StringReader((String) response.getEntity())).readObject();
    }

    @Test
    void listsTheLiveInstancesWithTheQueuesEachTakes() {
        SchedulingStore shared = MemoryAdapters.schedulingStore();
        try (EmbeddedEngine web = EmbeddedEngine.newBuilder().instanceId("web-1").schedulingStore(shared)
                .step(new Render()).concurrency("render", 0).build();
             EmbeddedEngine gpu = EmbeddedEngine.newBuilder().instanceId("gpu-1").schedulingStore(shared)
                     .step(new Render()).concurrency("render", 2).build()) {
            InProcessApi api = InProcessApi.of(web.flows(), InstancesResource.class);

            JsonObject answer = json(api.get("instances"));

            assertThat(answer.getBoolean("kept")).isTrue();
            assertThat(answer.getJsonArray("instances").getValuesAs(JsonObject.class))
                    .extracting(i -> i.getString("instanceId") + " " + i.getString("status") + " render="
                            + i.getJsonObject("queues").getInt("render") + " " + i.getBoolean("thisInstance"))
                    .containsExactlyInAnyOrder("web-1 live render=0 true", "gpu-1 live render=2 false");
            assertThat(answer.getJsonArray("untakenQueues")).isEmpty();
        }
    }

    /** {@code memory}, but answering {@code answer} to its method {@code name}. */
    private static SchedulingStore answering(SchedulingStore memory, String name, Object answer) {
        return (SchedulingStore) java.lang.reflect.Proxy.newProxyInstance(InstancesResourceTest.class.getClassLoader(),
                new Class<?>[] {SchedulingStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals(name)) {
                        return answer;
                    }
                    try {
                        return method.invoke(memory, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /**
     * A rolling upgrade: every entry says which build the start runs (commit, and the store schema it brings), from
     * its record; that of a start of an nvent from before, which kept neither, says null (not known).
     */
    @Test
    void everyInstanceSaysWhichBuildItRunsAndOneOfAnOlderNventThatItIsNotKnown() {
        SchedulingStore shared = MemoryAdapters.schedulingStore();
        // as the JPA store of a build whose migrations end at V45, over the same records as the memory one beside it
        SchedulingStore versioned = answering(shared, "schemaVersion", java.util.Optional.of("45"));
        try (EmbeddedEngine web = EmbeddedEngine.newBuilder().instanceId("web-1").schedulingStore(versioned)
                .step(new Render()).build();
             EmbeddedEngine memory = EmbeddedEngine.newBuilder().instanceId("memory-1").schedulingStore(shared)
                     .step(new Render()).build()) {
            // as an instance of an nvent from before keeps its record: without its build
            shared.saveInstance(new io.nvent.spi.InstanceRecord("old-1", "t0", java.time.Instant.now(),
                    java.time.Instant.now(), java.util.Optional.empty(), "0.1.9", true, java.util.Map.of(), true));
            JsonObject fromMemory = json(InProcessApi.of(memory.flows(), InstancesResource.class).get("instances"));

            assertThat(entry(fromMemory, "web-1").getString("storeSchema")).as("another start's, from its record")
                    .isEqualTo("45");
            assertThat(entry(fromMemory, "web-1").get("commit")).as("one build").isEqualTo(entry(fromMemory,
                    "memory-1").get("commit"));
            if (java.nio.file.Files.isDirectory(java.nio.file.Path.of("..", ".git"))) { // else built from a tarball
                assertThat(entry(fromMemory, "web-1").getString("commit")).matches("[0-9a-f]{7,}(-dirty)?");
            }
            assertThat(entry(fromMemory, "memory-1").getString("storeSchema")).as("a store without a versioned schema"
                    + " has none, which is known").isEqualTo("none");
            JsonObject fromWeb = json(InProcessApi.of(web.flows(), InstancesResource.class).get("instances"));
            assertThat(entry(fromWeb, "old-1").getString("version")).isEqualTo("0.1.9");
            assertThat(entry(fromWeb, "old-1").isNull("storeSchema")).as("not known").isTrue();
            assertThat(entry(fromWeb, "old-1").isNull("commit")).isTrue();
        }
    }

    private static JsonObject entry(JsonObject answer, String instanceId) {
        return answer.getJsonArray("instances").getValuesAs(JsonObject.class).stream()
                .filter(i -> i.getString("instanceId").equals(instanceId)).findFirst().orElseThrow();
    }

    @Test
    void saysSoWhenTheStoreKeepsNoInstances() {
        // a store written before 0.2: the memory store, but it says it keeps no instances
        SchedulingStore keepsNone = answering(MemoryAdapters.schedulingStore(), "keepsInstances", false);
        try (EmbeddedEngine web = EmbeddedEngine.newBuilder().schedulingStore(keepsNone).step(new Render()).build()) {
            JsonObject answer = json(InProcessApi.of(web.flows(), InstancesResource.class).get("instances"));

            assertThat(answer.getBoolean("kept")).isFalse();
            assertThat(answer.getString("detail")).contains("keeps no instance records");
        }
    }
}
