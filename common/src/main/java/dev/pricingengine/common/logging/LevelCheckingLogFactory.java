package dev.pricingengine.common.logging;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.commons.logging.impl.Slf4jLogFactory;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LocationAwareLogger;

/**
 * Commons Logging's factory for every service (registered in
 * {@code META-INF/services/org.apache.commons.logging.LogFactory}, which
 * {@link LogFactory} consults before its own discovery): logs through SLF4J as Commons
 * Logging's {@link Slf4jLogFactory} does, but renders a message only when its level is
 * enabled.
 * <p>
 * Spring and Spring Security log through Commons Logging with messages rendered lazily
 * ({@code LogMessage.format(...)}), relying on the logger to skip a disabled level. Since
 * Spring Framework 7 that logger is Commons Logging's own SLF4J binding, which renders
 * every message before SLF4J discards it (spring-framework#37266): Spring Security's
 * request matchers and authorization manager formatted several debug messages on every
 * request, ~4 % of the API's event-loop time in a profile of cached reads
 * (docs/performance.md). Remove this class when Commons Logging checks the level itself.
 */
public final class LevelCheckingLogFactory extends LogFactory {

	private final Map<String, Log> logs = new ConcurrentHashMap<>();

	private final Map<String, Object> attributes = new ConcurrentHashMap<>();

	private final LogFactory fallback = new Slf4jLogFactory();

	@Override
	public Log getInstance(Class<?> type) {
		return getInstance(type.getName());
	}

	@Override
	public Log getInstance(String name) {
		return this.logs.computeIfAbsent(name, (key) -> {
			org.slf4j.Logger logger = LoggerFactory.getLogger(key);
			return (logger instanceof LocationAwareLogger locationAware) ? new LevelCheckingLog(locationAware)
					: this.fallback.getInstance(key);
		});
	}

	@Override
	public Object getAttribute(String name) {
		return this.attributes.get(name);
	}

	@Override
	public String[] getAttributeNames() {
		return this.attributes.keySet().toArray(String[]::new);
	}

	@Override
	public void setAttribute(String name, Object value) {
		if (value == null) {
			this.attributes.remove(name);
		}
		else {
			this.attributes.put(name, value);
		}
	}

	@Override
	public void removeAttribute(String name) {
		this.attributes.remove(name);
	}

	@Override
	public void release() {
		this.logs.clear();
		this.fallback.release();
	}

	/**
	 * A {@link Log} over an SLF4J logger that checks the level before rendering the
	 * message, and names itself as the logging class so that the caller's location stays
	 * the caller's.
	 */
	private static final class LevelCheckingLog implements Log {

		private static final String FQCN = LevelCheckingLog.class.getName();

		private final LocationAwareLogger logger;

		LevelCheckingLog(LocationAwareLogger logger) {
			this.logger = logger;
		}

		private void log(int level, boolean enabled, Object message, Throwable failure) {
			if (enabled) {
				this.logger.log(null, FQCN, level, String.valueOf(message), null, failure);
			}
		}

		@Override
		public boolean isTraceEnabled() {
			return this.logger.isTraceEnabled();
		}

		@Override
		public boolean isDebugEnabled() {
			return this.logger.isDebugEnabled();
		}

		@Override
		public boolean isInfoEnabled() {
			return this.logger.isInfoEnabled();
		}

		@Override
		public boolean isWarnEnabled() {
			return this.logger.isWarnEnabled();
		}

		@Override
		public boolean isErrorEnabled() {
			return this.logger.isErrorEnabled();
		}

		@Override
		public boolean isFatalEnabled() {
			return this.logger.isErrorEnabled();
		}

		@Override
		public void trace(Object message) {
			log(LocationAwareLogger.TRACE_INT, isTraceEnabled(), message, null);
		}

		@Override
		public void trace(Object message, Throwable failure) {
			log(LocationAwareLogger.TRACE_INT, isTraceEnabled(), message, failure);
		}

		@Override
		public void debug(Object message) {
			log(LocationAwareLogger.DEBUG_INT, isDebugEnabled(), message, null);
		}

		@Override
		public void debug(Object message, Throwable failure) {
			log(LocationAwareLogger.DEBUG_INT, isDebugEnabled(), message, failure);
		}

		@Override
		public void info(Object message) {
			log(LocationAwareLogger.INFO_INT, isInfoEnabled(), message, null);
		}

		@Override
		public void info(Object message, Throwable failure) {
			log(LocationAwareLogger.INFO_INT, isInfoEnabled(), message, failure);
		}

		@Override
		public void warn(Object message) {
			log(LocationAwareLogger.WARN_INT, isWarnEnabled(), message, null);
		}

		@Override
		public void warn(Object message, Throwable failure) {
			log(LocationAwareLogger.WARN_INT, isWarnEnabled(), message, failure);
		}

		@Override
		public void error(Object message) {
			log(LocationAwareLogger.ERROR_INT, isErrorEnabled(), message, null);
		}

		@Override
		public void error(Object message, Throwable failure) {
			log(LocationAwareLogger.ERROR_INT, isErrorEnabled(), message, failure);
		}

		@Override
		public void fatal(Object message) {
			error(message);
		}

		@Override
		public void fatal(Object message, Throwable failure) {
			error(message, failure);
		}

	}

}
