package dev.pricingengine.common.test;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ScriptKeyArgumentsTests {

	@Test
	void acceptsDeclaredKeysAndLocalsHoldingThem() {
		String source = """
				local key = KEYS[2]
				redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
				redis.call('DEL', key)
				local now = redis.call('TIME')
				redis.call('PUBLISH', ARGV[1], ARGV[2])
				redis.call('XINFO', 'GROUPS', KEYS[3])
				local entries = {}
				redis.call('MSET', unpack(entries, 1, 2))
				""";
		assertThat(ScriptKeyArguments.builtKeys(source)).isEmpty();
	}

	@Test
	void findsKeysBuiltFromArgumentsOrConcatenated() {
		String source = """
				redis.call('HDEL', ARGV[2] .. previous, id)
				redis.call('DEL', ARGV[3])
				redis.pcall('GET', KEYS[1] .. ':suffix')
				redis.call('XINFO', 'STREAM', ARGV[1])
				local productKey = ARGV[1] .. id
				redis.call('HGET', productKey, 'category')
				local built = {ARGV[1] .. id}
				redis.call('DEL', unpack(built))
				-- redis.call('DEL', ARGV[9]) in a comment is no call
				""";
		assertThat(ScriptKeyArguments.builtKeys(source)).containsExactly("HDEL ARGV[2] .. previous", "DEL ARGV[3]",
				"GET KEYS[1] .. ':suffix'", "XINFO ARGV[1]", "HGET productKey", "DEL unpack(built");
	}

}
