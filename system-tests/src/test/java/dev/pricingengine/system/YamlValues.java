package dev.pricingengine.system;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Navigation in parsed YAML (SnakeYAML's maps and lists), for tests of configuration
 * files.
 */
final class YamlValues {

	private YamlValues() {
	}

	/** The value at a dotted path of maps, or {@code null} where the path ends early. */
	static Object at(Object document, String path) {
		Object value = document;
		for (String key : path.split("\\.")) {
			if (!(value instanceof Map<?, ?> properties)) {
				return null;
			}
			value = properties.get(key);
		}
		return value;
	}

	@SuppressWarnings("unchecked")
	static Map<String, Object> map(Object value) {
		assertThat(value).isInstanceOf(Map.class);
		return (Map<String, Object>) value;
	}

	@SuppressWarnings("unchecked")
	static List<Object> list(Object value) {
		assertThat(value).isInstanceOf(List.class);
		return (List<Object>) value;
	}

}
