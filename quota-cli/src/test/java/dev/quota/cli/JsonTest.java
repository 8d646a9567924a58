package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.json.JSONObject;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void objectsKeepTheirKeyOrder() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("z", 1);
    m.put("a", 2);
    assertThat(Json.write(m)).isEqualTo("{\n  \"z\": 1,\n  \"a\": 2\n}");
  }

  @Test
  void stringsAreEscaped() {
    String tricky = "quote \" backslash \\ newline \n tab \t bell \u0007 separator \u2028 é";
    String written = Json.write(Map.of("s", tricky));
    assertThat(new JSONObject(written).getString("s")).isEqualTo(tricky);
    assertThat(written).doesNotContain("\n tab").contains("\\u0007").contains("\\u2028");
  }

  @Test
  void instantsAreIsoStrings() {
    assertThat(Json.write(Instant.parse("2026-12-01T00:00:00Z"))).isEqualTo("\"2026-12-01T00:00:00Z\"");
  }

  @Test
  void emptyOptionalsAndNullsAreNull() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("empty", Optional.empty());
    m.put("null", null);
    m.put("present", Optional.of("x"));
    JSONObject parsed = new JSONObject(Json.write(m));
    assertThat(parsed.isNull("empty")).isTrue();
    assertThat(parsed.isNull("null")).isTrue();
    assertThat(parsed.getString("present")).isEqualTo("x");
  }

  @Test
  void numbersAndBooleansAreBare() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("long", Long.MAX_VALUE);
    m.put("whole", 100.0);
    m.put("fraction", 85.33);
    m.put("nan", Double.NaN);
    m.put("yes", true);
    assertThat(Json.write(m)).contains("\"long\": 9223372036854775807", "\"whole\": 100.0", "\"fraction\": 85.33",
        "\"nan\": null", "\"yes\": true");
  }

  @Test
  void nestedListsAndMapsAreIndented() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("list", List.of(1, Map.of("k", "v")));
    m.put("emptyList", List.of());
    m.put("emptyMap", Map.of());
    String written = Json.write(m);
    assertThat(written).isEqualTo("""
        {
          "list": [
            1,
            {
              "k": "v"
            }
          ],
          "emptyList": [],
          "emptyMap": {}
        }""");
    assertThat(new JSONObject(written).getJSONArray("list").length()).isEqualTo(2);
  }

  @Test
  void otherValuesAreTheirText() {
    assertThat(Json.write(Arrays.asList(Thread.State.NEW))).isEqualTo("[\n  \"NEW\"\n]");
  }
}
