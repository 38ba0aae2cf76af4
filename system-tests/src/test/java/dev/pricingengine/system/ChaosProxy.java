package dev.pricingengine.system;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy between one service and Redis that the chaos suite can partition: while
 * partitioned it moves no byte in either direction but keeps every connection open, as a
 * network that drops packets would (TCP retransmits until it heals; the kernel's buffers
 * hold what was sent); healed, what was held goes through. Neither side notices anything
 * but silence, until its own timeouts fire.
 */
final class ChaosProxy implements AutoCloseable {

	private final ServerSocket server;

	private final int target;

	private final List<Socket> sockets = new CopyOnWriteArrayList<>();

	private final Object gate = new Object();

	private volatile boolean partitioned;

	private volatile boolean open = true;

	/**
	 * Starts a proxy on a free loopback port.
	 * @param target the port of the Redis it forwards to
	 */
	ChaosProxy(int target) throws IOException {
		this.target = target;
		this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		Thread acceptor = new Thread(this::accept, "chaos-proxy-" + port());
		acceptor.setDaemon(true);
		acceptor.start();
	}

	int port() {
		return this.server.getLocalPort();
	}

	/** Stops moving bytes, in both directions, on every connection (and new ones). */
	void partition() {
		this.partitioned = true;
	}

	/** Moves bytes again; what was held goes through. */
	void heal() {
		synchronized (this.gate) {
			this.partitioned = false;
			this.gate.notifyAll();
		}
	}

	private void accept() {
		while (this.open) {
			Socket client;
			try {
				client = this.server.accept();
			}
			catch (IOException ex) {
				continue; // the proxy closed
			}
			try {
				Socket redis = new Socket();
				this.sockets.add(client);
				this.sockets.add(redis);
				redis.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.target), 5_000);
				pump(client, redis);
				pump(redis, client);
			}
			catch (IOException ex) {
				// Redis is down: the client sees its connection closed and reconnects
				closeQuietly(client);
			}
		}
	}

	private void pump(Socket from, Socket to) throws IOException {
		InputStream in = from.getInputStream();
		OutputStream out = to.getOutputStream();
		Thread pump = new Thread(() -> {
			byte[] buffer = new byte[64 * 1024];
			try {
				for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
					awaitHealed();
					out.write(buffer, 0, read);
					out.flush();
				}
			}
			catch (IOException | InterruptedException ex) {
				// the other side closed
			}
			finally {
				closeQuietly(from);
				closeQuietly(to);
				this.sockets.remove(from);
				this.sockets.remove(to);
			}
		}, "chaos-proxy-pump");
		pump.setDaemon(true);
		pump.start();
	}

	private void awaitHealed() throws InterruptedException {
		synchronized (this.gate) {
			while (this.partitioned && this.open) {
				this.gate.wait(100);
			}
		}
	}

	private static void closeQuietly(Socket socket) {
		try {
			socket.close();
		}
		catch (IOException ex) {
			// closing anyway
		}
	}

	@Override
	public void close() throws IOException {
		this.open = false;
		heal();
		this.server.close();
		this.sockets.forEach(ChaosProxy::closeQuietly);
	}

}
