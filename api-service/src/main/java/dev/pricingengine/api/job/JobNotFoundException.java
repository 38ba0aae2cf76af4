package dev.pricingengine.api.job;

import dev.pricingengine.api.system.ProblemException;

import org.springframework.http.HttpStatus;

/**
 * No status for the requested job (404): unknown, not bridged yet, or past its retention.
 */
class JobNotFoundException extends ProblemException {

	JobNotFoundException(String jobId) {
		super(HttpStatus.NOT_FOUND, "unknown-job", "Unknown job",
				"No status for job '" + jobId + "' (unknown, not yet on the job stream, or expired)");
		with("job_id", jobId);
	}

}
