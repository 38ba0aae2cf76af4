package dev.pricingengine.system;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The price writes Redis executed, in its order, as the chaos suite saw them through
 * {@code MONITOR}: every {@code MSET} a script ran (the workers' fenced batch writes)
 * with the fencing token carried in its first price
 * ({@code price|base|computed_at|token}). It is the suite's own record of the writes,
 * independent of the lock's bookkeeping: fencing holds if no accepted write carries a
 * token older than one accepted before it. The connection is opened again after Redis
 * restarts; writes while it is down are not seen.
 */
final class RedisWriteLog implements AutoCloseable {

	private static final String SCRIPT_MSET = "lua] \"MSET\" ";

	private final int port;

	/** The tokens of the writes seen, by the hash tag (partition) of their keys. */
	private final List<Map.Entry<String, Long>> tokens = new CopyOnWriteArrayList<>();

	private final Thread reader;

	private volatile boolean running = true;

	private volatile Socket socket;

	RedisWriteLog(int port) {
		this.port = port;
		this.reader = new Thread(this::read, "redis-write-log");
		this.reader.setDaemon(true);
		this.reader.start();
	}

	private void read() {
		while (this.running) {
			try (Socket socket = new Socket("127.0.0.1", this.port)) {
				this.socket = socket;
				socket.getOutputStream().write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
				BufferedReader lines = new BufferedReader(
						new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8), 1 << 16);
				for (String line = lines.readLine(); line != null && this.running; line = lines.readLine()) {
					int mset = line.indexOf(SCRIPT_MSET);
					if (mset >= 0) {
						int arguments = mset + SCRIPT_MSET.length();
						this.tokens.add(Map.entry(tag(line, arguments), firstToken(line, arguments)));
					}
				}
			}
			catch (IOException ex) {
				// Redis is down or restarting: connect again
			}
			pause();
		}
	}

	/** The hash tag of the first key of {@code "MSET" "key" …}: its partition. */
	private static String tag(String line, int arguments) {
		int open = line.indexOf('{', arguments);
		return line.substring(open, line.indexOf('}', open) + 1);
	}

	/** The token of the first price of {@code "MSET" "key" "price|base|at|token" …}. */
	private static long firstToken(String line, int arguments) {
		int valueStart = line.indexOf("\" \"", arguments) + 3;
		int valueEnd = line.indexOf('"', valueStart);
		String value = line.substring(valueStart, valueEnd);
		return Long.parseLong(value.substring(value.lastIndexOf('|') + 1));
	}

	private void pause() {
		try {
			Thread.sleep(100);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.running = false;
		}
	}

	/** How many script writes were seen. */
	int writes() {
		return this.tokens.size();
	}

	/**
	 * Writes accepted after a write with a newer token of the same partition's lock: each
	 * as "token t after token u in {p<n>}".
	 */
	List<String> staleWrites() {
		List<String> stale = new ArrayList<>();
		Map<String, Long> newest = new HashMap<>();
		for (Map.Entry<String, Long> write : this.tokens) {
			long before = newest.getOrDefault(write.getKey(), 0L);
			if (write.getValue() < before) {
				stale.add("token " + write.getValue() + " written after token " + before + " in " + write.getKey());
			}
			newest.put(write.getKey(), Math.max(before, write.getValue()));
		}
		return stale;
	}

	@Override
	public void close() throws IOException {
		this.running = false;
		Socket current = this.socket;
		if (current != null) {
			current.close();
		}
	}

}
