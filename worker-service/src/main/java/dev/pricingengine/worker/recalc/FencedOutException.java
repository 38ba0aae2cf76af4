package dev.pricingengine.worker.recalc;

/**
 * A newer holder of the recalculation lock has written prices: this worker's lease
 * expired while it recalculated, and its remaining writes are refused. The job is worth
 * running again under a new token, because the batches it did not write may lie outside
 * the newer holder's scope.
 */
public class FencedOutException extends RuntimeException {

	FencedOutException(long fencingToken) {
		super("Price writes with fencing token " + fencingToken + " refused: a newer lock holder has written");
	}

}
