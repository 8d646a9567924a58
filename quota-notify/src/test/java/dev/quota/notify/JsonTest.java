package dev.quota.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.alert.NotificationKind;
import dev.quota.notify.internal.Json;
import org.json.JSONObject;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void hostileStringsSurviveAsTheyWere() {
    String tenant = "\"},\"tenant\":\"evil\\ <script>\u2028\u00e9\ud83d\ude00";
    String cause = "line\r\nbreak\ttab\u0000nul\u001f\b\f \ud800 unpaired";

    String payload = Json.payload(Notifications.of(NotificationKind.UNBLOCKED, tenant, 0, cause));

    JSONObject json = new JSONObject(payload);
    assertThat(json.getString("tenant")).isEqualTo(tenant);
    assertThat(json.getString("cause")).isEqualTo(cause);
    assertThat(json.getString("type")).isEqualTo("quota.unblocked");
    assertThat(payload).doesNotContain("\n", "\r", "\u2028").contains("\\u2028", "\\ud800");
  }

  @Test
  void numbersAreNumbers() {
    String payload = Json.payload(Notifications.of(NotificationKind.BLOCKED, "acme", 100, ""));

    assertThat(payload).contains("\"thresholdPercent\":100,\"used\":10000,\"ceiling\":10000,")
        .contains("\"type\":\"quota.blocked\"");
  }
}
