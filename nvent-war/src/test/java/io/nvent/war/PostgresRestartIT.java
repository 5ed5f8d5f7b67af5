package io.nvent.war;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.nvent.war.restart.LedgerFlow;
import io.nvent.war.restart.RestartProbe;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URL;
import java.nio.file.Path;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import org.awaitility.core.ConditionTimeoutException;
import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The demo with the JPA store on a real PostgreSQL, across a server restart: runs, their histories,
 * run state, triggers and a pending approval are still there after Payara Micro stopped and started
 * again, and the approval's webhook — sent before the restart — resumes the run after it.
 *
 * <p>PostgreSQL is the one named by {@code NVENT_TEST_JDBC_URL} ({@code _USER}, {@code _PASSWORD};
 * default user and password {@code postgres}) or an embedded one started by this JVM (zonky) on a
 * free port that stays fixed for the whole story. The deployment is the demo WAR with the store on
 * the demo's {@code java:app/nvent/PostgresDataSource}, whose connection settings a {@code web.xml}
 * in the deployment overrides (see {@link Database#webXml()}); the store's tables go to a schema of
 * their own per run of this test, and the test checks in that database itself that the awaits are
 * there. The deployment is not managed: the test deploys it, undeploys it (which stops
 * the Payara Micro process) and deploys it again (a new process on the same database). The steps are
 * ordered test methods because each Payara Micro start gets a new HTTP port, which Arquillian hands
 * to a method only once the deployment is up.
 */
@ExtendWith(ArquillianExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PostgresRestartIT {

    private static final String APP = "demo-on-postgres";
    private static final String CONFIG = "WEB-INF/classes/META-INF/microprofile-config.properties";
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(60);

    private static Database database;

    /** What the first server left behind, checked against the second. */
    private static Before before;

    private record Before(URI base, String orderRun, List<String> orderHistory, String ledgerRun,
                          List<String> ledgerHistory, String ledgerApproval, String expenseRun,
                          String expenseApproval, String balance) {
    }

    @ArquillianResource
    Deployer deployer;

    @Deployment(name = APP, managed = false, testable = false)
    static WebArchive demoOnPostgres() throws IOException {
        database = Database.start();
        WebArchive war = ShrinkWrap.createFromZipFile(WebArchive.class, new File(System.getProperty("nvent.war")))
                .addClasses(LedgerFlow.class, LedgerFlow.Open.class, LedgerFlow.Close.class, RestartProbe.class,
                        RestartProbe.RestartApplication.class)
                .setWebXML(new StringAsset(database.webXml()));
        // The demo's configuration, with the store moved to the demo's PostgreSQL datasource.
        Properties config = new Properties();
        try (InputStream in = war.get(CONFIG).getAsset().openStream()) {
            config.load(in);
        }
        config.setProperty("nvent.store.adapter", "jpa");
        config.setProperty("nvent.store.datasource", "java:app/nvent/PostgresDataSource");
        config.setProperty("nvent.store.schema", database.schema());
        StringWriter text = new StringWriter();
        config.store(text, "PostgresRestartIT: the demo's settings, store on PostgreSQL");
        war.delete(CONFIG);
        war.add(new StringAsset(text.toString()), CONFIG);
        return war;
    }

    @AfterAll
    static void stopDatabase() {
        if (database != null) {
            database.close();
        }
    }

    // ------------------------------------------------------------ the story, in order

    @Test
    @Order(1)
    void theDemoStartsOnPostgres() {
        deployer.deploy(APP);
    }

    @Test
    @Order(2)
    void flowsRunWithStateAndApprovalsAreLeftWaiting(@ArquillianResource @OperateOnDeployment(APP) URL base) {
        Http http = new Http(base);
        assertThat(http.get("api/restart/adapters").body()).as("store beans")
                .contains("JpaFlowStoreBean").contains("JpaSchedulingStoreBean");

        String order = start(http, "order", "{\"id\":\"R-1\",\"item\":\"book\",\"quantity\":2}");
        String ledger = start(http, "ledger", "{\"amount\":42}");
        String expense = start(http, "expense", "{\"amount\":7,\"employee\":\"ada\"}");
        awaitRun(http, order, "completed");
        awaitRun(http, ledger, "awaiting");
        awaitRun(http, expense, "awaiting");
        String ledgerApproval = approvalPathOf(http, ledger);
        String expenseApproval = approvalPathOf(http, expense);

        Http.Reply balance = http.get("api/restart/state/" + ledger + "/balance");
        assertThat(balance.status()).isEqualTo(200);
        assertThat(balance.json().getInt("amount")).isEqualTo(42);
        assertThat(pendingAwaitRuns(http)).contains(ledger, expense);
        assertThat(database.count("run_await where status = 'waiting'")).as("waiting awaits in PostgreSQL")
                .isGreaterThanOrEqualTo(2);
        assertThat(http.get("api/restart/threads").body()).as("what a timeout would report")
                .contains("at io.nvent.jms.");

        before = new Before(Http.loopback(URI.create(base.toExternalForm())), order, history(http, order), ledger,
                history(http, ledger), ledgerApproval, expense, expenseApproval, balance.body());
    }

    @Test
    @Order(3)
    void theServerRestarts() {
        assumeThat(before).as("the story before the restart").isNotNull();

        deployer.undeploy(APP);
        waitUntilDown(before.base());
        deployer.deploy(APP);
    }

    @Test
    @Order(4)
    void runsHistoriesStateTriggersAndPendingAwaitsSurviveTheRestart(
            @ArquillianResource @OperateOnDeployment(APP) URL base) {
        assumeThat(before).as("the story before the restart").isNotNull();
        Http http = new Http(base);
        assertThat(Http.loopback(URI.create(base.toExternalForm()))).as("a new server").isNotEqualTo(before.base());

        assertThat(http.get("api/nvent/runs/" + before.orderRun()).json().getString("status")).isEqualTo("completed");
        assertThat(history(http, before.orderRun())).isEqualTo(before.orderHistory());
        assertThat(http.get("api/nvent/runs/" + before.ledgerRun()).json().getString("status")).isEqualTo("awaiting");
        assertThat(history(http, before.ledgerRun())).isEqualTo(before.ledgerHistory());
        Http.Reply balance = http.get("api/restart/state/" + before.ledgerRun() + "/balance");
        assertThat(balance.status()).isEqualTo(200);
        try (JsonReader stored = Json.createReader(new StringReader(before.balance()))) {
            assertThat(balance.json()).isEqualTo(stored.readObject());
        }
        assertThat(pendingAwaitRuns(http)).contains(before.ledgerRun(), before.expenseRun());
        // Declared triggers were found in the database, not registered a second time.
        List<String> partnerOrderHistory = http.get("api/nvent/triggers/partner-order?history=100").json()
                .getJsonArray("history").getValuesAs(JsonObject.class).stream().map(e -> e.getString("type")).toList();
        assertThat(partnerOrderHistory).containsOnlyOnce("trigger.registered");
    }

    @Test
    @Order(5)
    void anApprovalSentBeforeTheRestartResumesItsRunAfterIt(@ArquillianResource @OperateOnDeployment(APP) URL base) {
        assumeThat(before).as("the story before the restart").isNotNull();
        Http http = new Http(base);
        Http anonymous = Http.anonymous(base);

        Http.Reply approved = anonymous.post(before.ledgerApproval(), "{\"approvedBy\":\"after-restart\"}");
        assertThat(approved.status()).as(approved.body()).isEqualTo(200);
        assertThat(anonymous.post(before.expenseApproval(), "{\"approvedBy\":\"boss\"}").status()).isEqualTo(200);

        awaitRun(http, before.ledgerRun(), "completed");
        awaitRun(http, before.expenseRun(), "completed");
        JsonObject closed = http.get("api/nvent/runs/" + before.ledgerRun() + "/events?types=step.completed").array()
                .getValuesAs(JsonObject.class).stream().filter(e -> e.getString("step").equals("close")).findFirst()
                .orElseThrow().getJsonObject("data").getJsonObject("result");
        assertThat(closed.getJsonObject("balance").getInt("amount")).as("state written before the restart")
                .isEqualTo(42);
        assertThat(closed.getString("openedBy")).isEqualTo("restart-it");
        assertThat(closed.getString("approval")).contains("after-restart");
        // Before the restart: open ran and close waits. (A start of open that the server's pool refused
        // at that moment adds a step.retry that does not count; the rest reads the same.)
        List<String> waiting = before.ledgerHistory().stream().map(e -> e.substring(e.indexOf(' ') + 1)).toList();
        assertThat(waiting).endsWith("step.started open", "emit open", "step.completed open", "await.registered close");
        int seq = before.ledgerHistory().size();
        List<String> resumed = new ArrayList<>(before.ledgerHistory());
        resumed.addAll(List.of((seq + 1) + " await.resolved close", (seq + 2) + " step.started close",
                (seq + 3) + " step.completed close", (seq + 4) + " flow.completed -"));
        assertThat(history(http, before.ledgerRun())).as("history continued without gaps").isEqualTo(resumed);
        assertThat(anonymous.post(before.ledgerApproval(), "{}").status()).as("a second approval").isEqualTo(409);
        assertThat(database.count("run_await where status = 'waiting' and run_id in ('" + before.ledgerRun() + "', '"
                + before.expenseRun() + "')")).isZero();
    }

    @Test
    @Order(6)
    void whileTheDatabaseRefusesConnectionsTheInstanceIsNotReadyAndAfterwardsItRecoversOnItsOwn(
            @ArquillianResource @OperateOnDeployment(APP) URL base) throws IOException {
        assumeThat(database.embedded()).as("takes only a PostgreSQL of its own away").isPresent();
        Http http = new Http(base);
        Http anonymous = Http.anonymous(base);
        assertThat(anonymous.get("api/nvent/health/ready").status()).isEqualTo(200);
        Optional<Console> console = Console.available() ? Optional.of(Console.open(URI.create(base.toExternalForm()),
                Http.ADMIN, Http.ADMIN_PASSWORD, Path.of("target", "screenshots"))) : Optional.empty();
        try {
            console.ifPresent(c -> {
                c.go("#/");
                c.until(() -> !c.find(By.id("health-banner")).isDisplayed());
            });

            database.refuseConnections(true);
            try {
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                        .until(() -> anonymous.get("api/nvent/health/ready").status() == 503);
                Http.Reply report = http.get("api/nvent/health");
                assertThat(report.status()).isEqualTo(503);
                JsonObject store = report.json().getJsonArray("checks").getValuesAs(JsonObject.class).stream()
                        .filter(c -> c.getString("name").equals("store")).findFirst().orElseThrow();
                assertThat(store.getString("status")).isEqualTo("DOWN");
                assertThat(store.getString("detail")).as("what failed, since when").contains("fails since");
                assertThat(anonymous.get("api/nvent/health/live").status()).as("no reason to restart the instance")
                        .isEqualTo(200);
                Http.Reply list = http.get("api/nvent/runs");
                assertThat(list.status()).as(list.body()).isEqualTo(503);
                assertThat(list.headers().firstValue("Retry-After")).hasValue("5");
                Http.Reply start = http.post("api/nvent/flows/order/runs", "{\"id\":\"R-X\",\"item\":\"pen\",\"quantity\":1}");
                assertThat(start.status()).as(start.body()).isEqualTo(503);
                console.ifPresent(c -> {
                    WebElement banner = c.awaitVisible(By.id("health-banner"));
                    assertThat(banner.getText()).startsWith("This instance is not ready.").contains("store: ")
                            .contains("fails since");
                    c.screenshot("pg-outage-banner");
                });
            } finally {
                database.refuseConnections(false);
            }

            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> anonymous.get("api/nvent/health/ready").status() == 200);
            console.ifPresent(c -> {
                c.until(() -> !c.find(By.id("health-banner")).isDisplayed());
            });
        } finally {
            console.ifPresent(Console::close);
        }
        String order = start(http, "order", "{\"id\":\"R-2\",\"item\":\"lamp\",\"quantity\":1}");
        awaitRun(http, order, "completed");
    }

    @Test
    @Order(7)
    void theServerStops() {
        deployer.undeploy(APP);
    }

    // ------------------------------------------------------------ helpers

    private static String start(Http http, String flow, String input) {
        Http.Reply reply = http.post("api/nvent/flows/" + flow + "/runs", input);
        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        return reply.json().getString("runId");
    }

    private static void awaitRun(Http http, String runId, String status) {
        try {
            await().atMost(RUN_TIMEOUT).pollInterval(Duration.ofMillis(200))
                    .until(() -> http.get("api/nvent/runs/" + runId).json().getString("status").equals(status));
        } catch (ConditionTimeoutException e) {
            // Say where the run stands: a CI failure leaves no server log behind.
            throw new AssertionError("run " + runId + " not " + status + " within " + RUN_TIMEOUT + ": "
                    + http.get("api/nvent/runs/" + runId).body() + "\nhistory:\n"
                    + String.join("\n", history(http, runId)) + "\nevents with their data:\n"
                    + http.get("api/nvent/runs/" + runId + "/events").body() + "\nthreads in nvent code:\n"
                    + http.get("api/restart/threads").body(), e);
        }
    }

    /** The history as {@code seq type step} lines. */
    private static List<String> history(Http http, String runId) {
        return http.get("api/nvent/runs/" + runId + "/events").array().getValuesAs(JsonObject.class).stream()
                .map(e -> e.getJsonNumber("seq").longValue() + " " + e.getString("type") + " "
                        + e.getString("step", "-"))
                .toList();
    }

    private static List<String> pendingAwaitRuns(Http http) {
        return http.get("api/nvent/awaits?status=pending").array().getValuesAs(JsonObject.class).stream()
                .map(a -> a.getString("runId")).toList();
    }

    /** The approval URL the demo's hook received, as a path on the server. */
    private static String approvalPathOf(Http http, String runId) {
        await().atMost(Duration.ofSeconds(20)).until(() ->
                !http.get("api/demo/approvals?runId=" + runId).array().isEmpty());
        String url = http.get("api/demo/approvals?runId=" + runId).array().getJsonObject(0).getString("url");
        return URI.create(url).getPath().substring(1);
    }

    /** Waits until the stopped server no longer accepts connections (its process has ended). */
    private static void waitUntilDown(URI base) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
            try {
                client.send(HttpRequest.newBuilder(base.resolve("api/nvent/flows")).timeout(Duration.ofSeconds(2))
                        .build(), HttpResponse.BodyHandlers.discarding());
                return false;
            } catch (ConnectException | HttpConnectTimeoutException refused) {
                return true;
            } catch (IOException stillGoingDown) {
                return false;
            }
        });
        // The HTTP listener closes before the process ends, and a new start while the old process still
        // holds the demo's H2 file and the broker's journal can fail to deploy the application (seen once).
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                .until(() -> ProcessHandle.current().descendants().noneMatch(ServerState::isPayaraMicro));
    }

    // ------------------------------------------------------------ the database

    /** The PostgreSQL of this test: external or embedded, with a schema of its own. */
    private record Database(String host, int port, String name, String user, String password, String schema,
                            Optional<EmbeddedPostgres> embedded) implements AutoCloseable {

        static Database start() {
            String schema = "restart_it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            String user = Optional.ofNullable(System.getenv("NVENT_TEST_JDBC_USER")).orElse("postgres");
            String password = Optional.ofNullable(System.getenv("NVENT_TEST_JDBC_PASSWORD")).orElse("postgres");
            String external = System.getenv("NVENT_TEST_JDBC_URL");
            if (external != null && !external.isBlank()) {
                // jdbc:postgresql://host[:port]/database[?...]
                URI uri = URI.create(external.trim().substring("jdbc:".length()));
                String path = uri.getPath() == null || uri.getPath().length() <= 1 ? "/postgres" : uri.getPath();
                return new Database(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), path.substring(1), user,
                        password, schema, Optional.empty());
            }
            try {
                EmbeddedPostgres embedded = EmbeddedPostgres.builder()
                        .setServerConfig("max_connections", "100")
                        .start();
                return new Database("localhost", embedded.getPort(), "postgres", "postgres", "postgres", schema,
                        Optional.of(embedded));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
            }
        }

        /**
         * A {@code web.xml} whose {@code data-source} overrides the connection settings of the demo's
         * {@code @DataSourceDefinition} of the same name (Jakarta EE: deployment descriptor values win
         * over the annotation's). The annotation's {@code ${nvent.demo.pg.*}} references cannot be
         * pointed elsewhere per deployment: Payara resolves them from system properties that the shared
         * post-boot commands set, even over {@code -D} options on the command line.
         */
        String webXml() {
            return """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee"
                             xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                             xsi:schemaLocation="https://jakarta.ee/xml/ns/jakartaee https://jakarta.ee/xml/ns/jakartaee/web-app_6_0.xsd"
                             version="6.0">
                      <data-source>
                        <name>java:app/nvent/PostgresDataSource</name>
                        <class-name>org.postgresql.ds.PGSimpleDataSource</class-name>
                        <server-name>%1$s</server-name>
                        <port-number>%2$d</port-number>
                        <database-name>%3$s</database-name>
                        <user>%4$s</user>
                        <password>%5$s</password>
                        <property><name>portNumber</name><value>%2$d</value></property>
                        <property><name>reWriteBatchedInserts</name><value>true</value></property>
                        <max-pool-size>32</max-pool-size>
                        <min-pool-size>0</min-pool-size>
                      </data-source>
                    </web-app>
                    """.formatted(xml(host), port, xml(name), xml(user), xml(password));
        }

        private static String xml(String text) {
            return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
        }

        /** {@code select count(*) from <schema>.nvent_<fromWhere>}, straight from the database. */
        long count(String fromWhere) {
            try (Connection connection = DriverManager.getConnection(
                    "jdbc:postgresql://" + host + ":" + port + "/" + name, user, password);
                 Statement statement = connection.createStatement();
                 ResultSet row = statement.executeQuery("select count(*) from " + schema.toLowerCase(Locale.ROOT)
                         + ".nvent_" + fromWhere)) {
                row.next();
                return row.getLong(1);
            } catch (SQLException e) {
                throw new IllegalStateException("query failed: " + e.getMessage(), e);
            }
        }

        /**
         * Makes the database refuse new connections and ends the open ones (the server's pooled ones
         * with them), as a database that went away would; or accepts connections again.
         */
        void refuseConnections(boolean refuse) {
            String admin = name.equals("template1") ? "postgres" : "template1";
            try (Connection connection = DriverManager.getConnection(
                    "jdbc:postgresql://" + host + ":" + port + "/" + admin, user, password);
                 Statement statement = connection.createStatement()) {
                statement.execute("alter database \"" + name + "\" allow_connections " + !refuse);
                if (refuse) {
                    statement.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = '"
                            + name + "'");
                }
            } catch (SQLException e) {
                throw new IllegalStateException("could not " + (refuse ? "refuse" : "accept") + " connections: "
                        + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            embedded.ifPresent(pg -> {
                try {
                    pg.close();
                } catch (IOException e) {
                    // the JVM is going away anyway
                }
            });
        }
    }
}
