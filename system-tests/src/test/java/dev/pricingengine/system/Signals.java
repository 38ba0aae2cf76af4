package dev.pricingengine.system;

import java.io.IOException;

/**
 * POSIX signals the JDK cannot send ({@code SIGSTOP}, {@code SIGCONT}), through
 * {@code kill}.
 */
final class Signals {

	private Signals() {
	}

	/**
	 * Sends a signal to a process.
	 * @param signal the signal's name without {@code SIG}, for example {@code STOP}
	 * @param process the process
	 */
	static void send(String signal, ProcessHandle process) throws IOException, InterruptedException {
		int status = new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).inheritIO()
			.start()
			.waitFor();
		if (status != 0) {
			throw new IOException("kill -" + signal + " " + process.pid() + " exited with " + status);
		}
	}

}
