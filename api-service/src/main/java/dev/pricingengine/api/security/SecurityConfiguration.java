package dev.pricingengine.api.security;

import java.nio.charset.StandardCharsets;

import reactor.core.publisher.Mono;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.config.web.server.SecurityWebFiltersOrder;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.web.authentication.preauth.PreAuthenticatedAuthenticationToken;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.ServerAuthenticationEntryPoint;
import org.springframework.security.web.server.authentication.AuthenticationWebFilter;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.firewall.ServerExchangeRejectedHandler;
import org.springframework.security.web.server.savedrequest.NoOpServerRequestCache;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatcher;

/**
 * Reads are public: prices, the catalog, job status, docs, health and metrics. Everything
 * that changes state or triggers work — publishing events, catalog import, fault
 * injection, dead-letter replay — and the operators' reads (fault settings, dead letters)
 * need a configured key in {@code X-API-Key}; without one the answer is a 401 problem
 * detail. No sessions, no cookies, so no CSRF tokens either.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebFluxSecurity
public class SecurityConfiguration {

	static final String HEADER = "X-API-Key";

	@Bean
	SecurityWebFilterChain securityWebFilterChain(ServerHttpSecurity http, ApiKeys keys,
			ReactiveAuthenticationManager apiKeyAuthentication) {
		ServerAuthenticationEntryPoint unauthorized = (exchange, ex) -> problem(exchange.getResponse(),
				HttpStatus.UNAUTHORIZED, "unauthorized", "Unauthorized",
				keys.isEmpty() ? "Writes are disabled: no API key is configured (pricing.security.api-keys)"
						: "A valid " + HEADER + " header is required " + purpose(exchange.getRequest().getMethod()));
		AuthenticationWebFilter apiKey = new AuthenticationWebFilter(apiKeyAuthentication);
		apiKey.setServerAuthenticationConverter(
				(exchange) -> Mono.justOrEmpty(exchange.getRequest().getHeaders().getFirst(HEADER))
					.map((key) -> new PreAuthenticatedAuthenticationToken(null, key)));
		apiKey.setRequiresAuthenticationMatcher((exchange) -> exchange.getRequest().getHeaders().containsHeader(HEADER)
				? ServerWebExchangeMatcher.MatchResult.match() : ServerWebExchangeMatcher.MatchResult.notMatch());
		// an unknown key leaves the request anonymous: public reads answer, the rest 401
		apiKey.setAuthenticationFailureHandler(
				(filterExchange, ex) -> filterExchange.getChain().filter(filterExchange.getExchange()));
		apiKey.setSecurityContextRepository(NoOpServerSecurityContextRepository.getInstance());
		return http.csrf(ServerHttpSecurity.CsrfSpec::disable)
			.httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
			.formLogin(ServerHttpSecurity.FormLoginSpec::disable)
			.logout(ServerHttpSecurity.LogoutSpec::disable)
			.requestCache((cache) -> cache.requestCache(NoOpServerRequestCache.getInstance()))
			.securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
			.addFilterAt(apiKey, SecurityWebFiltersOrder.AUTHENTICATION)
			.authorizeExchange((exchanges) -> exchanges.pathMatchers("/api/v1/admin/**", "/api/v1/dead-letters/**")
				.authenticated()
				// the job list, unlike one job's status, lists every job's errors
				.pathMatchers(HttpMethod.GET, "/api/v1/jobs")
				.authenticated()
				.pathMatchers(HttpMethod.GET, "/**")
				.permitAll()
				.pathMatchers(HttpMethod.HEAD, "/**")
				.permitAll()
				.pathMatchers(HttpMethod.POST, "/api/v1/price")
				.permitAll()
				.anyExchange()
				.authenticated())
			.exceptionHandling((handling) -> handling.authenticationEntryPoint(unauthorized)
				.accessDeniedHandler((exchange, ex) -> problem(exchange.getResponse(), HttpStatus.FORBIDDEN,
						"forbidden", "Forbidden", "This key may not do that")))
			.build();
	}

	/**
	 * None of Spring Security's own observations: timers around each filter-chain phase
	 * and every request's authentication and authorization cost ~9 % of a read's CPU time
	 * as {@code spring_security_*} metrics nobody used (docs/performance.md), and even
	 * switched off by name ({@code management.observations.enable}) the filter chain's
	 * observing wrappers cost ~3 %. {@code http_server_requests} still times every
	 * request.
	 */
	@Bean
	SecurityObservationSettings noSecurityObservations() {
		return SecurityObservationSettings.noObservations();
	}

	/** What a key is needed for, by the request's method. */
	private static String purpose(HttpMethod method) {
		return (HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method))
				? "to read operators' data (fault settings, dead letters, the job list)"
				: "to change state or trigger work";
	}

	/**
	 * A request Spring Security's firewall refuses (an encoded character in the path that
	 * could confuse matching, for example) is a 400 problem detail like any bad input.
	 */
	@Bean
	ServerExchangeRejectedHandler rejectedRequestProblem() {
		return (exchange, ex) -> problem(exchange.getResponse(), HttpStatus.BAD_REQUEST, "rejected-request",
				"Rejected request", "The request's URL is not accepted");
	}

	/**
	 * Authenticates an {@code X-API-Key}; the principal's name is the key's id, never the
	 * key. Being a bean, it also keeps Spring Boot from creating a default user with a
	 * generated password.
	 */
	@Bean
	ReactiveAuthenticationManager apiKeyAuthentication(ApiKeys keys) {
		return (authentication) -> keys.identify(String.valueOf(authentication.getCredentials()))
			.<Mono<Authentication>>map((keyId) -> Mono
				.just(new PreAuthenticatedAuthenticationToken(keyId, null, AuthorityUtils.NO_AUTHORITIES)))
			.orElseGet(() -> Mono.error(new BadCredentialsException("Unknown API key")));
	}

	/**
	 * An RFC 9457 problem detail; every value is a constant, so no escaping is needed.
	 */
	private static Mono<Void> problem(ServerHttpResponse response, HttpStatus status, String type, String title,
			String detail) {
		response.setStatusCode(status);
		response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
		String body = "{\"type\":\"urn:pricing:problem:" + type + "\",\"title\":\"" + title + "\",\"status\":"
				+ status.value() + ",\"detail\":\"" + detail + "\"}";
		DataBuffer buffer = response.bufferFactory().wrap(body.getBytes(StandardCharsets.UTF_8));
		return response.writeWith(Mono.just(buffer));
	}

}
