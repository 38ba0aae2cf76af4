package dev.pricingengine.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import dev.pricingengine.common.test.RedisTestConfiguration;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Import;
import org.springframework.core.annotation.AliasFor;

/**
 * The API on a random port against the test Redis, with an empty catalog, a small import
 * cap, one region factor and the test API key (sent by the {@code WebTestClient}). Test
 * classes that add no properties share one application context.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
@Import({ RedisTestConfiguration.class, TestApiKey.class })
public @interface ApiIntegrationTest {

	@AliasFor(annotation = SpringBootTest.class, attribute = "properties")
	String[] properties() default { "pricing.catalog.demo-size=0", "pricing.catalog.max-import-size=512KB",
			"pricing.price.regions.NY=1.10", "pricing.security.api-keys=" + TestApiKey.KEY };

}
