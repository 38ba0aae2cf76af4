import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * Stands in for a trace backend (a collector, Jaeger) during a benchmark: accepts OTLP/HTTP
 * exports on 127.0.0.1:PORT and answers each with an empty success, so the services' agents
 * export their spans as they would to a real backend, at the same cost to them. Prints how
 * many exports and bytes it received when stopped.
 * <p>
 * Usage: {@code java bench/OtlpSink.java PORT}
 */
public final class OtlpSink {

	private OtlpSink() {
	}

	public static void main(String[] args) throws IOException {
		AtomicLong exports = new AtomicLong();
		AtomicLong bytes = new AtomicLong();
		HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 64);
		server.createContext("/", (exchange) -> answer(exchange, exports, bytes));
		server.setExecutor(Executors.newFixedThreadPool(2));
		Runtime.getRuntime()
			.addShutdownHook(new Thread(() -> System.out
				.printf("OTLP_SINK exports=%d bytes=%d%n", exports.get(), bytes.get())));
		server.start();
		System.out.println("OTLP sink listening on 127.0.0.1:" + args[0]);
	}

	private static void answer(HttpExchange exchange, AtomicLong exports, AtomicLong bytes) throws IOException {
		try (InputStream body = exchange.getRequestBody()) {
			bytes.addAndGet(body.transferTo(OutputStream.nullOutputStream()));
		}
		exports.incrementAndGet();
		// an empty Export*ServiceResponse: every span accepted
		exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
		exchange.sendResponseHeaders(200, -1);
		exchange.close();
	}

}
