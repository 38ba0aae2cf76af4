package dev.pricingengine.system;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ChildProcessTests {

	@Test
	void childKeepsOnlyTheBasicsOfTheCallersEnvironmentAndWhatTheTestSets() {
		Map<String, String> callers = Map.of("PATH", "/usr/bin:/bin", "HOME", "/home/dev", "JAVA_HOME", "/opt/jdk",
				"PRICING_SECURITY_API_KEYS", "key-from-the-shell", "SPRING_PROFILES_ACTIVE", "docker", "REDIS_URL",
				"redis://elsewhere:6379", "OTEL_JAVAAGENT_ENABLED", "false", "JAVA_OPTS", "-Xmx8m", "JAVA_TOOL_OPTIONS",
				"-javaagent:/opt/profiler.jar");

		Map<String, String> environment = ChildProcess.environment(callers,
				Map.of("REDIS_URL", "redis://127.0.0.1:20001", "HOME", "/tmp/home"));

		assertThat(environment).containsExactlyInAnyOrderEntriesOf(Map.of("PATH", "/usr/bin:/bin", "HOME", "/tmp/home",
				"JAVA_HOME", "/opt/jdk", "REDIS_URL", "redis://127.0.0.1:20001"));
	}

}
