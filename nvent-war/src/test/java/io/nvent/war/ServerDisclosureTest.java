package io.nvent.war;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What the demo's server tells a caller about itself, and what the README tells a team to set (README, "Security"). */
class ServerDisclosureTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path PAYARA = ROOT.resolve("nvent-war/src/main/payara");
    /**
     * The protocols of Payara Micro's domain.xml: the plain one and the TLS one ({@code --sslport}), which
     * named "Payara Micro" in its Server header while only the plain one was set.
     */
    private static final List<String> MICRO_PROTOCOLS = List.of("http-listener", "https-listener");

    @Test
    void theDemosPreBootCommandsAndTheReadmesRecipeSwitchTheHeadersOffOnEveryListenerOfPayaraMicro()
            throws IOException {
        for (Path commands : List.of(PAYARA.resolve("preboot.asadmin"), ROOT.resolve("README.md"))) {
            String text = Files.readString(commands);
            for (String protocol : MICRO_PROTOCOLS) {
                for (String header : List.of("server-header", "xpowered-by")) {
                    assertThat(text).as("%s: %s of %s", commands.getFileName(), header, protocol)
                            .contains("set configs.config.server-config.network-config.protocols.protocol." + protocol
                                    + ".http." + header + "=false");
                }
            }
        }
    }

    /**
     * A post-boot {@code set} on a listener's protocol restarts the listener on Payara's "GF Domain XML" thread while
     * the server already takes connections; once {@code PostgresRestartIT}'s server answered every request with a
     * refused connection after such a restart. What changes a listener is set before boot.
     */
    @Test
    void noPostBootCommandFileOfTheDemoChangesAListener() throws IOException {
        for (String file : List.of("postboot.asadmin", "postboot-external.asadmin")) {
            assertThat(Files.readAllLines(PAYARA.resolve(file))).as(file)
                    .noneMatch(line -> line.startsWith("set configs.config.server-config.network-config."));
        }
        assertThat(Files.readString(ROOT.resolve("nvent-war/pom.xml"))).as("the container tests and -Pdemo")
                .contains("--prebootcommandfile ${project.build.directory}/payara/preboot.asadmin")
                .contains("<argument>--prebootcommandfile</argument>");
    }

    /**
     * The 404 page linked to {@code /_nvent/}: wrong under another context root (WildFly's {@code /nvent-war}), another
     * {@code nvent.ui.path} or with the console off, and a path outside the API was to name nothing to a scanner.
     */
    @Test
    void theDemosErrorPagesNameNoAddressOfTheApplication() throws IOException {
        Path webapp = ROOT.resolve("nvent-war/src/main/webapp");
        Matcher location = Pattern.compile("<location>([^<]+)</location>")
                .matcher(Files.readString(webapp.resolve("WEB-INF/web.xml")));
        int pages = 0;
        while (location.find()) {
            String page = Files.readString(webapp.resolve(location.group(1).substring(1)));
            assertThat(page).as(location.group(1)).doesNotContain("href").doesNotContain("/_nvent")
                    .doesNotContainIgnoringCase("payara").doesNotContainIgnoringCase("wildfly");
            pages++;
        }
        assertThat(pages).as("error pages in web.xml").isEqualTo(3);
    }
}
