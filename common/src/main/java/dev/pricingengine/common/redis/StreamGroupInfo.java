package dev.pricingengine.common.redis;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the replies of {@code XINFO GROUPS}, which Lettuce hands over raw.
 */
public final class StreamGroupInfo {

	private StreamGroupInfo() {
	}

	/**
	 * The fields of one group of {@code XINFO GROUPS}.
	 * @param group one element of the reply: a flat name/value list (RESP2) or a map
	 * (RESP3)
	 * @return field name → value ({@code name}, {@code consumers}, {@code pending},
	 * {@code lag}…)
	 */
	public static Map<Object, Object> fields(Object group) {
		if (group instanceof Map<?, ?> map) {
			return new HashMap<>(map);
		}
		List<?> flat = (List<?>) group;
		Map<Object, Object> fields = new HashMap<>();
		for (int i = 0; i + 1 < flat.size(); i += 2) {
			fields.put(flat.get(i), flat.get(i + 1));
		}
		return fields;
	}

}
