package dev.pricingengine.api.system;

import io.opentelemetry.context.Context;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * The OpenTelemetry context of the request being served, for the spans the API makes
 * itself (the PRODUCER span of a published event). The agent's HTTP server
 * instrumentation makes the request's span current while Reactor Netty hands the request
 * over; its Reactor instrumentation, which would carry the context through every
 * operator, is off (it cost about 40 % of a cached read's CPU time, docs/performance.md).
 * So this filter, first in the chain, keeps the request's context in the Reactor context,
 * and code running later on another thread (after a Redis reply) takes it from there.
 */
@Component
public class RequestTraceContext implements WebFilter, Ordered {

	private static final Object KEY = RequestTraceContext.class;

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		Context request = Context.current();
		if (request == Context.root()) {
			return chain.filter(exchange);
		}
		return chain.filter(exchange).contextWrite((context) -> context.put(KEY, request));
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

	/**
	 * The context of the request a reactive sequence serves.
	 * @return the request's context; the current one outside a request
	 */
	public static Mono<Context> current() {
		return Mono.deferContextual((context) -> Mono.just(context.getOrDefault(KEY, Context.current())));
	}

}
