package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Meter;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.admin.Actor;
import dev.quota.admin.UsageReportView;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.json.JSONArray;
import org.json.JSONObject;
import org.junit.jupiter.api.Test;

/**
 * {@code quota usage --json} writes a usage report in the one documented shape ({@link UsageReportView}), as the
 * Spring Boot starter's actuator endpoint does (its UsageJsonShapeTest holds it to the same list): the same field
 * names and the same JSON types.
 */
class UsageJsonShapeTest {
  private final InProcessCli cli = new InProcessCli();

  @Test
  void usageJsonHasEveryFieldOfTheSharedShapeWithItsJsonType() {
    cli.plan("acme", Tier.PRO).use("acme", 10);
    cli.service().admin().grantCredit(TenantId.of("acme"), Meter.AI_TOKENS, 500,
        cli.clock.instant().plus(Duration.ofDays(1)), Actor.of("ops"), "goodwill");

    InProcessCli.Result result = cli.run("usage", "acme", "--json");

    JSONObject report = new JSONObject(result.out());
    assertThat(report.keySet()).containsAll(components(UsageReportView.class));
    // beside the shape, the command says whether the tenant is known, its parent and the other counters of its
    // path (ancestors, short windows): nothing else
    assertThat(report.keySet()).containsExactlyInAnyOrderElementsOf(
        concat(components(UsageReportView.class), List.of("tenantKnown", "didYouMean", "parent", "levels")));
    for (RecordComponent component : UsageReportView.class.getRecordComponents()) {
      assertThat(type(report.get(component.getName()))).as(component.getName()).isIn(jsonTypes(component));
    }
    JSONObject grant = report.getJSONArray("activeEntitlements").getJSONObject(0);
    assertThat(grant.keySet()).containsExactlyInAnyOrderElementsOf(
        components(UsageReportView.EntitlementView.class));
    for (RecordComponent component : UsageReportView.EntitlementView.class.getRecordComponents()) {
      assertThat(type(grant.get(component.getName()))).as(component.getName()).isIn(jsonTypes(component));
    }
    assertThat(report.getLong("used")).isEqualTo(10);
    assertThat(report.getString("periodStart")).isEqualTo("2026-11-01T00:00:00Z");
  }

  @Test
  void fieldsAreWrittenInTheDocumentedOrder() {
    cli.plan("acme", Tier.PRO);

    String out = cli.run("usage", "acme", "--json").out();

    int previous = -1;
    for (String name : components(UsageReportView.class)) {
      int at = out.indexOf("\n  \"" + name + "\": ");
      assertThat(at).as(name).isGreaterThan(previous);
      previous = at;
    }
  }

  private static List<String> components(Class<? extends Record> type) {
    return Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName).toList();
  }

  private static List<String> concat(List<String> a, List<String> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
  }

  private static String type(Object value) {
    return value == JSONObject.NULL ? "null" : value instanceof Number ? "number" : value instanceof String ? "string"
        : value instanceof Boolean ? "boolean" : value instanceof JSONArray ? "array" : "object";
  }

  /** The JSON types a component may be written as: its documented type, or null where it is nullable. */
  private static List<String> jsonTypes(RecordComponent component) {
    Class<?> type = component.getType();
    String json = type == long.class || type == Long.class || type == double.class ? "number"
        : type == boolean.class ? "boolean" : type == String.class ? "string" : List.class.isAssignableFrom(type)
        ? "array" : "object";
    boolean nullable = component.getAnnotatedType().isAnnotationPresent(org.jspecify.annotations.Nullable.class);
    return nullable ? List.of(json, "null") : List.of(json);
  }
}
