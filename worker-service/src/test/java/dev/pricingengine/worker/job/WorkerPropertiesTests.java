package dev.pricingengine.worker.job;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How {@code pricing.worker.*} binds: settings that would stop the workers are refused at
 * start with the reason.
 */
class WorkerPropertiesTests {

	private final ApplicationContextRunner context = new ApplicationContextRunner()
		.withUserConfiguration(PropertiesConfiguration.class);

	@Test
	void theDefaultsBind() {
		this.context.run((context) -> {
			assertThat(context).hasNotFailed();
			WorkerProperties properties = context.getBean(WorkerProperties.class);
			assertThat(properties.stallTimeout()).isEqualTo(Duration.ofMinutes(2));
			assertThat(properties.readTimeout()).isEqualTo(Duration.ofSeconds(1));
		});
	}

	@Test
	void aStallTimeoutNotAboveTheReadTimeoutIsRefused() {
		// an idle consumer blocks on each read for read-timeout: it would be taken for a
		// stalled one, and the worker halted again and again
		this.context.withPropertyValues("pricing.worker.read-timeout=5s", "pricing.worker.stall-timeout=5s")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("stall-timeout")
				.hasMessageContaining("read-timeout"));
	}

	@Test
	void aStallTimeoutAboveTheReadTimeoutBinds() {
		this.context.withPropertyValues("pricing.worker.read-timeout=5s", "pricing.worker.stall-timeout=6s")
			.run((context) -> assertThat(context.getBean(WorkerProperties.class).stallTimeout())
				.isEqualTo(Duration.ofSeconds(6)));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(WorkerProperties.class)
	static class PropertiesConfiguration {

	}

}
