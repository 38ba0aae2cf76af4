package dev.pricingengine.api.catalog;

import java.util.concurrent.atomic.AtomicLong;

import dev.pricingengine.api.system.JsonProblems;
import dev.pricingengine.common.catalog.Product;
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
class CatalogController {

	private final CatalogRepository catalog;

	CatalogController(CatalogRepository catalog) {
		this.catalog = catalog;
	}

	@GetMapping("/{productId}")
	Mono<ProductPayload> product(@PathVariable @Pattern(regexp = Product.ID_REGEX) String productId) {
		return this.catalog.find(productId)
			.switchIfEmpty(Mono.error(() -> new ProductNotFoundException(productId)))
			.map(ProductPayload::of);
	}

	/**
	 * Upserts products from a JSON array (or a single object) or from NDJSON, streamed:
	 * the import is never held in memory whole. All entries are imported, or none.
	 */
	@PostMapping(consumes = { MediaType.APPLICATION_JSON_VALUE, MediaType.APPLICATION_NDJSON_VALUE })
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
	record ImportResult(long imported) {

	}

}
