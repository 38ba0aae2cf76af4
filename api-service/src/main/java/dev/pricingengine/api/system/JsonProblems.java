package dev.pricingengine.api.system;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;

/**
 * What is wrong with a request body the JSON decoder refused, in words a client can act
 * on: the field and the type it must have, the values an enumeration accepts, or where
 * the JSON stops being JSON. Never the decoder's own message, which names Java classes.
 */
public final class JsonProblems {

	/** Longest part of a client's value repeated in a problem. */
	private static final int MAX_VALUE_LENGTH = 40;

	private JsonProblems() {
	}

	/**
	 * Describes the JSON error in an exception's causes, if there is one.
	 * @param ex what the decoder threw (Spring wraps Jackson's exception)
	 * @return a sentence, without a final full stop, or empty if no JSON error caused it
	 */
	public static Optional<String> describe(Throwable ex) {
		return cause(ex, JacksonException.class).map(JsonProblems::describe);
	}

	/**
	 * Describes the error in an exception's causes if it is about a value (a field of
	 * another type, an unknown enumeration value), not about the JSON's syntax.
	 * @param ex what the decoder threw
	 * @return a sentence naming the field, or empty
	 */
	public static Optional<String> describeValue(Throwable ex) {
		return cause(ex, DatabindException.class).map(JsonProblems::describe);
	}

	private static <T extends Throwable> Optional<T> cause(Throwable ex, Class<T> type) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (type.isInstance(cause)) {
				return Optional.of(type.cast(cause));
			}
		}
		return Optional.empty();
	}

	private static String describe(JacksonException ex) {
		if (ex instanceof StreamReadException) {
			TokenStreamLocation location = ex.getLocation();
			return "The body is not valid JSON: " + firstLine(ex.getOriginalMessage()) + ((location != null)
					? " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")" : "");
		}
		String field = field(ex);
		if (ex instanceof InvalidFormatException invalid && invalid.getTargetType() != null
				&& invalid.getTargetType().isEnum()) {
			return field + " must be one of "
					+ Arrays.stream(invalid.getTargetType().getEnumConstants())
						.map(String::valueOf)
						.collect(Collectors.joining(", "))
					+ ", not " + shortened(invalid.getValue());
		}
		if (ex instanceof MismatchedInputException mismatched && mismatched.getTargetType() != null) {
			return field + " must be " + expected(mismatched.getTargetType())
					+ ((mismatched.getCurrentToken() != null) ? ", not " + found(mismatched.getCurrentToken()) : "");
		}
		return field + " is invalid";
	}

	/**
	 * The field a data-binding error is about, by its JSON path: 'product_id',
	 * 'items[2]'.
	 */
	private static String field(JacksonException ex) {
		StringBuilder path = new StringBuilder();
		for (JacksonException.Reference reference : ex.getPath()) {
			if (reference.getPropertyName() != null) {
				path.append((path.length() > 0) ? "." : "").append(reference.getPropertyName());
			}
			else if (reference.getIndex() >= 0) {
				path.append('[').append(reference.getIndex()).append(']');
			}
		}
		return (path.length() > 0) ? "'" + path + "'" : "The body";
	}

	private static String expected(Class<?> type) {
		if (type == String.class) {
			return "a string";
		}
		if (type == Boolean.class || type == boolean.class) {
			return "true or false";
		}
		if (type == BigDecimal.class) {
			return "a decimal number (a JSON number or a string such as \"12.50\")";
		}
		if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
			return "a number";
		}
		if (type.isEnum()) {
			return "one of "
					+ Arrays.stream(type.getEnumConstants()).map(String::valueOf).collect(Collectors.joining(", "));
		}
		return "an object";
	}

	private static String found(JsonToken token) {
		return switch (token) {
			case VALUE_STRING -> "a string";
			case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
			case VALUE_TRUE, VALUE_FALSE -> "a boolean";
			case VALUE_NULL -> "null";
			case START_OBJECT, END_OBJECT -> "an object";
			case START_ARRAY, END_ARRAY -> "an array";
			default -> "a " + token.name().toLowerCase(Locale.ROOT).replace('_', ' ');
		};
	}

	private static String shortened(Object value) {
		String text = String.valueOf(value);
		return "'" + ((text.length() > MAX_VALUE_LENGTH) ? text.substring(0, MAX_VALUE_LENGTH) + "…" : text) + "'";
	}

	private static String firstLine(String message) {
		String text = String.valueOf(message);
		int newline = text.indexOf('\n');
		return (newline >= 0) ? text.substring(0, newline) : text;
	}

}
