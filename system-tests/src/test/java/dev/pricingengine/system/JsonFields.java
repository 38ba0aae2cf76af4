package dev.pricingengine.system;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One field of the API's JSON answers, read as text: the system tests see the API as a
 * client does, without the services' classes.
 */
final class JsonFields {

	private JsonFields() {
	}

	/** A number (or a decimal string) field; fails the test when absent. */
	static String field(String json, String name) {
		return field(json, name, "[0-9.]+");
	}

	/** A field whose value matches a pattern; fails the test when absent. */
	static String field(String json, String name, String valuePattern) {
		Matcher matcher = Pattern.compile("\"" + name + "\":\"?(" + valuePattern + ")").matcher(json);
		assertThat(matcher.find()).as("%s in %s", name, json).isTrue();
		return matcher.group(1);
	}

}
