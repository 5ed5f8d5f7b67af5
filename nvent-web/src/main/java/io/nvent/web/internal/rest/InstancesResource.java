package io.nvent.web.internal.rest;

import io.nvent.ClusterInstance;
import io.nvent.FlowService;
import io.nvent.Instances;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.spi.JsonProvider;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Locale;

/**
 * The instances sharing the store ({@link FlowService#instances()}): which are live, since when, with which build
 * (version, commit, and the store schema it brings: a rolling upgrade's old and new builds side by side), which queues
 * each takes, and the queues with waiting jobs that no live instance takes. An operator read: it needs the admin role,
 * as the rest of the API.
 */
@ApplicationScoped
@Path("instances")
@Produces(MediaType.APPLICATION_JSON)
public class InstancesResource {

    private static final JsonProvider JSON = Representations.JSON;

    @Inject
    FlowService flows;

    @GET
    public String list() {
        Instances instances = flows.instances();
        JsonArrayBuilder all = JSON.createArrayBuilder();
        instances.instances().forEach(instance -> all.add(instance(instance, instances.schemaVersioned())));
        JsonArrayBuilder untaken = JSON.createArrayBuilder();
        instances.untakenQueues().forEach((queue, waiting) -> untaken.add(JSON.createObjectBuilder()
                .add("queue", queue).add("waiting", waiting)));
        JsonObjectBuilder answer = JSON.createObjectBuilder().add("kept", instances.kept())
                .add("instances", all).add("untakenQueues", untaken);
        if (!instances.kept()) {
            answer.add("detail", "the scheduling store keeps no instance records (an adapter written before nvent 0.2):"
                    + " which instances run, and which queues they take, is not known");
        }
        return answer.build().toString();
    }

    /** What {@code storeSchema} says on a store without a versioned schema (the memory store): there is none. */
    static final String NO_SCHEMA = "none";

    private static JsonObjectBuilder instance(ClusterInstance instance, boolean schemaVersioned) {
        JsonObjectBuilder queues = JSON.createObjectBuilder();
        instance.queues().forEach(queues::add);
        JsonObjectBuilder json = JSON.createObjectBuilder().add("instanceId", instance.instanceId())
                .add("startToken", instance.startToken())
                .add("status", instance.status().name().toLowerCase(Locale.ROOT))
                .add("startedAt", instance.startedAt().toString()).add("lastSeen", instance.lastSeen().toString());
        instance.stoppedAt().ifPresent(at -> json.add("stoppedAt", at.toString()));
        json.add("version", instance.version());
        // null: not known (a build without its git repository, or the record of an nvent from before they were kept):
        // every entry has both fields. On a store without a versioned schema there is none to know: "none", not null.
        instance.commit().ifPresentOrElse(commit -> json.add("commit", commit), () -> json.addNull("commit"));
        instance.storeSchema().ifPresentOrElse(schema -> json.add("storeSchema", schema), () -> {
            if (schemaVersioned) {
                json.addNull("storeSchema");
            } else {
                json.add("storeSchema", NO_SCHEMA);
            }
        });
        return json.add("engineEnabled", instance.engineEnabled())
                .add("ticksTriggers", instance.ticksTriggers()).add("queues", queues)
                .add("thisInstance", instance.thisInstance());
    }
}
