package io.nvent.war;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * On WildFly, an application stops before the connection factories nvent uses only if it references
 * them: nvent looks them up by the names in its settings, which WildFly does not see, so a factory
 * without a reference is closed under the running workers on shutdown (IJ000615, then NVENT-0653 with
 * IJ000470 before NVENT-0116). Every factory the WildFly configuration binds, nvent.cli's and the
 * README's, must therefore be referenced by the demo WAR's jboss-web.xml and by the README's web.xml.
 */
class WildFlyResourceRefsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern BOUND_FACTORY = Pattern.compile("pooled-connection-factory=[\\w-]+:add\\([^\\n]*?entries=\\[([^\\]]+)]");
    private static final Pattern JNDI_NAME = Pattern.compile("<jndi-name>([^<]+)</jndi-name>");
    private static final Pattern LOOKUP_NAME = Pattern.compile("<lookup-name>([^<]+)</lookup-name>");

    @Test
    void theDemoWarReferencesEveryConnectionFactoryNventCliBinds() throws IOException {
        String cli = Files.readString(ROOT.resolve("nvent-wildfly-it/src/main/wildfly/nvent.cli"));
        String jbossWeb = Files.readString(ROOT.resolve("nvent-war/src/main/webapp/WEB-INF/jboss-web.xml"));

        assertThat(all(JNDI_NAME, jbossWeb))
                .as("connection factories referenced by nvent-war's WEB-INF/jboss-web.xml")
                .containsAll(all(BOUND_FACTORY, cli))
                .containsExactlyInAnyOrder("java:/jms/nvent/ConnectionFactory", "java:/jms/nvent/WorkerConnectionFactory");
    }

    @Test
    void theReadmesWebXmlReferencesEveryConnectionFactoryItsWildFlyConfigurationBinds() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String wildFly = readme.substring(readme.indexOf("\n## Deploy to WildFly"),
                readme.indexOf("\n## ", readme.indexOf("\n## Deploy to WildFly") + 1));

        TreeSet<String> bound = all(BOUND_FACTORY, wildFly);
        assertThat(bound).as("factories the README's WildFly CLI binds").contains(
                "java:/jms/nvent/ConnectionFactory", "java:/jms/nvent/WorkerConnectionFactory");
        assertThat(all(LOOKUP_NAME, wildFly))
                .as("resource-refs of the README's web.xml for WildFly")
                .containsAll(bound);
    }

    private static TreeSet<String> all(Pattern pattern, String text) {
        TreeSet<String> found = new TreeSet<>();
        Matcher matcher = pattern.matcher(text);
        while (matcher.find()) {
            for (String name : matcher.group(1).split(",")) {
                found.add(name.strip());
            }
        }
        return found;
    }
}
