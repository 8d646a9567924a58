package dev.quota.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.TenantId;
import dev.quota.alert.Notification;
import dev.quota.alert.NotificationKind;
import dev.quota.notify.WebhookSignatureException.Reason;
import dev.quota.notify.internal.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.json.JSONObject;
import org.junit.jupiter.api.Test;

class WebhookSignatureTest {
  private static final String SECRET = "whsec_3c1d6f0e8a217b0c2a4e3f7d4f439a55";
  private static final String BODY = "{\"id\":\"7b0c2a4e\",\"tenant\":\"acme\"}";
  private static final long T = 1_764_929_730L;
  private static final Instant NOW = Instant.ofEpochSecond(T);
  private static final Duration FIVE_MINUTES = Duration.ofMinutes(5);

  @Test
  void theSignatureIsTheHexHmacSha256OfTheTimestampAFullStopAndTheBody() throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    String expected = HexFormat.of().formatHex(mac.doFinal((T + "." + BODY).getBytes(StandardCharsets.UTF_8)));

    assertThat(WebhookSignature.sign(SECRET, T, BODY)).isEqualTo("t=" + T + ",v1=" + expected);
  }

  @Test
  void aSignedBodyVerifiesWithinTheTolerance() {
    String header = WebhookSignature.sign(SECRET, T, BODY);

    assertThatCode(() -> WebhookSignature.verify(SECRET, header, BODY, FIVE_MINUTES, NOW.plusSeconds(299)))
        .doesNotThrowAnyException();
    assertThatCode(() -> WebhookSignature.verify(SECRET, header, BODY.getBytes(StandardCharsets.UTF_8),
        FIVE_MINUTES, NOW.minusSeconds(299))).doesNotThrowAnyException();
  }

  @Test
  void aChangedBodyIsRefused() {
    String header = WebhookSignature.sign(SECRET, T, BODY);

    assertRefused(() -> WebhookSignature.verify(SECRET, header, BODY.replace("acme", "acne"), FIVE_MINUTES, NOW),
        Reason.SIGNATURE_MISMATCH, "no v1 signature matches the body");
  }

  @Test
  void anotherSecretIsRefused() {
    String header = WebhookSignature.sign("another-secret-of-some-length", T, BODY);

    assertRefused(() -> WebhookSignature.verify(SECRET, header, BODY, FIVE_MINUTES, NOW),
        Reason.SIGNATURE_MISMATCH, "no v1 signature matches");
  }

  @Test
  void anOldDeliveryIsRefusedAsAReplay() {
    String header = WebhookSignature.sign(SECRET, T, BODY);

    assertRefused(() -> WebhookSignature.verify(SECRET, header, BODY, FIVE_MINUTES, NOW.plusSeconds(301)),
        Reason.TIMESTAMP_OUTSIDE_TOLERANCE, "before");
    assertRefused(() -> WebhookSignature.verify(SECRET, header, BODY, FIVE_MINUTES, NOW.minusSeconds(301)),
        Reason.TIMESTAMP_OUTSIDE_TOLERANCE, "ahead of");
  }

  @Test
  void aChangedTimestampIsRefused() {
    String header = WebhookSignature.sign(SECRET, T, BODY).replace("t=" + T, "t=" + (T + 60));

    assertRefused(() -> WebhookSignature.verify(SECRET, header, BODY, FIVE_MINUTES, NOW),
        Reason.SIGNATURE_MISMATCH, "no v1 signature matches");
  }

  @Test
  void aMissingOrMalformedHeaderIsRefusedSayingWhatIsWrong() {
    assertRefused(() -> WebhookSignature.verify(SECRET, null, BODY, FIVE_MINUTES, NOW),
        Reason.MISSING_HEADER, "Quota-Signature header is missing");
    assertRefused(() -> WebhookSignature.verify(SECRET, " ", BODY, FIVE_MINUTES, NOW),
        Reason.MISSING_HEADER, "missing");
    assertRefused(() -> WebhookSignature.verify(SECRET, "v1=" + "a".repeat(64), BODY, FIVE_MINUTES, NOW),
        Reason.MALFORMED_HEADER, "has no timestamp (t=)");
    assertRefused(() -> WebhookSignature.verify(SECRET, "t=" + T, BODY, FIVE_MINUTES, NOW),
        Reason.MALFORMED_HEADER, "has no v1 signature (v1=)");
    assertRefused(() -> WebhookSignature.verify(SECRET, "t=yesterday,v1=" + "a".repeat(64), BODY, FIVE_MINUTES,
        NOW), Reason.MALFORMED_HEADER, "timestamp (t=) must be Unix seconds, was 'yesterday'");
    assertRefused(() -> WebhookSignature.verify(SECRET, "t=" + T + ",v1=xyz", BODY, FIVE_MINUTES, NOW),
        Reason.MALFORMED_HEADER, "signature (v1=) must be 64 hex digits, was 'xyz'");
    assertRefused(() -> WebhookSignature.verify(SECRET, "t=1,t=2,v1=" + "a".repeat(64), BODY, FIVE_MINUTES, NOW),
        Reason.MALFORMED_HEADER, "more than one timestamp");
  }

  @Test
  void oneMatchingSignatureAmongSeveralIsEnoughWhileASecretIsReplaced() {
    String current = WebhookSignature.sign(SECRET, T, BODY);
    String header = "t=" + T + ",v1=" + "0".repeat(64) + "," + current.substring(current.indexOf("v1="))
        + ",v0=ignored";

    assertThatCode(() -> WebhookSignature.verify(SECRET, header, BODY, FIVE_MINUTES, NOW))
        .doesNotThrowAnyException();
  }

  @Test
  void readmesExampleIsThePayloadAndSignatureTheChannelMakes() throws Exception {
    Notification notification = new Notification(UUID.fromString("7b0c2a4e-3f7d-4f43-9a55-3c1d6f0e8a21"),
        NotificationKind.THRESHOLD_CROSSED, TenantId.of("acme"), Meter.AI_TOKENS,
        new Period(Instant.parse("2026-12-01T00:00:00Z"), Instant.parse("2027-01-01T00:00:00Z")), 80, 80_412,
        100_000, Instant.parse("2026-12-05T10:15:30.118Z"), "");
    String body = Json.payload(notification);
    String header = WebhookSignature.sign("whsec_example_0123456789abcdef", 1_796_465_731L, body);

    assertThat(header)
        .isEqualTo("t=1796465731,v1=dbca4e05854e9a026337f527ca54459788fd476bb8c84f2773d2df981aeaf13a");
    String readme = Files.readString(Path.of("..", "README.md"));
    assertThat(readme).contains("Quota-Signature: " + header);
    JSONObject fromReadme = new JSONObject(readme.substring(readme.indexOf("{\n  \"id\": \"7b0c2a4e"),
        readme.indexOf("}\n```", readme.indexOf("{\n  \"id\": \"7b0c2a4e")) + 1));
    assertThat(fromReadme.similar(new JSONObject(body))).as("README's payload is the channel's").isTrue();
  }

  private static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, Reason reason,
      String message) {
    assertThatThrownBy(call).isInstanceOfSatisfying(WebhookSignatureException.class,
        e -> assertThat(e.reason()).isEqualTo(reason)).hasMessageContaining(message);
  }
}
