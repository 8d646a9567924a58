package dev.quota.notify;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * The signature {@link WebhookChannel} puts on every delivery, and its check for receivers.
 *
 * <p>The header, in the style of Stripe's:
 *
 * <pre>{@code Quota-Signature: t=1767225600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd}</pre>
 *
 * <p>{@code t} is when the delivery was signed, in Unix seconds; {@code v1} is the lower-case hex HMAC-SHA256, keyed
 * with the UTF-8 bytes of the shared secret, of the UTF-8 bytes of {@code t}, a full stop and the raw request body.
 * A header may carry several {@code v1} entries (while a secret is being replaced); one matching entry is enough.
 * Signing the timestamp with the body lets the receiver refuse an old delivery replayed by someone who saw it.
 *
 * <p>A receiver verifies the raw body before parsing it:
 *
 * {@snippet :
 * try {
 *   WebhookSignature.verify(secret, request.header("Quota-Signature"), rawBody, Duration.ofMinutes(5),
 *       Instant.now());
 * } catch (WebhookSignatureException e) {
 *   return badRequest(e.getMessage());
 * }
 * // then de-duplicate by the Quota-Notification-Id header (the payload's "id"), and handle it
 * }
 */
public final class WebhookSignature {
  /** The signature header's name. */
  public static final String HEADER = "Quota-Signature";
  /** The header with the notification's id, the same on every attempt: receivers de-duplicate by it. */
  public static final String ID_HEADER = "Quota-Notification-Id";
  /** The shortest secret accepted, in characters: shorter ones could be guessed. */
  public static final int MIN_SECRET_LENGTH = 16;

  private static final HexFormat HEX = HexFormat.of();

  private WebhookSignature() {}

  /**
   * The header value for a body signed at a time.
   *
   * @param secret the shared secret, at least {@value #MIN_SECRET_LENGTH} characters
   * @param timestamp when it is signed, in Unix seconds
   * @param body the request body, exactly as sent
   * @return {@code t=<timestamp>,v1=<hex HMAC-SHA256>}
   */
  public static String sign(String secret, long timestamp, String body) {
    return sign(secret, timestamp, body.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The header value for a body signed at a time.
   *
   * @param secret the shared secret, at least {@value #MIN_SECRET_LENGTH} characters
   * @param timestamp when it is signed, in Unix seconds
   * @param body the request body's bytes, exactly as sent
   * @return {@code t=<timestamp>,v1=<hex HMAC-SHA256>}
   */
  public static String sign(String secret, long timestamp, byte[] body) {
    return "t=" + timestamp + ",v1=" + HEX.formatHex(hmac(checkedSecret(secret), timestamp, body));
  }

  /**
   * Checks a delivery's signature: the header is well-formed, its timestamp is within {@code tolerance} of
   * {@code now} (either way), and one of its {@code v1} signatures is the body's, compared in constant time.
   *
   * @param secret the shared secret
   * @param header the {@code Quota-Signature} header's value, or null when the request had none
   * @param body the raw request body, as received, decoded as UTF-8
   * @param tolerance how far the timestamp may be from {@code now}; five minutes is usual
   * @param now the receiver's current time
   * @throws WebhookSignatureException naming the check that failed
   */
  public static void verify(String secret, @Nullable String header, String body, Duration tolerance, Instant now)
      throws WebhookSignatureException {
    Objects.requireNonNull(body, "body");
    verify(secret, header, body.getBytes(StandardCharsets.UTF_8), tolerance, now);
  }

  /**
   * Checks a delivery's signature over the raw body's bytes; see {@link #verify(String, String, String, Duration,
   * Instant)}.
   *
   * @param secret the shared secret
   * @param header the {@code Quota-Signature} header's value, or null when the request had none
   * @param body the raw request body's bytes, as received
   * @param tolerance how far the timestamp may be from {@code now}; five minutes is usual
   * @param now the receiver's current time
   * @throws WebhookSignatureException naming the check that failed
   */
  public static void verify(String secret, @Nullable String header, byte[] body, Duration tolerance, Instant now)
      throws WebhookSignatureException {
    byte[] key = checkedSecret(secret);
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(tolerance, "tolerance");
    Objects.requireNonNull(now, "now");
    if (tolerance.isNegative()) {
      throw new IllegalArgumentException("tolerance must not be negative, was " + tolerance);
    }
    if (header == null || header.isBlank()) {
      throw new WebhookSignatureException(WebhookSignatureException.Reason.MISSING_HEADER,
          HEADER + " header is missing");
    }
    Long timestamp = null;
    List<byte[]> signatures = new ArrayList<>();
    for (String part : header.split(",", -1)) {
      String item = part.strip();
      int eq = item.indexOf('=');
      String key0 = eq < 0 ? item : item.substring(0, eq);
      String value = eq < 0 ? "" : item.substring(eq + 1);
      switch (key0) {
        case "t" -> {
          if (timestamp != null) {
            throw malformed("has more than one timestamp (t=)");
          }
          if (value.isEmpty() || value.length() > 12 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw malformed("timestamp (t=) must be Unix seconds, was '" + shortened(value) + "'");
          }
          timestamp = Long.parseLong(value);
        }
        case "v1" -> {
          if (value.length() != 64 || !value.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
              || (c >= 'A' && c <= 'F'))) {
            throw malformed("signature (v1=) must be 64 hex digits, was '" + shortened(value) + "'");
          }
          signatures.add(HEX.parseHex(value));
        }
        default -> {
          // other schemes (v0, a future v2) are skipped, as Stripe's receivers do
        }
      }
    }
    if (timestamp == null) {
      throw malformed("has no timestamp (t=)");
    }
    if (signatures.isEmpty()) {
      throw malformed("has no v1 signature (v1=)");
    }
    Instant signedAt = Instant.ofEpochSecond(timestamp);
    Duration age = Duration.between(signedAt, now);
    if (age.abs().compareTo(tolerance) > 0) {
      throw new WebhookSignatureException(WebhookSignatureException.Reason.TIMESTAMP_OUTSIDE_TOLERANCE,
          "timestamp " + signedAt + " is " + (age.isNegative() ? age.negated() + " ahead of " : age + " before ")
              + now + ", more than the tolerance of " + tolerance);
    }
    byte[] expected = hmac(key, timestamp, body);
    boolean matched = false;
    for (byte[] candidate : signatures) {
      // every candidate compared, each in constant time: the time taken tells nothing about any of them
      matched |= MessageDigest.isEqual(expected, candidate);
    }
    if (!matched) {
      throw new WebhookSignatureException(WebhookSignatureException.Reason.SIGNATURE_MISMATCH,
          "no v1 signature matches the body: another secret, or a changed body");
    }
  }

  private static WebhookSignatureException malformed(String what) {
    return new WebhookSignatureException(WebhookSignatureException.Reason.MALFORMED_HEADER, HEADER + " " + what);
  }

  private static String shortened(String value) {
    return value.length() <= 80 ? value : value.substring(0, 80) + "...";
  }

  static byte[] checkedSecret(String secret) {
    Objects.requireNonNull(secret, "secret");
    if (secret.length() < MIN_SECRET_LENGTH) {
      throw new IllegalArgumentException("secret must be at least " + MIN_SECRET_LENGTH + " characters, was "
          + secret.length());
    }
    return secret.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] hmac(byte[] key, long timestamp, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update((timestamp + ".").getBytes(StandardCharsets.US_ASCII));
      return mac.doFinal(body);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      // every Java platform has HmacSHA256, and any non-empty key is valid for it
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }
}
