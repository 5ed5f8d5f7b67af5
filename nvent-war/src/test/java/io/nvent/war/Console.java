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
    /** Where the browser tests save their screenshots ({@link #screenshot}). */
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

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

    /**
     * Waits until an element is displayed and returns it. The console re-renders parts of the page
     * as live data arrives, so elements may be replaced at any time: every wait here tolerates
     * stale references and looks again.
     */
    WebElement awaitVisible(By by) {
        java.util.concurrent.atomic.AtomicReference<WebElement> found = new java.util.concurrent.atomic.AtomicReference<>();
        until(() -> {
            found.set(driver.findElements(by).stream().filter(WebElement::isDisplayed).findFirst().orElse(null));
            return found.get() != null;
        });
        return found.get();
    }

    /** Opens a page outside the console, such as a webhook await's answer page. */
    void visit(java.net.URI page) {
        driver.get(page.toString());
    }

    /** Waits (up to 30 s) until the condition holds, looking again when the page changed underneath. */
    void until(java.util.concurrent.Callable<Boolean> condition) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(condition);
    }

    /** Clicks an element, finding it again if the page replaced it. */
    void click(By by) {
        until(() -> {
            driver.findElement(by).click();
            return true;
        });
    }

    /** Double-clicks an element as a user does: two clicks in quick succession, the second on what the first left. */
    void doubleClick(By by) {
        until(() -> {
            new org.openqa.selenium.interactions.Actions(driver).doubleClick(driver.findElement(by)).perform();
            return true;
        });
    }

    /** The text of an element. */
    String text(By by) {
        java.util.concurrent.atomic.AtomicReference<String> text = new java.util.concurrent.atomic.AtomicReference<>();
        until(() -> {
            text.set(driver.findElement(by).getText());
            return true;
        });
        return text.get();
    }

    /** An attribute of an element, or "" when it has none. */
    String attribute(By by, String name) {
        java.util.concurrent.atomic.AtomicReference<String> value = new java.util.concurrent.atomic.AtomicReference<>();
        until(() -> {
            value.set(String.valueOf(driver.findElement(by).getAttribute(name)));
            return true;
        });
        return value.get();
    }

    List<WebElement> all(By by) {
        return driver.findElements(by);
    }

    WebElement find(By by) {
        return driver.findElement(by);
    }

    /** Resizes the browser window. */
    void resize(int width, int height) {
        driver.manage().window().setSize(new Dimension(width, height));
    }

    /**
     * The tables of the page's cards that do not fit their card, so that some of their columns are
     * only seen by scrolling sideways, described as "Queues: 612 px in 488 px".
     */
    @SuppressWarnings("unchecked")
    List<String> tablesWiderThanTheirCards() {
        return (List<String>) driver.executeScript("""
                const wide = [];
                for (const card of document.querySelectorAll('.card')) {
                  for (const table of card.querySelectorAll('table')) {
                    const room = table.parentElement.clientWidth;
                    if (table.scrollWidth > room + 1) {
                      const head = card.querySelector('.card-head');
                      wide.push((head ? head.innerText.split('\\n')[0] : 'a card') + ': '
                          + table.scrollWidth + ' px in ' + room + ' px');
                    }
                  }
                }
                return wide;""");
    }

    /** Runs a script in the page, e.g. to scroll before a screenshot. */
    Object script(String javascript, Object... args) {
        return driver.executeScript(javascript, args);
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
