package dev.pricingengine.common.redis;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How the pricing data is partitioned; the same in every service.
 *
 * @param partitions partitions the products are spread over, each with its own hash tag,
 * lock and price fence (so that workers recalculate them side by side); fixed when the
 * data set is created: recorded in Redis by the first service to start, and every service
 * refuses to start with another number
 */
@Validated
@ConfigurationProperties("pricing")
public record PartitionProperties(@DefaultValue("1") @Min(1) @Max(1024) int partitions) {

}
