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

    @Test
    void saysSoWhenTheStoreKeepsNoInstances() {
        SchedulingStore memory = MemoryAdapters.schedulingStore();
        // a store written before 0.2: the memory store, but it says it keeps no instances
        SchedulingStore keepsNone = (SchedulingStore) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {SchedulingStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("keepsInstances")) {
                        return false;
                    }
                    try {
                        return method.invoke(memory, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        try (EmbeddedEngine web = EmbeddedEngine.newBuilder().schedulingStore(keepsNone).step(new Render()).build()) {
            JsonObject answer = json(InProcessApi.of(web.flows(), InstancesResource.class).get("instances"));

            assertThat(answer.getBoolean("kept")).isFalse();
            assertThat(answer.getString("detail")).contains("keeps no instance records");
        }
    }
}
