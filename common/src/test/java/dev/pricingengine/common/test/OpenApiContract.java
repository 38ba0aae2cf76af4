package dev.pricingengine.common.test;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An OpenAPI 3.1 document held as a contract over live answers: the answer's operation
 * must be in the document, its status declared by that operation, its media type declared
 * for that status, and a JSON body must be valid against the schema declared for it
 * (networknt's json-schema-validator with the OpenAPI 3.1 dialect, references resolved
 * within the document).
 */
public final class OpenApiContract {

	/** Where the document is registered for the validator to resolve its references. */
	private static final String DOCUMENT_URI = "urn:pricing:openapi";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final JsonNode document;

	private final SchemaRegistry schemas;

	private final List<PathTemplate> paths = new ArrayList<>();

	private OpenApiContract(String document) {
		this.document = JSON.readTree(document);
		this.schemas = SchemaRegistry.withDialect(Dialects.getOpenApi31(),
				(builder) -> builder.schemas(Map.of(DOCUMENT_URI, document)));
		this.document.path("paths").propertyNames().forEach((path) -> this.paths.add(PathTemplate.of(path)));
	}

	/**
	 * The contract an OpenAPI document states.
	 * @param document the document, JSON
	 * @return the contract
	 */
	public static OpenApiContract of(String document) {
		return new OpenApiContract(document);
	}

	/**
	 * What in one answer the document does not declare.
	 * @param method the request's method
	 * @param uri the request's path, with its query if any
	 * @param status the answer's status
	 * @param contentType the answer's {@code Content-Type}, or {@code null} if none
	 * @param body the answer's body, empty if none
	 * @return the violations, empty if the answer keeps the contract
	 */
	public List<String> violations(String method, String uri, int status, String contentType, String body) {
		String exchange = method + " " + uri + " → " + status;
		String path = URI.create(uri).getRawPath();
		String template = this.paths.stream()
			.filter((candidate) -> candidate.matches(path))
			.min((a, b) -> Integer.compare(a.variables(), b.variables()))
			.map(PathTemplate::template)
			.orElse(null);
		if (template == null) {
			return List.of(exchange + ": no path of the document matches " + path);
		}
		String operationPointer = "/paths/" + escape(template) + "/" + method.toLowerCase(Locale.ROOT);
		JsonNode operation = this.document.at(operationPointer);
		if (operation.isMissingNode()) {
			return List.of(exchange + ": the document has no " + method + " " + template);
		}
		JsonNode responses = operation.path("responses");
		String declaredStatus = responses.has(String.valueOf(status)) ? String.valueOf(status)
				: (responses.has((status / 100) + "XX") ? (status / 100) + "XX" : "default");
		JsonNode response = responses.path(declaredStatus);
		if (response.isMissingNode()) {
			return List.of(exchange + ": " + method + " " + template + " declares only " + responses.propertyNames());
		}
		JsonNode content = response.path("content");
		if (contentType == null || body.isEmpty()) {
			return (content.isEmpty()) ? List.of()
					: List.of(exchange + ": no body, but the document declares " + content.propertyNames());
		}
		String mediaType = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
		if (!content.has(mediaType)) {
			return List.of(exchange + ": answered " + mediaType + ", declared " + content.propertyNames());
		}
		if (!mediaType.equals("application/json") && !mediaType.endsWith("+json")) {
			return List.of();
		}
		String schemaPointer = operationPointer + "/responses/" + escape(declaredStatus) + "/content/"
				+ escape(mediaType) + "/schema";
		if (this.document.at(schemaPointer).isMissingNode()) {
			return List.of(exchange + ": no schema declared for its " + mediaType + " body");
		}
		JsonNode answered;
		try {
			answered = JSON.readTree(body);
		}
		catch (JacksonException ex) {
			return List.of(exchange + ": its " + mediaType + " body is not JSON: " + ex.getOriginalMessage());
		}
		Schema schema = this.schemas.getSchema(SchemaLocation.of(DOCUMENT_URI + "#" + fragment(schemaPointer)));
		return schema.validate(answered).stream().map((error) -> exchange + ": " + describe(error)).toList();
	}

	private static String describe(Error error) {
		return error.getInstanceLocation() + " " + error.getMessage() + " (schema " + error.getSchemaLocation() + ")";
	}

	/** One reference token of a JSON pointer (RFC 6901). */
	private static String escape(String token) {
		return token.replace("~", "~0").replace("/", "~1");
	}

	/** A JSON pointer as a URI fragment (RFC 6901, section 6). */
	private static String fragment(String pointer) {
		return pointer.replace("{", "%7B").replace("}", "%7D");
	}

	/** A path of the document; its variables match one segment each. */
	private record PathTemplate(String template, Pattern pattern, int variables) {

		private static final Pattern VARIABLE = Pattern.compile("\\{[^/}]+}");

		static PathTemplate of(String template) {
			String[] literals = VARIABLE.split(template, -1);
			StringBuilder regex = new StringBuilder();
			for (int i = 0; i < literals.length; i++) {
				regex.append((i > 0) ? "[^/]+" : "").append(Pattern.quote(literals[i]));
			}
			return new PathTemplate(template, Pattern.compile(regex.toString()), literals.length - 1);
		}

		boolean matches(String path) {
			return this.pattern.matcher(path).matches();
		}

	}

}
