package dev.quota.reliability;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Captures every log line of the JVM while open, at the level asked for (down to TRACE), with the full text of
 * attached exceptions and their causes: what an operator's log would hold. The PostgreSQL driver logs through
 * {@code java.util.logging}, which is bridged while the capture is open, so its lines are captured too.
 */
final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
  /** One captured line. */
  record Line(Level level, String logger, String message, String text) {}

  private final List<Line> lines = new ArrayList<>();
  private final Logger root;
  private final Level previousLevel;
  private final java.util.logging.Level previousJulLevel;

  private LogCapture(Level level) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    setContext(context);
    setName("capture");
    root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    previousLevel = root.getLevel();
    java.util.logging.Logger julRoot = java.util.logging.LogManager.getLogManager().getLogger("");
    previousJulLevel = julRoot.getLevel();
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
    julRoot.setLevel(level == Level.TRACE ? java.util.logging.Level.ALL : java.util.logging.Level.INFO);
    root.setLevel(level);
    start();
    root.addAppender(this);
  }

  /**
   * Starts capturing.
   *
   * @param level the most detailed level captured; the root logger is set to it until {@link #close()}
   * @return the capture
   */
  static LogCapture at(Level level) {
    return new LogCapture(level);
  }

  @Override
  protected synchronized void append(ILoggingEvent event) {
    StringBuilder text = new StringBuilder(event.getFormattedMessage());
    IThrowableProxy thrown = event.getThrowableProxy();
    if (thrown != null) {
      // the whole chain: messages of causes and suppressed exceptions, and the stack traces
      text.append('\n').append(ThrowableProxyUtil.asString(thrown));
    }
    lines.add(new Line(event.getLevel(), event.getLoggerName(), event.getFormattedMessage(), text.toString()));
  }

  /** @return every line captured so far */
  synchronized List<Line> lines() {
    return List.copyOf(lines);
  }

  /**
   * Returns the captured lines that match.
   *
   * @param filter which lines
   * @return them, in order
   */
  synchronized List<Line> lines(Predicate<Line> filter) {
    return lines.stream().filter(filter).toList();
  }

  @Override
  public void close() {
    root.detachAppender(this);
    stop();
    root.setLevel(previousLevel);
    java.util.logging.LogManager.getLogManager().getLogger("").setLevel(previousJulLevel);
  }
}
