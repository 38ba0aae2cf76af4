package dev.pricingengine.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * The chaos suite's history: every operation it performed with what it was answered, and
 * every fault it injected with when it began and ended (ms, this host's clock, which the
 * stack shares). The checks judge the stack against this record, not against the stack's
 * own bookkeeping.
 */
final class ChaosHistory {

	final List<Published> published = new CopyOnWriteArrayList<>();

	final List<Imported> imports = new CopyOnWriteArrayList<>();

	final List<Fault> faults = new CopyOnWriteArrayList<>();

	/** What an operation was answered. */
	enum Outcome {

		/** 2xx: the stack promised it. */
		OK,
		/**
		 * A 4xx, or a 503 that refused it before anything was kept: certainly not done.
		 */
		FAILED,
		/** No answer, or a 5xx while Redis was down: it may or may not have been done. */
		UNKNOWN

	}

	/**
	 * A market event published.
	 *
	 * @param event the event
	 * @param outcome the answer
	 * @param invoked when it was sent
	 * @param completed when the answer came (or the call failed)
	 * @param sequence its sequence when accepted, else -1
	 * @param eventId its id when accepted, else null
	 */
	record Published(ChaosEvent event, Outcome outcome, long invoked, long completed, long sequence, String eventId) {

	}

	/**
	 * A catalog import.
	 *
	 * @param products the indexes of the products it sent
	 * @param generation the generation of their inputs
	 * @param outcome the answer
	 * @param invoked when it was sent
	 * @param completed when the answer came
	 */
	record Imported(List<Integer> products, int generation, Outcome outcome, long invoked, long completed) {

	}

	/** A fault and when it began and ended. */
	static final class Fault {

		final String description;

		final long began;

		volatile long ended;

		/** What the fault was meant to exercise, once it happened ("" until then). */
		volatile String exercised = "";

		Fault(String description, long began) {
			this.description = description;
			this.began = began;
		}

		void end() {
			this.ended = System.currentTimeMillis();
		}

	}

	Fault begin(String description) {
		Fault fault = new Fault(description, System.currentTimeMillis());
		this.faults.add(fault);
		return fault;
	}

	long count(Outcome outcome) {
		return this.published.stream().filter((p) -> p.outcome() == outcome).count();
	}

	List<Published> accepted() {
		return this.published.stream().filter((p) -> p.outcome() == Outcome.OK).toList();
	}

	/** Writes the whole history, one operation a line, for a failing run to be read. */
	void write(Path file, long seed) throws IOException {
		StringBuilder out = new StringBuilder("# chaos history, seed ").append(seed).append('\n');
		this.faults.forEach((fault) -> out.append("fault ")
			.append(fault.began)
			.append('-')
			.append(fault.ended)
			.append(' ')
			.append(fault.description)
			.append(fault.exercised.isEmpty() ? "" : " [" + fault.exercised + "]")
			.append('\n'));
		this.imports.forEach((imported) -> out.append("import ")
			.append(imported.invoked())
			.append('-')
			.append(imported.completed())
			.append(" generation ")
			.append(imported.generation())
			.append(' ')
			.append(imported.products().size())
			.append(" products ")
			.append(imported.outcome())
			.append('\n'));
		out.append(this.published.stream()
			.map((p) -> "publish " + p.invoked() + "-" + p.completed() + " " + p.event().json() + " " + p.outcome()
					+ ((p.sequence() >= 0) ? " sequence " + p.sequence() + " " + p.eventId() : ""))
			.collect(Collectors.joining("\n")));
		Files.writeString(file, out.append('\n').toString(), StandardCharsets.UTF_8);
	}

}
