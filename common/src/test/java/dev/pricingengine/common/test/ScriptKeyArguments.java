package dev.pricingengine.common.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * Finds the key names a Lua script builds itself instead of taking them from
 * {@code KEYS}: on Redis Cluster every key a script touches must be declared, so that the
 * client routes the call to the node of its slot and the server can check that the keys
 * share it. A key argument of a {@code redis.call} may be {@code KEYS[...]} or a local
 * variable (or table, unpacked), never an expression over {@code ARGV} or a
 * concatenation.
 */
public final class ScriptKeyArguments {

	/** A call and its first two arguments (the key, or a subcommand and the key). */
	private static final Pattern CALL = Pattern
		.compile("redis\\.p?call\\(\\s*'(\\w+)'\\s*(?:,\\s*([^,)]+(?:\\([^)]*\\))?[^,)]*))?(?:,\\s*([^,)]+))?");

	/** Commands without a key, and those whose key is their second argument. */
	private static final Map<String, Integer> KEY_ARGUMENT = Map.of("TIME", 0, "PUBLISH", 0, "XINFO", 2);

	private ScriptKeyArguments() {
	}

	/**
	 * The key arguments of the scripts on the class path that are built in the script.
	 * @param locationPattern where the scripts are, for example
	 * {@code classpath*:scripts/*.lua}
	 * @return one line per offending call: the script, the command and its key argument;
	 * empty when every key is declared
	 */
	public static List<String> builtKeysOfScripts(String locationPattern) {
		List<String> found = new ArrayList<>();
		try {
			Resource[] scripts = new PathMatchingResourcePatternResolver().getResources(locationPattern);
			if (scripts.length == 0) {
				throw new IllegalArgumentException("No scripts at " + locationPattern);
			}
			for (Resource script : scripts) {
				String source = script.getContentAsString(StandardCharsets.UTF_8);
				builtKeys(source).forEach((call) -> found.add(script.getFilename() + ": " + call));
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return found;
	}

	/**
	 * The key arguments of one script's calls that are built in the script.
	 * @param source the script
	 * @return the offending calls, as command and key argument
	 */
	static List<String> builtKeys(String source) {
		List<String> found = new ArrayList<>();
		String code = source.replaceAll("(?m)--.*$", "");
		Matcher call = CALL.matcher(code);
		while (call.find()) {
			String command = call.group(1).toUpperCase();
			int position = KEY_ARGUMENT.getOrDefault(command, 1);
			String key = (position == 0) ? null : call.group(1 + position);
			if (key != null && !isDeclared(key.strip(), code)) {
				found.add(command + " " + key.strip());
			}
		}
		return found;
	}

	/**
	 * Whether a key argument is {@code KEYS[...]}, or a local variable never assigned an
	 * expression over {@code ARGV} or a concatenation.
	 */
	private static boolean isDeclared(String key, String code) {
		if (key.matches("KEYS\\[[^\\]]+\\]")) {
			return true;
		}
		if (key.startsWith("unpack(")) {
			// the keys a table collected, for a multi-key command
			return isDeclared(key.substring("unpack(".length()).strip(), code);
		}
		if (!key.matches("[A-Za-z_]\\w*") || key.equals("ARGV")) {
			return false;
		}
		Matcher assignment = Pattern.compile("\\b" + key + "\\s*=(?!=)([^\\n]*)").matcher(code);
		while (assignment.find()) {
			String value = assignment.group(1);
			if (value.contains("ARGV") || value.contains("..")) {
				return false;
			}
		}
		return true;
	}

}
