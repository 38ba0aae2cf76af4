package dev.pricingengine.common.logging;

import java.util.concurrent.atomic.AtomicInteger;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * Spring and Spring Security log through Commons Logging with lazily rendered messages
 * ({@code LogMessage.format(...)}), several per request. Commons Logging's own SLF4J
 * binding renders them whether the level is enabled or not (spring-framework#37266);
 * through this project's factory, found by {@link LogFactory} itself, a disabled message
 * is never rendered.
 */
class LevelCheckingLogFactoryTests {

	private final Logger logger = (Logger) LoggerFactory.getLogger(LevelCheckingLogFactoryTests.class);

	private final ListAppender<ILoggingEvent> appender = new ListAppender<>() {

		@Override
		protected void append(ILoggingEvent event) {
			event.getCallerData(); // where the call came from, taken while it is on the
									// stack
			super.append(event);
		}

	};

	@BeforeEach
	void captureEvents() {
		this.appender.start();
		this.logger.addAppender(this.appender);
	}

	@AfterEach
	void restoreLogger() {
		this.logger.detachAppender(this.appender);
		this.logger.setLevel(null);
	}

	@Test
	void doesNotRenderAMessageOfADisabledLevel() {
		this.logger.setLevel(Level.INFO);
		Log log = LogFactory.getLog(LevelCheckingLogFactoryTests.class);
		RenderCounter message = new RenderCounter("Trying to match using a matcher");
		log.trace(message);
		log.debug(message);
		log.debug(message, new IllegalStateException("never rendered either"));
		assertThat(message.renders).hasValue(0);
		assertThat(this.appender.list).isEmpty();
	}

	@Test
	void rendersAndLogsEveryEnabledLevel() {
		this.logger.setLevel(Level.TRACE);
		Log log = LogFactory.getLog(LevelCheckingLogFactoryTests.class.getName());
		IllegalStateException failure = new IllegalStateException("the cause");
		log.trace(new RenderCounter("trace"));
		log.debug(new RenderCounter("debug"));
		log.info(new RenderCounter("info"));
		log.warn(new RenderCounter("warn"), failure);
		log.error(new RenderCounter("error"));
		log.fatal(new RenderCounter("fatal"));
		assertThat(this.appender.list).extracting(ILoggingEvent::getLevel, ILoggingEvent::getFormattedMessage)
			.containsExactly(tuple(Level.TRACE, "trace"), tuple(Level.DEBUG, "debug"), tuple(Level.INFO, "info"),
					tuple(Level.WARN, "warn"), tuple(Level.ERROR, "error"), tuple(Level.ERROR, "fatal"));
		assertThat(this.appender.list.get(3).getThrowableProxy().getMessage()).isEqualTo("the cause");
		assertThat(this.appender.list.get(0).getCallerData()[0].getClassName())
			.as("the caller's location, not the factory's")
			.isEqualTo(LevelCheckingLogFactoryTests.class.getName());
	}

	@Test
	void answersTheLevelsOfTheLogger() {
		this.logger.setLevel(Level.WARN);
		Log log = LogFactory.getLog(LevelCheckingLogFactoryTests.class);
		assertThat(log.isDebugEnabled()).isFalse();
		assertThat(log.isInfoEnabled()).isFalse();
		assertThat(log.isWarnEnabled()).isTrue();
		assertThat(log.isErrorEnabled()).isTrue();
	}

	private static final class RenderCounter {

		private final String text;

		private final AtomicInteger renders = new AtomicInteger();

		RenderCounter(String text) {
			this.text = text;
		}

		@Override
		public String toString() {
			this.renders.incrementAndGet();
			return this.text;
		}

	}

}
