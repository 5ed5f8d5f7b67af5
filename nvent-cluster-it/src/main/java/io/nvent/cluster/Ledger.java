package io.nvent.cluster;

import io.nvent.AwaitRegistered;
import io.nvent.StepContext;
import jakarta.annotation.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * What the test's steps write themselves, next to the engine's bookkeeping: one row per execution
 * of a step body in {@code cluster_ledger}, and the webhook URL of every approval in
 * {@code cluster_webhook}. The test creates both tables before the instances start and reads them
 * straight from the database. Rows carry the executing instance ({@code nvent.instance-id}).
 *
 * <p>Steps run outside any JTA transaction, so a row commits as soon as it is written: an
 * execution cut short by a crash still leaves its row behind, which is how the test sees a step
 * body that ran twice.
 */
@ApplicationScoped
public class Ledger {

    @Resource(lookup = ClusterDataSource.JNDI_NAME)
    DataSource dataSource;

    /** Records that the current step's body is executing on this instance. */
    public void executed(StepContext ctx, String detail) {
        write("insert into cluster_ledger (run_id, flow, step, attempt, instance, detail) values (?, ?, ?, ?, ?, ?)",
                ctx.runId(), ctx.flow(), ctx.step(), ctx.attempt(), instance(), detail);
    }

    /** The registration hook: keeps each webhook await's URL where the test can find it. */
    void onAwaitRegistered(@Observes AwaitRegistered registered) {
        registered.webhookUrl().ifPresent(url -> write(
                "insert into cluster_webhook (run_id, step, instance, url) values (?, ?, ?, ?)",
                registered.await().runId(), registered.await().step(), instance(), url));
    }

    private void write(String sql, Object... values) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement insert = connection.prepareStatement(sql)) {
            for (int i = 0; i < values.length; i++) {
                insert.setObject(i + 1, values[i]);
            }
            insert.executeUpdate();
        } catch (SQLException e) {
            // Failing the step makes a lost ledger row visible in the run instead of hiding it.
            throw new IllegalStateException("cannot write to the cluster ledger: " + e.getMessage(), e);
        }
    }

    private static String instance() {
        return ConfigProvider.getConfig().getOptionalValue("nvent.instance-id", String.class).orElse("unknown");
    }
}
