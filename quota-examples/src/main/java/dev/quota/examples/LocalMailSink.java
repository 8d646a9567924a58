package dev.quota.examples;

import com.icegreen.greenmail.store.FolderException;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * A local SMTP server in the demo's own process (GreenMail) that keeps every message it receives, so that the demo's
 * alert e-mails really travel over SMTP without a mail server of the reader's. It stops with the demo. A dependency
 * of the examples only, never of the library.
 */
final class LocalMailSink implements AutoCloseable {
  /** The port the demo's sink listens on unless told otherwise: GreenMail's usual SMTP test port. */
  static final int DEFAULT_PORT = 3025;

  private final GreenMail server;

  private LocalMailSink(GreenMail server) {
    this.server = server;
  }

  /**
   * Starts a sink on the loopback address.
   *
   * @param port the port, or 0 for any free one
   * @return the running sink
   */
  static LocalMailSink start(int port) {
    ServerSetup setup = new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP);
    GreenMail server = new GreenMail(port == 0 ? setup.dynamicPort() : setup);
    server.start();
    return new LocalMailSink(server);
  }

  /** @return the port it listens on */
  int port() {
    return server.getSmtp().getPort();
  }

  /** @return where it listens, as a URL */
  String address() {
    return "smtp://127.0.0.1:" + port();
  }

  /** @return the messages received so far, oldest first (one copy per recipient) */
  List<MimeMessage> messages() {
    return List.of(server.getReceivedMessages());
  }

  /**
   * @return each received message's recipient and subject, oldest first
   * @throws IllegalStateException if a message cannot be read
   */
  List<String> summaries() {
    List<String> lines = new ArrayList<>();
    for (MimeMessage message : messages()) {
      try {
        lines.add(String.join(", ", List.of(message.getHeader("To"))) + ": " + message.getSubject());
      } catch (MessagingException e) {
        throw new IllegalStateException("cannot read a received message", e);
      }
    }
    return lines;
  }

  /** Forgets the messages received so far. */
  void clear() {
    try {
      server.purgeEmailFromAllMailboxes();
    } catch (FolderException e) {
      throw new IllegalStateException("cannot clear the mail sink", e);
    }
  }

  @Override
  public void close() {
    server.stop();
  }
}
