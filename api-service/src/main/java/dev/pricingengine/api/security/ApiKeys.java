package dev.pricingengine.api.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.springframework.stereotype.Component;

/**
 * The configured API keys, held only as SHA-256 digests. A presented key is compared with
 * every one of them in constant time, so neither the answer's timing nor its content
 * tells how close a guess was.
 */
@Component
public class ApiKeys {

	private static final String HASHED = "sha256:";

	private final List<byte[]> digests;

	ApiKeys(ApiKeyProperties properties) {
		this.digests = properties.apiKeys().stream().map(String::trim).filter((key) -> !key.isEmpty()).map((key) -> {
			if (key.toLowerCase(Locale.ROOT).startsWith(HASHED)) {
				byte[] digest = HexFormat.of().parseHex(key.substring(HASHED.length()));
				if (digest.length != 32) {
					throw new IllegalArgumentException(
							"pricing.security.api-keys: a sha256: entry needs 64 hex digits");
				}
				return digest;
			}
			return sha256(key);
		}).toList();
	}

	public boolean isEmpty() {
		return this.digests.isEmpty();
	}

	/**
	 * Checks a presented key.
	 * @param presented the {@code X-API-Key} value
	 * @return an id of the key safe to log and to count by (the first 12 hex digits of
	 * its digest), or empty when no configured key matches
	 */
	public Optional<String> identify(String presented) {
		byte[] digest = sha256(presented);
		boolean matched = false;
		for (byte[] configured : this.digests) {
			matched |= MessageDigest.isEqual(configured, digest);
		}
		return matched ? Optional.of(HexFormat.of().formatHex(digest, 0, 6)) : Optional.empty();
	}

	static byte[] sha256(String key) {
		try {
			return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is required by the Java platform", ex);
		}
	}

}
