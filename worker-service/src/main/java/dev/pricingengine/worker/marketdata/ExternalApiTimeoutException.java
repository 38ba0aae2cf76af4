package dev.pricingengine.worker.marketdata;

/**
 * The market-data source did not answer in time; transient, so retried.
 */
public class ExternalApiTimeoutException extends RuntimeException {

	ExternalApiTimeoutException(String message) {
		super(message);
	}

}
