package dev.quota.support;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Captures what quota logs while it is open: everything under the {@code dev.quota} logger, at DEBUG and
 * above. Captured events do not also reach the console, so expected warnings do not clutter the build.
 *
 * {@snippet :
 * try (LogCapture logs = LogCapture.start()) {
 *   guard.check(tenant, meter, 1);
 *   assertThat(logs.messages("dev.quota.internal.Outage", Level.WARN)).hasSize(1);
 * }
 * }
 */
public final class LogCapture implements AutoCloseable {
  private static final String ROOT = "dev.quota";

  private final Logger logger;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final Level previousLevel;
  private final boolean previousAdditive;

  private LogCapture() {
    this.logger = (Logger) LoggerFactory.getLogger(ROOT);
    this.previousLevel = logger.getLevel();
    this.previousAdditive = logger.isAdditive();
    appender.setContext(logger.getLoggerContext());
    appender.start();
    logger.addAppender(appender);
    logger.setLevel(Level.DEBUG);
    logger.setAdditive(false);
  }

  /** Starts capturing. */
  public static LogCapture start() {
    return new LogCapture();
  }

  /** Every event captured so far, oldest first. */
  public List<ILoggingEvent> events() {
    return List.copyOf(appender.list);
  }

  /** The formatted messages a logger logged at exactly one level, oldest first. */
  public List<String> messages(String loggerName, Level level) {
    return appender.list.stream()
        .filter(e -> e.getLoggerName().equals(loggerName) && e.getLevel().equals(level))
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  /** Forgets what was captured so far. */
  public void clear() {
    appender.list.clear();
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    appender.stop();
    logger.setLevel(previousLevel);
    logger.setAdditive(previousAdditive);
  }
}
