package dev.quota.notify;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * An SMTP server that speaks the protocol but answers the recipient and the end of the message with the replies a
 * test sets: the 4xx and 5xx replies a real relay gives, which GreenMail does not.
 */
final class ScriptedSmtpServer implements AutoCloseable {
  private final ServerSocket socket;
  private final Thread thread;
  private final String rcptReply;
  private final String endOfDataReply;

  ScriptedSmtpServer(String rcptReply, String endOfDataReply) throws IOException {
    this.rcptReply = rcptReply;
    this.endOfDataReply = endOfDataReply;
    this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.socket.setSoTimeout(10_000);
    this.thread = new Thread(this::serve, "scripted-smtp");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  int port() {
    return socket.getLocalPort();
  }

  private void serve() {
    while (!socket.isClosed()) {
      try (Socket conn = socket.accept()) {
        conn.setSoTimeout(10_000);
        talk(conn);
      } catch (IOException e) {
        // the test closed the server, or a client went away: accept the next one or stop
      }
    }
  }

  private void talk(Socket conn) throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(conn.getInputStream(), StandardCharsets.US_ASCII));
    OutputStream out = conn.getOutputStream();
    reply(out, "220 scripted ESMTP");
    String line;
    while ((line = in.readLine()) != null) {
      String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase(Locale.ROOT) : line;
      switch (verb) {
        case "EHLO", "HELO" -> reply(out, "250 scripted");
        case "MAIL", "RSET", "NOOP" -> reply(out, "250 OK");
        case "RCPT" -> reply(out, rcptReply);
        case "DATA" -> {
          reply(out, "354 go ahead");
          String data;
          while ((data = in.readLine()) != null && !data.equals(".")) {
            // the message is not kept
          }
          reply(out, endOfDataReply);
        }
        case "QUIT" -> {
          reply(out, "221 bye");
          return;
        }
        default -> reply(out, "502 not implemented");
      }
    }
  }

  private static void reply(OutputStream out, String line) throws IOException {
    out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  @Override
  public void close() throws Exception {
    socket.close();
    thread.join(10_000);
  }
}
