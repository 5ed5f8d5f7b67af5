package io.nvent.war;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What the demo's server tells a caller about itself, and what the README tells a team to set (README, "Security"). */
class ServerDisclosureTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /**
     * The protocols of Payara Micro's domain.xml: the plain one and the TLS one ({@code --sslport}), which
     * named "Payara Micro" in its Server header while only the plain one was set.
     */
    private static final List<String> MICRO_PROTOCOLS = List.of("http-listener", "https-listener");

    @Test
    void theDemosPostBootCommandsAndTheReadmesRecipeSwitchTheHeadersOffOnEveryListenerOfPayaraMicro()
            throws IOException {
        for (Path commands : List.of(ROOT.resolve("nvent-war/src/main/payara/postboot.asadmin"),
                ROOT.resolve("nvent-war/src/main/payara/postboot-external.asadmin"), ROOT.resolve("README.md"))) {
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
}
