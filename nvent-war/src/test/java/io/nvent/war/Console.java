package io.nvent.war;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import static org.awaitility.Awaitility.await;

/** The monitoring console in a real headless Chromium, driven like an operator would. */
final class Console implements AutoCloseable {

    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    private final ChromeDriver driver;
    private final URI login;
    private final URI console;
    private boolean loggedIn;
    private final Path screenshots;
    private final Path profile;

    private Console(ChromeDriver driver, URI login, URI console, Path screenshots, Path profile) {
        this.driver = driver;
        this.login = login;
        this.console = console;
        this.screenshots = screenshots;
        this.profile = profile;
    }

    /** Whether this machine can run the browser tests. */
    static boolean available() {
        return Files.isExecutable(CHROMEDRIVER) && Files.isExecutable(CHROMIUM);
    }

    /** Opens the console of the application at {@code base}, logged in with Basic credentials. */
    static Console open(URI base, String user, String password, Path screenshots) throws IOException {
        Path profile = Files.createTempDirectory("nvent-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile, "--window-size=1440,960", "--lang=en-US");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().window().setSize(new Dimension(1440, 960));
        URI withLogin = URI.create(base.getScheme() + "://" + user + ":" + password + "@" + base.getAuthority()
                + base.getPath() + "_nvent/");
        Files.createDirectories(screenshots);
        return new Console(driver, withLogin, base.resolve("_nvent/"), screenshots, profile);
    }

    /**
     * Opens a screen, e.g. {@code #/flows/order}. The first visit logs in with the credentials in
     * the URL, as a browser's login prompt would; the console's session cookie does the rest.
     */
    void go(String hash) {
        driver.get((loggedIn ? console : login) + hash);
        loggedIn = true;
        awaitVisible(By.cssSelector("#view > *"));
    }

    WebElement awaitVisible(By by) {
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> driver.findElements(by).stream().anyMatch(WebElement::isDisplayed));
        return driver.findElements(by).stream().filter(WebElement::isDisplayed).findFirst().orElseThrow();
    }

    List<WebElement> all(By by) {
        return driver.findElements(by);
    }

    WebElement find(By by) {
        return driver.findElement(by);
    }

    String hash() {
        String url = driver.getCurrentUrl();
        return url.contains("#") ? url.substring(url.indexOf('#')) : "";
    }

    /** Saves a screenshot as {@code target/screenshots/<name>.png}. */
    Path screenshot(String name) {
        try {
            Path file = screenshots.resolve(name + ".png");
            Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        driver.quit();
        try (var files = Files.walk(profile)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover temporary profile is harmless
        }
    }
}
