package dev.pricingengine.api.system;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Refuses JSON request bodies nested deeper than {@value #MAX_DEPTH} levels with a 400
 * problem detail, while they stream in. No request of this API needs more than three. It
 * also keeps such bodies from the JSON decoder, whose failure on its own (far higher)
 * nesting limit released a buffer twice and dropped the connection (found by
 * {@code BadInputFuzzIntegrationTests}).
 */
@Component
class JsonNestingLimit implements WebFilter, Ordered {

	static final int MAX_DEPTH = 16;

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		MediaType contentType = exchange.getRequest().getHeaders().getContentType();
		if (contentType == null || !(MediaType.APPLICATION_JSON.isCompatibleWith(contentType)
				|| MediaType.APPLICATION_NDJSON.isCompatibleWith(contentType))) {
			return chain.filter(exchange);
		}
		return chain.filter(exchange.mutate().request(new DepthCheckedRequest(exchange.getRequest())).build());
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

	private static final class DepthCheckedRequest extends ServerHttpRequestDecorator {

		DepthCheckedRequest(ServerHttpRequest delegate) {
			super(delegate);
		}

		@Override
		public Flux<DataBuffer> getBody() {
			NestingDepth depth = new NestingDepth();
			return super.getBody().handle((buffer, sink) -> {
				if (depth.allows(buffer)) {
					sink.next(buffer);
				}
				else {
					DataBufferUtils.release(buffer);
					sink.error(
							new ProblemException(HttpStatus.BAD_REQUEST, "too-deeply-nested", "JSON nested too deeply",
									"The request body is nested deeper than " + MAX_DEPTH + " levels"));
				}
			});
		}

	}

	/** The nesting of the JSON streaming through, outside strings, across buffers. */
	private static final class NestingDepth {

		private int depth;

		private boolean inString;

		private boolean escaped;

		boolean allows(DataBuffer buffer) {
			for (int i = buffer.readPosition(); i < buffer.writePosition(); i++) {
				byte b = buffer.getByte(i);
				if (this.inString) {
					if (this.escaped) {
						this.escaped = false;
					}
					else if (b == '\\') {
						this.escaped = true;
					}
					else if (b == '"') {
						this.inString = false;
					}
				}
				else if (b == '"') {
					this.inString = true;
				}
				else if (b == '{' || b == '[') {
					if (++this.depth > MAX_DEPTH) {
						return false;
					}
				}
				else if (b == '}' || b == ']') {
					this.depth--;
				}
			}
			return true;
		}

	}

}
