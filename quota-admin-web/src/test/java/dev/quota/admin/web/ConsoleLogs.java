package dev.quota.admin.web;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Captures the console's log lines (the logger {@code dev.quota.admin.web.QuotaConsole}) while open. */
final class ConsoleLogs implements AutoCloseable {
  private final Logger logger = (Logger) LoggerFactory.getLogger("dev.quota.admin.web.QuotaConsole");
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final Level previousLevel = logger.getLevel();

  ConsoleLogs() {
    appender.setContext(logger.getLoggerContext());
    appender.start();
    logger.addAppender(appender);
    logger.setLevel(Level.INFO);
  }

  /** @return the formatted lines so far, oldest first */
  List<String> lines() {
    return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    appender.stop();
    logger.setLevel(previousLevel);
  }
}
