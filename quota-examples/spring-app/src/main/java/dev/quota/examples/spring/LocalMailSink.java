package dev.quota.examples.spring;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A local SMTP server in the planner's own process (GreenMail) that quota's alert e-mails are sent to
 * ({@code quota.alerts.email.*} in application.yaml), so that they really travel over SMTP without a mail server of the
 * reader's. {@code GET /mail-sink} lists what it received. It stops with the application. A dependency of the example
 * only, never of the library.
 */
@Component
@RestController
public class LocalMailSink implements DisposableBean {
  private static final Logger LOG = LoggerFactory.getLogger(LocalMailSink.class);

  private final GreenMail server;

  /**
   * Starts the sink on the loopback address.
   *
   * @param port {@code planner.mail-sink.port}, the port quota.alerts.email.port names as well
   */
  public LocalMailSink(@Value("${planner.mail-sink.port}") int port) {
    server = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    server.start();
    LOG.info("alert e-mails go to the local SMTP sink at smtp://127.0.0.1:{}; read them with "
        + "curl http://localhost:<server.port>/mail-sink", port);
  }

  /**
   * The received messages, oldest first.
   *
   * @return one line per message and recipient: {@code to: subject}
   */
  @GetMapping("/mail-sink")
  public List<String> received() {
    List<String> lines = new ArrayList<>();
    for (MimeMessage message : server.getReceivedMessages()) {
      try {
        lines.add(String.join(", ", message.getHeader("To")) + ": " + message.getSubject());
      } catch (MessagingException e) {
        throw new IllegalStateException("cannot read a received message", e);
      }
    }
    return lines;
  }

  @Override
  public void destroy() {
    server.stop();
  }
}
