package dev.pricingengine.api.catalog;

import java.util.concurrent.atomic.AtomicLong;

import dev.pricingengine.api.system.JsonProblems;
import dev.pricingengine.api.system.OpenApiConfiguration;
import dev.pricingengine.api.system.ProblemResponses;
import dev.pricingengine.common.catalog.Product;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Schema.RequiredMode;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.constraints.Pattern;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebInputException;

/**
 * Reads and bulk-upserts the catalog.
 */
@RestController
@RequestMapping("/api/v1/catalog")
@Tag(name = "Catalog")
class CatalogController {

	private final CatalogRepository catalog;

	CatalogController(CatalogRepository catalog) {
		this.catalog = catalog;
	}

	@GetMapping("/{productId}")
	@Operation(summary = "A product's pricing inputs")
	@ProblemResponses({ 400, 404, 503 })
	Mono<ProductResponse> product(@PathVariable @Pattern(regexp = Product.ID_REGEX) String productId) {
		return this.catalog.find(productId)
			.switchIfEmpty(Mono.error(() -> new ProductNotFoundException(productId)))
			.map(ProductResponse::of);
	}

	/**
	 * Upserts products from a JSON array (or a single object) or from NDJSON, streamed:
	 * the import is never held in memory whole. All entries are imported, or none.
	 */
	@PostMapping(consumes = { MediaType.APPLICATION_JSON_VALUE, MediaType.APPLICATION_NDJSON_VALUE })
	@Operation(summary = "Import products",
			description = "A JSON array (or one object) or NDJSON, streamed; "
					+ "every entry is imported or none (a refused entry is named by its index, counted from 0)")
	@SecurityRequirement(name = OpenApiConfiguration.API_KEY)
	@ProblemResponses({ 400, 401, 413, 503 })
	Mono<ImportResult> importProducts(@RequestBody Flux<ProductPayload> payloads) {
		AtomicLong index = new AtomicLong();
		// an entry the decoder could not read: the entries before it have passed the map
		// below, so the index counts them
		Flux<Product> products = payloads
			.onErrorMap(ServerWebInputException.class,
					(ex) -> JsonProblems.describeValue(ex)
						.<Throwable>map((reason) -> new InvalidCatalogEntryException(index.get(), reason))
						.orElse(ex))
			.map((payload) -> {
				long entry = index.getAndIncrement();
				try {
					return payload.toProduct();
				}
				catch (IllegalArgumentException ex) {
					throw new InvalidCatalogEntryException(entry, ex.getMessage());
				}
			});
		return this.catalog.importAll(products).map(ImportResult::new);
	}

	/**
	 * Outcome of an import.
	 *
	 * @param imported number of products upserted
	 */
	record ImportResult(@Schema(requiredMode = RequiredMode.REQUIRED) long imported) {

	}

}
