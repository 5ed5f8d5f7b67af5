package io.nvent.cdi.internal.engine;

import io.nvent.cdi.internal.registry.Spelling;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The {@code nvent.*} setting names the modules of a deployment read. Each module lists its own in
 * {@value #RESOURCE} (one name a line, {@code #} comments, {@code *} for a part the user chooses,
 * such as a queue's name), so an adapter or an application that keeps settings under {@code nvent.}
 * adds a file of its own. A configured name that no module lists is a typo, or a setting of a module
 * the deployment does not hold: either way it does nothing, which a user would otherwise find out
 * only when the setting fails to take effect. The engine reports each such name at start
 * ({@code NVENT-0004}) with the known name closest to it.
 */
public final class KnownSettings {

    /** Where each module lists the names it reads. */
    public static final String RESOURCE = "META-INF/nvent/settings";

    private static final String PREFIX = "nvent.";
    private static final String ENVIRONMENT_PREFIX = "NVENT_";
    private static final int MOST_EDITS_FOR_A_SUGGESTION = 3;

    private final List<String> declared;
    private final List<Pattern> dotted;
    private final List<Pattern> environment;

    private KnownSettings(Collection<String> declared) {
        this.declared = List.copyOf(new TreeSet<>(declared));
        this.dotted = this.declared.stream().map(name -> pattern(name, false)).toList();
        this.environment = this.declared.stream().map(name -> pattern(name, true)).toList();
    }

    /** The names the given names declare ({@code *}: any non-empty part). */
    public static KnownSettings of(Collection<String> declared) {
        return new KnownSettings(declared);
    }

    /** The names every {@value #RESOURCE} the class loader sees declares. */
    public static KnownSettings declaredIn(ClassLoader loader) {
        List<String> names = new ArrayList<>();
        try {
            for (URL file : Collections.list(loader.getResources(RESOURCE))) {
                try (BufferedReader reader = new BufferedReader(
                        new InputStreamReader(file.openStream(), StandardCharsets.UTF_8))) {
                    reader.lines().map(KnownSettings::withoutComment).filter(line -> !line.isEmpty())
                            .forEach(names::add);
                }
            }
        } catch (IOException unreadable) {
            throw new UncheckedIOException("NVENT-0004 cannot read the known settings (" + RESOURCE + ")",
                    unreadable);
        }
        return new KnownSettings(names);
    }

    /** Every declared name, sorted. */
    public List<String> names() {
        return declared;
    }

    /**
     * Whether a configured name is one nvent reads. Only names of nvent's own (starting
     * {@code nvent.}, or {@code NVENT_} as an environment variable) can be unknown; any other name
     * belongs to someone else and is known by definition.
     */
    public boolean isKnown(String configured) {
        if (configured.startsWith(PREFIX)) {
            return dotted.stream().anyMatch(p -> p.matcher(configured).matches());
        }
        if (configured.startsWith(ENVIRONMENT_PREFIX)) {
            return environment.stream().anyMatch(p -> p.matcher(configured).matches());
        }
        return true;
    }

    /**
     * The configured names that are nvent's but read by no module, sorted. An environment variable
     * counts only when it is close to a known one: the environment is shared with scripts and
     * images, whose {@code NVENT_HOME} is no misspelt setting.
     */
    public List<String> unknownAmong(Iterable<String> configured) {
        TreeSet<String> unknown = new TreeSet<>();
        configured.forEach(name -> {
            if (!isKnown(name) && (!name.startsWith(ENVIRONMENT_PREFIX) || closestTo(name).isPresent())) {
                unknown.add(name);
            }
        });
        return List.copyOf(unknown);
    }

    /** The declared name closest to an unknown one, written as it was (dotted or as an environment variable). */
    public Optional<String> closestTo(String unknown) {
        boolean asEnvironment = unknown.startsWith(ENVIRONMENT_PREFIX);
        return Spelling.closest(unknown, declared.stream().map(name -> asEnvironment ? environmentForm(name) : name)
                .toList(), MOST_EDITS_FOR_A_SUGGESTION);
    }

    /** What the engine logs about an unknown name. */
    public String warningFor(String unknown) {
        return "NVENT-0004 setting " + unknown + " is read by no module of this deployment, so it has no effect"
                + closestTo(unknown).map(name -> "; did you mean " + name + "?")
                        .orElse(" (a module that reads it may be missing from the application)");
    }

    private static String withoutComment(String line) {
        int hash = line.indexOf('#');
        return (hash < 0 ? line : line.substring(0, hash)).trim();
    }

    /** MicroProfile Config's environment form: every character but letters and digits an underscore, upper case. */
    private static String environmentForm(String name) {
        return name.replaceAll("[^A-Za-z0-9*]", "_").toUpperCase(Locale.ROOT);
    }

    private static Pattern pattern(String name, boolean asEnvironment) {
        String form = asEnvironment ? environmentForm(name) : name;
        StringBuilder regex = new StringBuilder();
        for (String literal : form.split("\\*", -1)) {
            if (!regex.isEmpty()) {
                regex.append(".+");
            }
            regex.append(Pattern.quote(literal));
        }
        return Pattern.compile(regex.toString());
    }
}
