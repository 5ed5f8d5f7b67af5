package io.nvent.demo;

import io.nvent.AwaitRegistered;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * Stands in for the mail or chat message a real application would send: it receives every
 * webhook-await URL through the {@link AwaitRegistered} hook, logs it and keeps the latest ones
 * for {@code GET /api/demo/approvals}.
 */
@ApplicationScoped
public class ApprovalRequests {

    private static final System.Logger LOG = System.getLogger(ApprovalRequests.class.getName());
    private static final int KEEP = 100;

    private final Deque<Map<String, String>> latest = new ArrayDeque<>();

    void onAwait(@Observes AwaitRegistered await) {
        await.webhookUrl().ifPresent(url -> {
            LOG.log(System.Logger.Level.INFO, "approval needed for run {0} ({1}): curl -X POST -H "
                    + "'Content-Type: application/json' -d '{\"approvedBy\":\"you\"}' {2}",
                    await.await().runId(), await.await().flow(), url);
            synchronized (latest) {
                latest.addFirst(Map.of("runId", await.await().runId(), "flow", await.await().flow(),
                        "step", await.await().step(), "url", url));
                while (latest.size() > KEEP) {
                    latest.removeLast();
                }
            }
        });
    }

    /** The latest approval requests, newest first. */
    public List<Map<String, String>> latest() {
        synchronized (latest) {
            return new ArrayList<>(latest);
        }
    }
}
