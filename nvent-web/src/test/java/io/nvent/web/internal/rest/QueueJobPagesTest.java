package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.FlowStep;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.spi.JobRequest;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.ws.rs.core.Link;
import java.io.StringReader;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.glassfish.jersey.server.ContainerResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GET /api/nvent/queues/{queue}/jobs}: a full page links the next one by a cursor after its last job, so that
 * a console paging deep into a backlog of dead letters reads one page a time and sees each job once while jobs
 * arrive; {@code offset=} still pages the costly way.
 */
class QueueJobPagesTest {

    /** A step on the queue "mail", whose jobs the tests enqueue themselves on the paused queue. */
    @FlowStep(flow = "newsletter", name = "mail", role = StepRole.ENTRY, queue = "mail")
    public static class Mail extends EngineOverRest.DoesNothing {
    }

    /** A step on the queue "sms", another queue of the same engine. */
    @FlowStep(flow = "alert", name = "sms", role = StepRole.ENTRY, queue = "sms")
    public static class Sms extends EngineOverRest.DoesNothing {
    }

    @RegisterExtension
    final EngineOverRest rest = EngineOverRest.queues(EmbeddedEngine.newBuilder().step(new Mail()).step(new Sms()));
    private final EmbeddedEngine engine = rest.engine;
    private final InProcessApi api = rest.api;

    @BeforeEach
    void aPausedQueueOverRest() {
        engine.pauseQueue("mail");
    }

    @Test
    void followingTheNextLinksListsEveryJobOnceNewestFirstWhileNewJobsArrive() {
        enqueue("old-", 5);
        List<String> listed = new ArrayList<>();

        ContainerResponse page = api.get("queues/mail/jobs?state=waiting&limit=2");
        int pages = 1;
        while (true) {
            assertThat(page.getStatus()).isEqualTo(200);
            JsonObject body = body(page);
            body.getJsonArray("jobs").getValuesAs(JsonObject.class).forEach(job -> listed.add(job.getString("jobId")));
            enqueue("new-" + pages + "-", 1);
            Link next = page.getLink("next");
            if (next == null) {
                assertThat(body.isNull("next")).as("no next in the body either").isTrue();
                break;
            }
            assertThat(body.getString("next")).as("the body's next is the link's cursor")
                    .isEqualTo(cursorOf(next.getUri()));
            page = api.get(next.getUri().toString().substring("http://localhost/api/nvent/".length()));
            pages++;
        }

        assertThat(listed).containsExactly("old-5", "old-4", "old-3", "old-2", "old-1");
        assertThat(pages).isEqualTo(3);
    }

    @Test
    void anOffsetStillPagesWithoutANextAndACursorWithAnOffsetOrNotMadeByTheListIsRefusedSayingWhatToDo() {
        enqueue("job-", 3);

        JsonObject byOffset = body(api.get("queues/mail/jobs?state=waiting&offset=1&limit=1"));
        String cursor = body(api.get("queues/mail/jobs?state=waiting&limit=1")).getString("next");
        ContainerResponse both = api.get("queues/mail/jobs?state=waiting&offset=1&after=" + cursor);
        ContainerResponse garbled = api.get("queues/mail/jobs?state=waiting&after=%25%25");
        ContainerResponse foreign = api.get("queues/mail/jobs?state=waiting&after="
                + JobCursors.of("mail", "waiting", "i42"));

        assertThat(byOffset.getJsonArray("jobs").getValuesAs(JsonObject.class)).extracting(job -> job.getString("jobId"))
                .containsExactly("job-2");
        assertThat(byOffset.isNull("next")).isTrue();
        assertThat(both.getStatus()).isEqualTo(400);
        assertThat(problem(both)).contains("NVENT-1111", "'offset' (1) and 'after'", "give one");
        assertThat(garbled.getStatus()).isEqualTo(400);
        assertThat(problem(garbled)).contains("NVENT-0774", "'after'", "header of the job list");
        assertThat(foreign.getStatus()).isEqualTo(400);
        assertThat(problem(foreign)).contains("NVENT-1110", "'after'", "NVENT-0466", "'i42'");
    }

    @Test
    void aCursorOfAnotherQueueOrStateIsRefusedSayingWhoseItIsInsteadOfListingAnotherPage() {
        enqueue("job-", 3);
        String ofWaitingMail = body(api.get("queues/mail/jobs?state=waiting&limit=1")).getString("next");

        ContainerResponse otherState = api.get("queues/mail/jobs?state=failed&after=" + ofWaitingMail);
        ContainerResponse otherQueue = api.get("queues/sms/jobs?state=waiting&after=" + ofWaitingMail);

        assertThat(otherState.getStatus()).isEqualTo(400);
        assertThat(problem(otherState)).contains("NVENT-1112", "queue 'mail' in state waiting",
                "not of queue 'mail' in state failed");
        assertThat(otherQueue.getStatus()).isEqualTo(400);
        assertThat(problem(otherQueue)).contains("NVENT-1112", "queue 'mail' in state waiting",
                "not of queue 'sms' in state waiting");
        assertThat(body(api.get("queues/mail/jobs?state=waiting&limit=5&after=" + ofWaitingMail))
                .getJsonArray("jobs").getValuesAs(JsonObject.class)).extracting(job -> job.getString("jobId"))
                .as("the cursor still pages its own list").containsExactly("job-2", "job-1");
    }

    private void enqueue(String prefix, int count) {
        for (int i = 1; i <= count; i++) {
            engine.queue().enqueue(JobRequest.of("mail", prefix + i, "mail", "{}"));
        }
    }

    private static String cursorOf(URI uri) {
        for (String parameter : uri.getRawQuery().split("&")) {
            if (parameter.startsWith("after=")) {
                return parameter.substring("after=".length());
            }
        }
        throw new AssertionError("no cursor in " + uri);
    }

    private static JsonObject body(ContainerResponse response) {
        return Json.createReader(new StringReader((String) response.getEntity())).readObject();
    }

    private static String problem(ContainerResponse response) {
        return String.valueOf(response.getEntity());
    }
}
