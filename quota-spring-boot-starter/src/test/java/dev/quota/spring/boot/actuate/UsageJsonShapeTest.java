package dev.quota.spring.boot.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Meter;
import dev.quota.Plan;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.admin.Actor;
import dev.quota.admin.UsageReportView;
import dev.quota.spring.boot.actuate.QuotaEndpoint.TenantUsage;
import dev.quota.testkit.InMemoryQuotaStore;
import dev.quota.testkit.TestClock;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The actuator endpoint writes a usage report in the one documented shape ({@link UsageReportView}), as the
 * {@code quota} command's {@code --json} does (its JsonTest holds it to the same list): the same field names, in
 * order, and the same JSON types.
 */
class UsageJsonShapeTest {
  private final TestClock clock = TestClock.at("2026-11-25T10:00:00Z");
  private final Quota quota = Quota.builder().store(new InMemoryQuotaStore()).clock(clock).build();

  @Test
  void theEndpointWritesEveryFieldOfTheSharedShapeWithItsJsonType() throws Exception {
    TenantId acme = TenantId.of("acme");
    quota.admin().setPlan(acme, Plan.of(Tier.PRO), Actor.of("billing"), "subscribed");
    quota.guard().record(UsageEvent.of(acme, Meter.AI_TOKENS, 10, UsageKey.of("k1")));
    quota.admin().grantCredit(acme, Meter.AI_TOKENS, 500, clock.instant().plus(Duration.ofDays(1)), Actor.of("ops"),
        "goodwill");

    String json = JsonMapper.builder().build().writeValueAsString(
        new QuotaEndpoint(quota.guard(), quota.catalogue()).usage(new String[] {"acme"}));

    JsonNode report = JsonMapper.builder().build().readTree(json).get("meters").get(0);
    assertThat(names(report)).containsExactlyElementsOf(components(UsageReportView.class));
    for (RecordComponent component : UsageReportView.class.getRecordComponents()) {
      assertThat(type(report.get(component.getName()))).as(component.getName()).isIn(jsonTypes(component));
    }
    JsonNode grant = report.get("activeEntitlements").get(0);
    assertThat(names(grant)).containsExactlyElementsOf(components(UsageReportView.EntitlementView.class));
    for (RecordComponent component : UsageReportView.EntitlementView.class.getRecordComponents()) {
      assertThat(type(grant.get(component.getName()))).as(component.getName()).isIn(jsonTypes(component));
    }
    assertThat(report.get("used").asLong()).isEqualTo(10);
    assertThat(report.get("periodStart").asString()).isEqualTo("2026-11-01T00:00:00Z");
    assertThat(TenantUsage.class.getRecordComponents()[1].getGenericType().getTypeName())
        .isEqualTo("java.util.List<dev.quota.admin.UsageReportView>");
  }

  private static List<String> names(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.propertyNames().forEach(names::add);
    return names;
  }

  private static List<String> components(Class<? extends Record> type) {
    return java.util.Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName).toList();
  }

  private static String type(JsonNode node) {
    if (node.isNull()) {
      return "null";
    }
    return node.isNumber() ? "number" : node.isString() ? "string" : node.isBoolean() ? "boolean"
        : node.isArray() ? "array" : "object";
  }

  /** The JSON types a component may be written as: its documented type, or null where it is nullable. */
  static List<String> jsonTypes(RecordComponent component) {
    Class<?> type = component.getType();
    String json = type == long.class || type == Long.class || type == double.class ? "number"
        : type == boolean.class ? "boolean" : type == String.class ? "string" : List.class.isAssignableFrom(type)
        ? "array" : "object";
    boolean nullable = component.getAnnotatedType().isAnnotationPresent(org.jspecify.annotations.Nullable.class);
    return nullable ? List.of(json, "null") : List.of(json);
  }
}
