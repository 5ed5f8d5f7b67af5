package io.nvent.cdi.internal.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/** Which build nvent says it is: the version and the git commit Maven filtered into nvent-api. */
class BuildTest {

    private static Build of(String version, String commit) {
        Properties properties = new Properties();
        properties.setProperty("version", version);
        properties.setProperty("commit", commit);
        return Build.of(properties);
    }

    @Test
    void aBuildFromItsGitRepositoryCarriesTheShortIdOfItsCommit() {
        // Built in this repository (a clone, as .ci/run builds): the commit plugin found it.
        assumeThat(Files.isDirectory(Path.of("..", ".git"))).as("built from a git repository").isTrue();

        assertThat(Build.CURRENT.commit()).hasValueSatisfying(commit -> assertThat(commit)
                .matches("[0-9a-f]{7,}(-dirty)?"));
    }

    /** A build from a working tree with changes not committed is not that commit's, and says so wherever it shows. */
    @Test
    void aBuildFromAWorkingTreeWithChangesNotCommittedShowsItsCommitAsDirty() {
        Properties dirty = new Properties();
        dirty.setProperty("version", "0.2.0");
        dirty.setProperty("commit", "1a2b3c4");
        dirty.setProperty("dirty", "true");
        assertThat(Build.of(dirty).commit()).contains("1a2b3c4-dirty");

        dirty.setProperty("dirty", "false");
        assertThat(Build.of(dirty).commit()).as("a clean working tree").contains("1a2b3c4");
        dirty.setProperty("dirty", "${git.dirty}");
        assertThat(Build.of(dirty).commit()).as("not known whether dirty: the commit as it is").contains("1a2b3c4");
    }

    /** The resource Maven filters carries whether the working tree was dirty, beside the commit. */
    @Test
    void theBuiltResourceSaysWhetherTheWorkingTreeHadChangesNotCommitted() throws Exception {
        assumeThat(Files.isDirectory(Path.of("..", ".git"))).as("built from a git repository").isTrue();
        Properties built = new Properties();
        try (java.io.InputStream in = io.nvent.FlowService.class.getResourceAsStream(Build.RESOURCE)) {
            built.load(in);
        }

        assertThat(built.getProperty("dirty")).isIn("true", "false");
    }

    @Test
    void aBuildWithoutItsGitRepositoryWhoseCommitMavenLeftUnfilteredSaysItIsUnknown() {
        Build tarball = of("0.2.0", "${git.commit.id.abbrev}");

        assertThat(tarball.version()).isEqualTo("0.2.0");
        assertThat(tarball.commit()).isEmpty();
        assertThat(tarball.commitOrUnknown()).isEqualTo("unknown");
    }

    @Test
    void readsTheVersionAndTheCommitAndTakesNeitherBlankNorMissingForAValue() {
        assertThat(of(" 0.2.0 ", "1a2b3c4")).isEqualTo(new Build("0.2.0", Optional.of("1a2b3c4")));
        assertThat(of("${project.version}", " ")).isEqualTo(new Build("unknown", Optional.empty()));
        assertThat(Build.of(new Properties())).isEqualTo(new Build("unknown", Optional.empty()));
    }
}
