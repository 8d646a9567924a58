package dev.quota.notify;

/**
 * A webhook delivery failed {@link WebhookSignature#verify verification}: the receiver should answer 400 and drop
 * it. {@link #reason()} says which check failed; the message says how.
 */
public final class WebhookSignatureException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Which check failed. */
  public enum Reason {
    /** The request had no {@code Quota-Signature} header, or an empty one. */
    MISSING_HEADER,
    /** The header is not {@code t=<unix seconds>,v1=<64 hex digits>[,v1=...]}. */
    MALFORMED_HEADER,
    /** The timestamp is further from now than the tolerance: a replay, or a clock that is far off. */
    TIMESTAMP_OUTSIDE_TOLERANCE,
    /** No signature matches the body: another secret, or a body changed on the way. */
    SIGNATURE_MISMATCH
  }

  private final Reason reason;

  WebhookSignatureException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  /**
   * Which check failed.
   *
   * @return the failed check
   */
  public Reason reason() {
    return reason;
  }
}
