package dev.pricingengine.api.catalog;

import java.util.concurrent.atomic.AtomicLong;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Caps the size of a streamed catalog import ({@code pricing.catalog.max-import-size});
 * other bodies are capped by {@code spring.http.codecs.max-in-memory-size}. A body over
 * the cap fails while it is decoded, which the API answers with 413.
 */
@Component
class CatalogImportSizeLimit implements WebFilter {

	private static final String IMPORT_PATH = "/api/v1/catalog";

	private final long maxBytes;

	CatalogImportSizeLimit(CatalogProperties properties) {
		this.maxBytes = properties.maxImportSize().toBytes();
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		ServerHttpRequest request = exchange.getRequest();
		if (request.getMethod() != HttpMethod.POST || !IMPORT_PATH.equals(request.getPath().value())) {
			return chain.filter(exchange);
		}
		return chain.filter(exchange.mutate().request(new LimitedRequest(request)).build());
	}

	private final class LimitedRequest extends ServerHttpRequestDecorator {

		LimitedRequest(ServerHttpRequest delegate) {
			super(delegate);
		}

		@Override
		public Flux<DataBuffer> getBody() {
			long maxBytes = CatalogImportSizeLimit.this.maxBytes;
			if (getHeaders().getContentLength() > maxBytes) {
				return Flux.error(tooLarge(maxBytes));
			}
			AtomicLong received = new AtomicLong();
			return super.getBody().handle((buffer, sink) -> {
				if (received.addAndGet(buffer.readableByteCount()) > maxBytes) {
					DataBufferUtils.release(buffer);
					sink.error(tooLarge(maxBytes));
				}
				else {
					sink.next(buffer);
				}
			});
		}

		private static DataBufferLimitException tooLarge(long maxBytes) {
			return new DataBufferLimitException("Catalog import exceeds the limit of " + maxBytes + " bytes");
		}

	}

}
