package dev.pricingengine.system;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven through Debian's chromedriver (Selenium): no browser
 * or driver is downloaded at run time, and a missing one fails the test that needs it. A
 * fresh profile per browser, a 1280×800 window; {@link #close()} quits the browser and
 * stops the driver, whatever happened.
 */
final class Browser implements AutoCloseable {

	static final Path CHROMIUM = Path.of("/usr/bin/chromium");

	static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

	/** Where the screenshots of the console go. */
	static final Path SCREENSHOTS = Path.of("target", "console");

	private final ChromeDriverService service;

	private final ChromeDriver driver;

	private Browser(ChromeDriverService service, ChromeDriver driver) {
		this.service = service;
		this.driver = driver;
	}

	/**
	 * Starts a browser.
	 * @param profile an empty directory for its profile
	 * @return the browser
	 * @throws IllegalStateException if Debian's chromium or chromedriver is not installed
	 */
	static Browser start(Path profile) throws IOException {
		for (Path executable : new Path[] { CHROMIUM, CHROMEDRIVER }) {
			if (!Files.isExecutable(executable)) {
				throw new IllegalStateException(executable + " is missing: install Debian's chromium and "
						+ "chromium-driver packages (.ci/run does)");
			}
		}
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
			.usingAnyFreePort()
			.build();
		ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
			.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
					"--disable-background-networking", "--disable-component-update", "--disable-sync",
					"--disable-dev-shm-usage", "--window-size=1280,800", "--user-data-dir=" + profile);
		service.start();
		try {
			ChromeDriver driver = new ChromeDriver(service, options);
			driver.manage().window().setSize(new Dimension(1280, 800));
			return new Browser(service, driver);
		}
		catch (RuntimeException ex) {
			service.stop();
			throw ex;
		}
	}

	WebDriver driver() {
		return this.driver;
	}

	void open(String url) {
		this.driver.get(url);
	}

	WebElement find(String id) {
		return this.driver.findElement(By.id(id));
	}

	/** The visible text of an element, by id. */
	String text(String id) {
		return find(id).getText();
	}

	/**
	 * The text of a message element once it holds an answer (the console marks an answer
	 * {@code ok} or {@code error}; what it shows while a request is under way is
	 * neither), or {@code null} before.
	 */
	String answer(String id) {
		WebElement message = find(id);
		String state = message.getAttribute("class");
		return ("ok".equals(state) || "error".equals(state)) ? message.getText() : null;
	}

	/** Runs a script in the page and answers its result. */
	Object script(String script, Object... arguments) {
		return this.driver.executeScript(script, arguments);
	}

	/**
	 * The texts of the elements a CSS selector matches, read at once (the console
	 * re-renders its tables with every update, so elements found one by one may be gone).
	 */
	@SuppressWarnings("unchecked")
	List<String> texts(String selector) {
		return (List<String>) this.driver.executeScript(
				"return [...document.querySelectorAll(arguments[0])].map((element) => element.innerText)", selector);
	}

	/**
	 * Waits up to {@code timeout} for a condition to hold (be non-null and not false); an
	 * element replaced while the condition looked at it is looked at again.
	 */
	<T> T await(String what, Duration timeout, Function<WebDriver, T> condition) {
		return await(() -> what, timeout, condition);
	}

	/**
	 * The same, with a message built when the wait fails: what was awaited and what the
	 * page and the system showed instead.
	 */
	<T> T await(Supplier<String> what, Duration timeout, Function<WebDriver, T> condition) {
		return new WebDriverWait(this.driver, timeout, Duration.ofMillis(100)).withMessage(what)
			.ignoring(StaleElementReferenceException.class)
			.until(condition);
	}

	/** Saves a screenshot of the page as {@code target/console/<name>.png}. */
	Path screenshot(String name) throws IOException {
		File shot = this.driver.getScreenshotAs(OutputType.FILE);
		Path target = Files.createDirectories(SCREENSHOTS).resolve(name + ".png");
		Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
		return target;
	}

	@Override
	public void close() {
		try {
			this.driver.quit();
		}
		finally {
			this.service.stop();
		}
	}

}
