package io.nvent.demo;

import io.nvent.AwaitRegistered;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Stands in for the mail or chat message a real application would send: it receives every
 * webhook-await URL through the {@link AwaitRegistered} hook, logs it and keeps the latest ones
 * for {@code GET /api/demo/approvals}.
 */
@ApplicationScoped
public class ApprovalRequests {

    private static final System.Logger LOG = System.getLogger(ApprovalRequests.class.getName());
    private static final int KEEP = 100;

    private final Deque<ApprovalRequest> latest = new ArrayDeque<>();

    void onAwait(@Observes AwaitRegistered await) {
        await.webhookUrl().ifPresent(url -> {
            LOG.log(System.Logger.Level.INFO, "approval needed for run {0} ({1}): curl -X POST -H "
                    + "'Content-Type: application/json' -d '{\"approvedBy\":\"you\"}' {2}",
                    await.await().runId(), await.await().flow(), url);
            synchronized (latest) {
                latest.addFirst(new ApprovalRequest(await.await().runId(), await.await().flow(),
                        await.await().step(), url, Instant.now()));
                while (latest.size() > KEEP) {
                    latest.removeLast();
                }
            }
        });
    }

    /** The latest approval requests, newest first. */
    public List<ApprovalRequest> latest() {
        synchronized (latest) {
            return new ArrayList<>(latest);
        }
    }
}
