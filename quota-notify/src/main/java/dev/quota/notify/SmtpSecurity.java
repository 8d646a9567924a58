package dev.quota.notify;

/** How {@link EmailChannel} protects its connection to the SMTP server. */
public enum SmtpSecurity {
  /**
   * A plain connection upgraded with STARTTLS before anything is sent, which the server must offer (the
   * submission port, 587). The server's certificate and name are checked.
   */
  STARTTLS,
  /** TLS from the first byte (implicit TLS, port 465). The server's certificate and name are checked. */
  SSL,
  /**
   * No encryption: for a relay on the same host or a test server. Credentials and messages travel in the clear.
   */
  NONE
}
