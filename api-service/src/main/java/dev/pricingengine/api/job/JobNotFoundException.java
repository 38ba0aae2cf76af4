package dev.pricingengine.api.job;

import java.net.URI;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * No status for the requested job (404): unknown, not bridged yet, or past its retention.
 */
class JobNotFoundException extends ErrorResponseException {

	JobNotFoundException(String jobId) {
		super(HttpStatus.NOT_FOUND, problem(jobId), null);
	}

	private static ProblemDetail problem(String jobId) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND,
				"No status for job '" + jobId + "' (unknown, not yet on the job stream, or expired)");
		problem.setTitle("Unknown job");
		problem.setType(URI.create("urn:pricing:problem:unknown-job"));
		problem.setProperty("job_id", jobId);
		return problem;
	}

}
