package dev.pricingengine.api;

import dev.pricingengine.common.test.ScriptKeyArguments;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every key this service's scripts touch is declared in {@code KEYS} (Redis Cluster
 * routes a script by them); that they share a slot, every call site proves against the
 * one-node cluster the integration tests run on.
 */
class ScriptKeysTests {

	@Test
	void everyScriptDeclaresTheKeysItTouches() {
		assertThat(ScriptKeyArguments.builtKeysOfScripts("classpath*:scripts/*.lua")).isEmpty();
	}

}
