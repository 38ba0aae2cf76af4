package dev.pricingengine.system;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Enumeration;
import java.util.Iterator;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Catalogs to import, generated while they are read.
 */
final class Catalogs {

	private Catalogs() {
	}

	/**
	 * NDJSON of {@code count} products {@code <idPrefix>0 …}, in categories C-1 to C-20,
	 * product {@code i} with base price {@code (i % 900 + 5).99}.
	 * @param idPrefix start of every product id
	 * @param count how many products
	 * @return the body, produced as it is read
	 */
	static InputStream ndjson(String idPrefix, int count) {
		return lines(IntStream.range(0, count)
			.mapToObj((i) -> "{\"product_id\":\"" + idPrefix + i + "\",\"category\":\"C-" + (i % 20 + 1)
					+ "\",\"base_price\":\"" + (i % 900 + 5)
					+ ".99\",\"floor_price\":\"1.00\",\"ceiling_price\":\"99999.00\"}\n"));
	}

	/**
	 * A body of text lines, each produced as the body is read.
	 * @param lines the lines, each with its line end
	 * @return the body
	 */
	static InputStream lines(Stream<String> lines) {
		Iterator<InputStream> bodies = lines
			.map((line) -> (InputStream) new ByteArrayInputStream(line.getBytes(StandardCharsets.UTF_8)))
			.iterator();
		return new SequenceInputStream(new Enumeration<>() {

			@Override
			public boolean hasMoreElements() {
				return bodies.hasNext();
			}

			@Override
			public InputStream nextElement() {
				return bodies.next();
			}

		});
	}

}
