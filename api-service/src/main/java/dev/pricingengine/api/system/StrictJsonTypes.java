package dev.pricingengine.api.system;

import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.cfg.EnumFeature;
import tools.jackson.databind.type.LogicalType;

import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Request bodies hold the JSON types the API documents: a number or a boolean where a
 * string belongs, a number or a string where a boolean belongs, or an enumeration's index
 * is refused (400, naming the field) instead of coerced (a numeric {@code product_id} was
 * read as a string and answered 404). Money stays a JSON number or a decimal string such
 * as {@code "12.50"}.
 */
@Configuration(proxyBeanMethods = false)
class StrictJsonTypes {

	@Bean
	JsonMapperBuilderCustomizer noCoercionOfJsonTypes() {
		return (builder) -> builder
			.withCoercionConfig(LogicalType.Textual,
					(config) -> config.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
						.setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
						.setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
			.withCoercionConfig(LogicalType.Boolean,
					(config) -> config.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
						.setCoercion(CoercionInputShape.String, CoercionAction.Fail))
			.enable(EnumFeature.FAIL_ON_NUMBERS_FOR_ENUMS);
	}

}
