package dev.pricingengine.system;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.support.ui.Select;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operators' console in a real browser (headless Chromium) against the real stack
 * ({@code scripts/run-local.sh}): what it shows live, and the operators' actions it
 * offers, each checked against what the test itself did and the API answers. Saves a
 * screenshot of each view under {@code target/console/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private static final Pattern EVENT_ID = Pattern.compile("event ([0-9a-f-]{36})");

	private static final Pattern SEQUENCE = Pattern.compile("sequence (\\d+)");

	private LocalStack stack;

	private Browser browser;

	@BeforeAll
	void startTheStackAndABrowser(@TempDir Path runDir) throws IOException {
		this.stack = LocalStack.start(runDir, Map.of("LOCAL_REDIS", "embedded"));
		try {
			this.browser = Browser.start(Files.createDirectories(runDir.resolve("chromium-profile")));
		}
		catch (IOException | RuntimeException ex) {
			this.stack.close();
			throw ex;
		}
	}

	@AfterAll
	void stopThem() {
		try {
			if (this.browser != null) {
				this.browser.close();
			}
		}
		finally {
			this.stack.close();
		}
	}

	@Test
	@Order(1)
	void refusesAnOperatorActionWithoutAKeyWithAClearMessage() throws IOException {
		view("faults");
		String refusal = this.browser.await("the faults view's refusal", WAIT,
				(driver) -> this.browser.answer("faults-current"));
		assertThat(refusal).startsWith("Refused (401): this needs an API key")
			.contains("Set API key")
			.contains("A valid X-API-Key header is required");
		view("publish");
		this.browser.find("publish-factor").sendKeys("1.10");
		this.browser.find("publish-submit").click();
		String answer = this.browser.await("the publish refusal", WAIT,
				(driver) -> this.browser.answer("publish-message"));
		assertThat(answer).startsWith("Refused (401): this needs an API key");
		this.browser.screenshot("refused-without-key");
	}

	@Test
	@Order(2)
	void theOverviewUpdatesLiveWhileEventsArePublished() throws Exception {
		view("overview");
		// loaded afresh, as an operator opening it would
		this.browser.driver().navigate().refresh();
		this.browser.await("the live feed", WAIT, (driver) -> this.browser.text("live").equals("live"));
		double loaded = ((Number) this.browser
			.script("return performance.getEntriesByType('navigation')[0].loadEventEnd")).doubleValue();
		System.out.printf("The console's overview loaded in %.0f ms%n", loaded);
		assertThat(loaded).as("ms from navigation to the page loaded").isPositive().isLessThan(1000);
		// every instance run-local.sh started announces itself: 1 API, 2 listeners, 2
		// workers
		this.browser.await("five instances alive", WAIT,
				(driver) -> driver.findElements(By.cssSelector("#instances td.alive")).size() == 5);
		assertThat(column("instances", 1)).containsExactlyInAnyOrder("api-service", "listener-service",
				"listener-service", "worker-service", "worker-service");
		long before = Long.parseLong(this.browser.text("sequence"));
		for (int i = 0; i < 3; i++) {
			HttpResponse<String> accepted = this.stack.post(this.stack.apiPort, "/api/v1/publish-market-event",
					"{\"type\":\"DEMAND_FACTOR\",\"factor\":\"1.0" + i + "\",\"category\":\"C-2\"}");
			assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
		}
		// the same page, not reloaded: the stream brought the new sequence
		this.browser.await("the sequence after three events", WAIT,
				(driver) -> this.browser.text("sequence").equals(String.valueOf(before + 3)));
		this.browser.await("their jobs counted as succeeded", WAIT,
				(driver) -> this.browser.text("job-states").contains("SUCCEEDED"));
		assertThat(column("locks", 1)).as("each partition's lock").containsExactly("0");
		this.browser.screenshot("overview");
	}

	@Test
	@Order(3)
	void publishingFromTheFormFollowsTheJobToSucceeded() throws Exception {
		setKey(this.stack.apiKey());
		view("publish");
		new Select(this.browser.find("publish-type")).selectByValue("DEMAND_FACTOR");
		clearAndType("publish-factor", "1.10");
		clearAndType("publish-category", "C-3");
		this.browser.find("publish-submit").click();
		String accepted = accepted();
		String eventId = match(EVENT_ID, accepted);
		this.browser.await("the job followed to SUCCEEDED", WAIT,
				(driver) -> this.browser.text("publish-job").contains(": SUCCEEDED"));
		assertThat(this.stack.get(this.stack.apiPort, "/api/v1/jobs/" + eventId).body())
			.contains("\"state\":\"SUCCEEDED\"");
		this.browser.screenshot("publish");
		String sequence = match(SEQUENCE, accepted);
		// P-3 is in C-3 (the demo catalog deals products over its categories in turn)
		Map<String, String> price = price("P-3");
		assertThat(price.get("Category factor")).isEqualTo("1.1 (set by event #" + sequence + ", category:C-3)");
		assertThat(price.get("Stored market price")).endsWith("(as the rule gives)");
		assertThat(price.get("Written by")).matches("the lock holder with fencing token \\d+");
		this.browser.screenshot("prices-explained");
		view("publish");
		this.browser.find("publish-job").findElement(By.tagName("a")).click();
		this.browser.await("the job's page", WAIT, (driver) -> field("job-fields", "State").equals("SUCCEEDED"));
		assertThat(field("job-fields", "Event")).isEqualTo("DEMAND_FACTOR category C-3 × 1.1");
		assertThat(this.browser.find("job-progress").getDomProperty("value"))
			.isEqualTo(this.browser.find("job-progress").getDomProperty("max"));
		this.browser.screenshot("job");
	}

	@Test
	@Order(4)
	void aDeadLetteredJobIsReplayedOnceTheFaultIsClearedAndThePriceChanges() throws Exception {
		setKey(this.stack.apiKey());
		Map<String, String> before = price("P-42");
		BigDecimal newBase = new BigDecimal(before.get("Base price")).add(BigDecimal.ONE);

		view("faults");
		clearAndType("failure-rate", "1");
		clearAndType("latency-ms", "0");
		this.browser.find("faults-save").click();
		this.browser.await("the fault banner", WAIT, (driver) -> this.browser.find("fault-banner").isDisplayed());
		assertThat(this.browser.text("fault-banner"))
			.isEqualTo("Fault injection is ON: failure rate 1, latency 0 ms per attempt and 0 ms per batch");
		this.browser.screenshot("faults");

		view("publish");
		new Select(this.browser.find("publish-type")).selectByValue("BASE_PRICE");
		clearAndType("publish-factor", "");
		clearAndType("publish-category", "");
		clearAndType("publish-product", "P-42");
		clearAndType("publish-base-price", newBase.toPlainString());
		this.browser.find("publish-submit").click();
		String eventId = match(EVENT_ID, accepted());
		this.browser.await("the job dead-lettered", WAIT,
				(driver) -> this.browser.text("publish-job").contains(": DEAD_LETTERED"));

		view("dead-letters");
		WebElement row = this.browser.await("the dead letter listed", WAIT,
				(driver) -> driver.findElements(By.cssSelector("#dead-letters tbody tr"))
					.stream()
					.filter((candidate) -> candidate.getText().contains(eventId))
					.findFirst()
					.orElse(null));
		assertThat(row.getText()).contains("BASE_PRICE product P-42").contains("ExternalApiTimeoutException");
		this.browser.screenshot("dead-letters");

		view("faults");
		this.browser.find("faults-clear").click();
		this.browser.await("the faults cleared", WAIT,
				(driver) -> this.browser.text("faults-current").equals("Fault injection is off"));
		assertThat(this.browser.find("fault-banner").isDisplayed()).isFalse();

		view("dead-letters");
		WebElement select = this.browser.await("the dead letter listed again", WAIT,
				(driver) -> driver.findElements(By.cssSelector("#dead-letters tbody tr"))
					.stream()
					.filter((candidate) -> candidate.getText().contains(eventId))
					.map((candidate) -> candidate.findElement(By.cssSelector("input[type=checkbox]")))
					.findFirst()
					.orElse(null));
		select.click();
		this.browser.find("dead-letters-replay").click();
		this.browser.await("the replay's outcome", WAIT,
				(driver) -> this.browser.text("dead-letters-message").equals("Replayed 1 of 1."));
		assertThat(this.stack.get(this.stack.apiPort, "/api/v1/dead-letters").body()).doesNotContain(eventId);

		view("jobs/" + eventId);
		this.browser.await("the replayed job succeeded", WAIT,
				(driver) -> field("job-fields", "State").equals("SUCCEEDED"));
		Map<String, String> after = price("P-42");
		assertThat(new BigDecimal(after.get("Base price"))).isEqualByComparingTo(newBase);
		assertThat(after.get("Market price")).isNotEqualTo(before.get("Market price"));
		this.browser.screenshot("prices");
	}

	/**
	 * A full recalculation of a 20,000-product catalog published from the form, each of
	 * its batches slowed by 200 ms through the faults view (without, a fast machine ends
	 * it before the overview's next snapshot): one tab follows the job (its progress
	 * bar's values recorded as the page changes them), another shows the lock view, which
	 * names the worker holding the lock, its fencing token and the job.
	 */
	@Test
	@Order(5)
	void theLockViewShowsTheHolderDuringAFullRecalculationWithItsProgress() throws Exception {
		int products = 20_000;
		HttpResponse<String> imported = this.stack.postNdjson(this.stack.apiPort, "/api/v1/catalog",
				() -> Catalogs.ndjson("P-lock-", products));
		assertThat(imported.statusCode()).as(imported.body()).isEqualTo(200);
		setKey(this.stack.apiKey());
		view("faults");
		clearAndType("failure-rate", "0");
		clearAndType("latency-ms", "0");
		clearAndType("batch-latency-ms", "200");
		this.browser.find("faults-save").click();
		this.browser.await("the batch latency set", WAIT,
				(driver) -> this.browser.text("faults-current").endsWith("and 200 ms per batch"));
		try {
			followAFullRecalculation();
		}
		finally {
			this.stack.put(this.stack.apiPort, "/api/v1/admin/faults", "{}");
		}
	}

	private void followAFullRecalculation() throws Exception {
		String publishing = this.browser.driver().getWindowHandle();
		this.browser.driver().switchTo().newWindow(WindowType.TAB);
		String watching = this.browser.driver().getWindowHandle();
		view("overview");
		this.browser.await("the live feed", WAIT, (driver) -> this.browser.text("live").equals("live"));

		this.browser.driver().switchTo().window(publishing);
		view("publish");
		this.browser.script("window.progressSeen = []; const bar = document.getElementById('publish-progress');"
				+ "new MutationObserver(() => window.progressSeen.push([bar.value, bar.max]))"
				+ ".observe(bar, { attributes: true });");
		new Select(this.browser.find("publish-type")).selectByValue("RECALCULATE");
		this.browser.find("publish-submit").click();
		String eventId = match(EVENT_ID, accepted());

		this.browser.driver().switchTo().window(watching);
		this.browser.await(
				() -> "a holder in the lock view; it showed " + this.browser.texts("#locks tbody tr") + ", the job was "
						+ job(eventId),
				WAIT, (driver) -> !column("locks", 2).get(0).equals("free") && !column("locks", 3).get(0).equals("–"));
		List<String> lock = row("locks", 0);
		assertThat(lock.get(1)).as("the holder: a worker, by its heartbeat").matches(".+-\\d+");
		assertThat(lock.get(2)).as("its fencing token").matches("\\d+");
		assertThat(lock.get(5)).as("the job it runs").isEqualTo(eventId);
		this.browser.screenshot("lock");

		this.browser.driver().switchTo().window(publishing);
		this.browser.await(() -> "the full recalculation followed to its end; the job was " + job(eventId),
				Duration.ofMinutes(3), (driver) -> this.browser.text("publish-job").contains(": SUCCEEDED"));
		this.browser.screenshot("publish-full-recalculation");
		String job = job(eventId);
		@SuppressWarnings("unchecked")
		List<List<Number>> seen = (List<List<Number>>) this.browser.script("return window.progressSeen");
		assertThat(seen.stream()
			.filter((values) -> values.get(0).doubleValue() > 0
					&& values.get(0).doubleValue() < values.get(1).doubleValue())
			.map((values) -> values.get(0).longValue())
			.distinct()
			.count()).as("values the progress bar showed between 0 and the total %s; the job: %s", seen, job)
			.isGreaterThanOrEqualTo(2);
	}

	// --- helpers -----------------------------------------------------------------------

	private void view(String route) {
		this.browser.open("http://127.0.0.1:" + this.stack.apiPort + "/console#/" + route);
		String section = route.startsWith("jobs/") ? "job" : route;
		this.browser.await("the " + route + " view", WAIT,
				(driver) -> driver.findElement(By.cssSelector("section[data-view='" + section + "']")).isDisplayed());
	}

	private void setKey(String key) {
		view("overview");
		this.browser.find("key-button").click();
		this.browser.find("key-input").sendKeys(key);
		this.browser.find("key-save").click();
		this.browser.await("the key set", WAIT,
				(driver) -> this.browser.text("key-state").equals("API key set (this tab)"));
	}

	private void clearAndType(String id, String text) {
		WebElement input = this.browser.find(id);
		input.clear();
		input.sendKeys(text);
	}

	private Map<String, String> price(String productId) {
		view("prices");
		clearAndType("price-product", productId);
		this.browser.find("price-lookup").click();
		this.browser.await("the price of " + productId, WAIT,
				(driver) -> this.browser.text("price-message").startsWith(productId + ":"));
		return fields("price-fields");
	}

	private String field(String list, String name) {
		return fields(list).getOrDefault(name, "");
	}

	private Map<String, String> fields(String list) {
		List<String> names = this.browser.texts("#" + list + " dt");
		List<String> values = this.browser.texts("#" + list + " dd");
		Map<String, String> fields = new LinkedHashMap<>();
		for (int i = 0; i < Math.min(names.size(), values.size()); i++) {
			fields.put(names.get(i), values.get(i));
		}
		return fields;
	}

	private String job(String eventId) {
		try {
			return this.stack.get(this.stack.apiPort, "/api/v1/jobs/" + eventId).body();
		}
		catch (IOException ex) {
			return "not read: " + ex;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return "not read: interrupted";
		}
	}

	private List<String> column(String table, int column) {
		return this.browser.texts("#" + table + " tbody tr td:nth-child(" + column + ")");
	}

	private List<String> row(String table, int row) {
		return this.browser.texts("#" + table + " tbody tr:nth-child(" + (row + 1) + ") td");
	}

	/** The publish form's answer, which must be a 202. */
	private String accepted() {
		String answer = this.browser.await("the publish answer", WAIT,
				(driver) -> this.browser.answer("publish-message"));
		assertThat(answer).startsWith("Accepted (202)");
		return answer;
	}

	private static String match(Pattern pattern, String text) {
		Matcher matcher = pattern.matcher(text);
		assertThat(matcher.find()).as("%s in %s", pattern, text).isTrue();
		return matcher.group(1);
	}

}
