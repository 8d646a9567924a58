package dev.quota.cli;

import dev.quota.admin.web.ConsoleServer;
import dev.quota.admin.web.QuotaConsole;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code quota console}: the operator console for the schema, served on this machine until interrupted, opened
 * with a one-time login URL. Changes are audited under {@code --actor} (the operating system's user by default).
 */
@Command(name = "console",
    description = "Serve the operator console for the schema on 127.0.0.1 and print a one-time login URL; runs "
        + "until interrupted (Ctrl-C).")
final class ConsoleCommand extends QuotaCommand {
  @Option(names = "--port", paramLabel = "N", defaultValue = "8089",
      description = "The port, 0 for any free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
      description = "The address to listen on (default: ${DEFAULT-VALUE}). Another interface exposes the console "
          + "to the network: only behind TLS.")
  String bind;

  @Option(names = "--read-only", description = "Viewer only: the pages and the API show, nothing can be changed.")
  boolean readOnly;

  @Override
  void checkArguments() {
    if (port < 0 || port > 65_535) {
      throw CliException.usage("--port must be between 0 and 65535, was " + port);
    }
  }

  @Override
  int run(Session session) {
    InetAddress address;
    try {
      address = InetAddress.getByName(bind);
    } catch (UnknownHostException e) {
      throw CliException.usage("--bind: '" + bind + "' is not an address of this machine");
    }
    QuotaConsole console = QuotaConsole.builder().quota(session.quota()).zone(session.zone()).build();
    Set<String> roles = readOnly ? Set.of(QuotaConsole.DEFAULT_VIEWER_ROLE)
        : Set.of(QuotaConsole.DEFAULT_VIEWER_ROLE, QuotaConsole.DEFAULT_OPERATOR_ROLE);
    ConsoleServer server;
    try {
      server = ConsoleServer.builder(console).address(new InetSocketAddress(address, port)).build();
    } catch (IOException e) {
      throw new CliException(ExitCode.USAGE, "cannot listen on " + bind + ":" + port + " (" + e.getMessage()
          + "); choose another --port", e);
    }
    URI login = server.loginUrl(session.actor().id(), roles);
    if (!address.isLoopbackAddress()) {
      System.err.println("quota console: listening on " + bind + ", not only on this machine; put TLS in front of "
          + "it or use the default 127.0.0.1");
    }
    session.out().result(() -> "quota console for schema " + session.schema() + " at " + server.baseUrl() + "\n"
        + "Open this URL (it works once, within 15 minutes) as " + session.actor().id()
        + (readOnly ? ", read only" : "") + ":\n" + login + "\nPress Ctrl-C to stop.", () -> {
          Map<String, Object> document = new LinkedHashMap<>();
          document.put("schema", session.schema());
          document.put("url", server.baseUrl().toString());
          document.put("login", login.toString());
          document.put("actor", session.actor().id());
          document.put("readOnly", readOnly);
          return document;
        });
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "quota-console-stop"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return ExitCode.OK;
  }
}
