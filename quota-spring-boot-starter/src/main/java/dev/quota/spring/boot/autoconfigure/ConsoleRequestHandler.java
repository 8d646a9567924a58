package dev.quota.spring.boot.autoconfigure;

import dev.quota.admin.web.ConsoleRequest;
import dev.quota.admin.web.ConsoleResponse;
import dev.quota.admin.web.QuotaConsole;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.HttpRequestHandler;

/**
 * Adapts Spring MVC to the console: copies a {@link HttpServletRequest} into a {@link ConsoleRequest} (the principal
 * and roles from the host's authentication, never from the request's content), and the {@link ConsoleResponse}
 * back.
 */
final class ConsoleRequestHandler implements HttpRequestHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ConsoleRequestHandler.class);
  /** The largest body read, in bytes (as the console's own server); larger ones are refused with 413. */
  static final int MAX_BODY_BYTES = 64 * 1024;

  private final QuotaConsole console;
  private final ConsolePrincipals principals;
  private final boolean loopbackOnly;

  ConsoleRequestHandler(QuotaConsole console, ConsolePrincipals principals, boolean loopbackOnly) {
    this.console = console;
    this.principals = principals;
    this.loopbackOnly = loopbackOnly;
  }

  @Override
  public void handleRequest(HttpServletRequest request, HttpServletResponse response) throws IOException {
    if (loopbackOnly && !isLoopback(request.getRemoteAddr())) {
      LOG.warn("quota console: refused a request from {} (quota.console.loopback-only=true)",
          request.getRemoteAddr());
      response.sendError(403, "the quota console answers only on this machine (quota.console.loopback-only)");
      return;
    }
    byte[] body = body(request);
    if (body == null) {
      response.sendError(413, "request body larger than " + MAX_BODY_BYTES + " bytes");
      return;
    }
    ConsoleRequest.Builder into = ConsoleRequest.builder(request.getMethod(), request.getRequestURI())
        .query(request.getQueryString())
        .body(body);
    for (String name : Collections.list(request.getHeaderNames())) {
      for (String value : Collections.list(request.getHeaders(name))) {
        into.header(name, value);
      }
    }
    principals.copy(request, into);
    ConsoleResponse answer = console.handle(into.build());
    response.setStatus(answer.status());
    answer.headers().forEach(response::setHeader);
    byte[] bytes = answer.body();
    response.setContentLength(bytes.length);
    response.getOutputStream().write(bytes);
  }

  /**
   * The body as sent. A form's body may already have been read by a filter ahead (Spring Security's CSRF filter
   * reads its parameter): then it is written again from the parameters the query string did not bring.
   */
  private static byte @org.jspecify.annotations.Nullable [] body(HttpServletRequest request) throws IOException {
    byte[] bytes;
    try (InputStream in = request.getInputStream()) {
      bytes = in.readNBytes(MAX_BODY_BYTES + 1);
    }
    if (bytes.length > MAX_BODY_BYTES) {
      return null;
    }
    String type = request.getContentType();
    if (bytes.length > 0 || type == null || !type.startsWith("application/x-www-form-urlencoded")) {
      return bytes;
    }
    Map<String, Integer> inQuery = new HashMap<>();
    String query = request.getQueryString();
    if (query != null) {
      for (String pair : query.split("&")) {
        String name = java.net.URLDecoder.decode(pair.split("=", 2)[0], StandardCharsets.UTF_8);
        inQuery.merge(name, 1, Integer::sum);
      }
    }
    StringBuilder form = new StringBuilder();
    request.getParameterMap().forEach((name, values) -> {
      for (int i = inQuery.getOrDefault(name, 0); i < values.length; i++) {
        if (!form.isEmpty()) {
          form.append('&');
        }
        form.append(URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=')
            .append(URLEncoder.encode(values[i], StandardCharsets.UTF_8));
      }
    });
    return form.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static boolean isLoopback(@org.jspecify.annotations.Nullable String address) {
    // the servlet container gives a literal address; anything else is not trusted (and not looked up)
    if (address == null || !address.matches("[0-9A-Fa-f.:]+")) {
      return false;
    }
    try {
      return InetAddress.getByName(address).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }
}
