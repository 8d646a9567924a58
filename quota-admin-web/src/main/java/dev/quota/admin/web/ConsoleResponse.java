package dev.quota.admin.web;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The console's answer, for the adapter to copy into its server's response: a status, headers (security headers
 * included) and a body.
 */
public final class ConsoleResponse {
  private final int status;
  private final Map<String, String> headers;
  private final byte[] body;

  /**
   * @param status the HTTP status
   * @param headers the headers, in order
   * @param body the body's bytes
   */
  public ConsoleResponse(int status, Map<String, String> headers, byte[] body) {
    this.status = status;
    this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    this.body = body.clone();
  }

  /** @return the HTTP status */
  public int status() {
    return status;
  }

  /** @return the headers to send, in order */
  public Map<String, String> headers() {
    return headers;
  }

  /**
   * @param name a header name, as the console writes it (e.g. {@code Content-Type})
   * @return its value, if set
   */
  public Optional<String> header(String name) {
    for (Map.Entry<String, String> entry : headers.entrySet()) {
      if (entry.getKey().equalsIgnoreCase(name)) {
        return Optional.of(entry.getValue());
      }
    }
    return Optional.empty();
  }

  /** @return the body's bytes (a copy) */
  public byte[] body() {
    return body.clone();
  }

  /** @return the body as UTF-8 text */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }
}
