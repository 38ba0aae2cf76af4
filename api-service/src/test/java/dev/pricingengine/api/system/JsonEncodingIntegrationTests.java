package dev.pricingengine.api.system;

import java.util.Map;

import dev.pricingengine.api.ApiIntegrationTest;
import org.junit.jupiter.api.Test;
import tools.jackson.core.util.BufferRecycler;
import tools.jackson.core.util.RecyclerPool;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.ResolvableType;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.MediaType;
import org.springframework.http.codec.EncoderHttpMessageWriter;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.http.codec.json.JacksonJsonEncoder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every JSON answer is written by Spring's Jackson encoder as the API configures it.
 */
@ApiIntegrationTest
class JsonEncodingIntegrationTests {

	@Autowired
	private ServerCodecConfigurer codecs;

	/**
	 * The encoder borrows a recycler of buffers from its mapper's pool for each answer;
	 * if it does not give it back, every answer allocates ~18 KB of new buffers, a fifth
	 * of what a cached read allocated (spring-projects/spring-framework#37058, fixed in
	 * Spring Framework 7.0.9).
	 */
	@Test
	void givesJacksonsBuffersBackAfterEachAnswer() {
		JacksonJsonEncoder encoder = this.codecs.getWriters()
			.stream()
			.filter(EncoderHttpMessageWriter.class::isInstance)
			.map((writer) -> ((EncoderHttpMessageWriter<?>) writer).getEncoder())
			.filter(JacksonJsonEncoder.class::isInstance)
			.map(JacksonJsonEncoder.class::cast)
			.findFirst()
			.orElseThrow();
		RecyclerPool<BufferRecycler> pool = encoder.getMapper().tokenStreamFactory()._getRecyclerPool();
		Map<String, String> answer = Map.of("productId", "P-1");
		int before = pool.pooledCount();
		for (int i = 0; i < 3; i++) {
			DataBufferUtils.release(encoder.encodeValue(answer, DefaultDataBufferFactory.sharedInstance,
					ResolvableType.forInstance(answer), MediaType.APPLICATION_JSON, null));
		}
		assertThat(pool.pooledCount()).as("recyclers in the pool after three answers (%d before)", before)
			.isGreaterThanOrEqualTo(Math.max(before, 1));
	}

}
