package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Meter;
import dev.quota.TenantId;
import dev.quota.Tier;
import dev.quota.TierCatalogue;
import dev.quota.UsageReport;
import dev.quota.admin.PageRequest;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.json.JSONObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code quota simulate}: tenants on plans, using tokens now, some of them blocked, for top to show. */
class SimulateCommandTest {
  private final InProcessCli cli = new InProcessCli();

  private UsageReport usage(String tenant) {
    return cli.service().guard().usage(TenantId.of(tenant));
  }

  @Test
  void simulatedTenantsGetPlansAndUsageThatTopShows() {
    InProcessCli.Result result = cli.run("simulate", "--tenants", "12", "--minutes", "0.001", "--seed", "7");

    assertThat(result.exitCode()).as(result.err()).isEqualTo(ExitCode.OK);
    assertThat(result.out()).startsWith("Simulating 12 tenants (sim-01 to sim-12) on ai-tokens in schema quota for 1s "
        + "(seed 7): their plans and usage are written to the database.");
    assertThat(result.out()).contains("See them with: quota top");
    for (int i = 1; i <= 12; i++) {
      UsageReport report = usage(String.format("sim-%02d", i));
      assertThat(report.plannedTier()).as("sim-%02d's plan", i).isPresent();
      assertThat(report.used()).as("sim-%02d's usage", i).isPositive();
    }
    InProcessCli.Result top = cli.run("top", "--json");
    assertThat(new JSONObject(top.out()).getJSONArray("tenants").length()).isEqualTo(12);
  }

  @Test
  void mostTenantsAreOnTheCheapestTierAndSomeAreBlocked() {
    InProcessCli.Result result = cli.run("simulate", "--tenants", "60", "--minutes", "0.001", "--seed", "11",
        "--json");

    JSONObject summary = new JSONObject(result.out());
    List<Object> blocked = summary.getJSONArray("blocked").toList();
    assertThat(blocked).isNotEmpty();
    for (Object tenant : blocked) {
      assertThat(usage((String) tenant).blocked()).as("%s is blocked", tenant).isTrue();
    }
    assertThat(summary.getLong("denied")).isPositive();
    Map<Tier, Long> byTier = summary.getJSONArray("tenants").toList().stream()
        .map(t -> usage((String) t).plannedTier().orElseThrow())
        .collect(Collectors.groupingBy(t -> t, Collectors.counting()));
    assertThat(byTier.get(Tier.FREE)).isGreaterThan(byTier.getOrDefault(Tier.PRO, 0L));
    assertThat(byTier.getOrDefault(Tier.PRO, 0L)).isGreaterThan(byTier.getOrDefault(Tier.ENTERPRISE, 0L));
  }

  @Test
  void aSecondRunGoesOnWithTheSameTenantsWithoutAuditingTheirPlansAgain() {
    cli.run("simulate", "--tenants", "3", "--minutes", "0.001", "--seed", "5");
    long usedAfterFirst = usage("sim-01").used();

    InProcessCli.Result second = cli.run("simulate", "--tenants", "3", "--minutes", "0.001", "--seed", "5");

    assertThat(second.exitCode()).isEqualTo(ExitCode.OK);
    assertThat(usage("sim-01").used()).isGreaterThanOrEqualTo(usedAfterFirst);
    assertThat(cli.service().admin().audit(TenantId.of("sim-01"), PageRequest.first(10)).items())
        .singleElement().satisfies(entry -> assertThat(entry.reason()).isEqualTo(SimulateCommand.REASON));
  }

  @Test
  void theCallsAreSpreadOverTheRunAndSizedToEachTenantsLimit() {
    List<TenantId> ids = Simulation.tenantIds("t-", 20);
    Simulation script = Simulation.plan(TierCatalogue.defaults(), Meter.AI_TOKENS, ids,
        Collections.nCopies(20, Simulation.Before.NOTHING), Duration.ofMinutes(2), 3);

    assertThat(script.calls()).isSortedAccordingTo((a, b) -> a.startsAt().compareTo(b.startsAt()));
    assertThat(script.calls()).allSatisfy(call -> {
      assertThat(call.startsAt()).isBetween(Duration.ZERO, Duration.ofMinutes(2));
      assertThat(call.commitAt()).isBetween(call.startsAt(), Duration.ofMinutes(2));
      assertThat(call.estimate()).isGreaterThanOrEqualTo(call.amount());
    });
    for (Simulation.SimulatedTenant tenant : script.tenants()) {
      long wanted = script.calls().stream().filter(c -> c.tenant().equals(tenant))
          .mapToLong(Simulation.Call::amount).sum();
      long limit = TierCatalogue.defaults().limit(tenant.tier(), Meter.AI_TOKENS);
      // each call is half to one and a half times its share of the appetite
      assertThat((double) wanted).as(tenant.id().value())
          .isBetween(limit * tenant.appetite() * 0.5 - 40, limit * tenant.appetite() * 1.5 + 40);
    }
    assertThat(script.calls().stream().map(Simulation.Call::kind).distinct()).hasSize(3);
  }

  @Test
  void aTenantOfAnEarlierRunKeepsItsTierAndItsUsageCounts() {
    List<TenantId> ids = Simulation.tenantIds("t-", 1);
    Simulation fresh = Simulation.plan(TierCatalogue.defaults(), Meter.AI_TOKENS, ids,
        List.of(Simulation.Before.NOTHING), Duration.ofMinutes(1), 9);
    Tier other = fresh.tenants().get(0).tier().equals(Tier.ENTERPRISE) ? Tier.PRO : Tier.ENTERPRISE;

    Simulation again = Simulation.plan(TierCatalogue.defaults(), Meter.AI_TOKENS, ids,
        List.of(new Simulation.Before(Optional.of(other), 1_000_000_000)), Duration.ofMinutes(1), 9);

    assertThat(again.tenants().get(0).tier()).isEqualTo(other);
    assertThat(again.calls()).allSatisfy(call -> assertThat(call.amount()).as("nothing more wanted").isOne());
  }

  @Test
  void idsArePaddedToOneWidth() {
    assertThat(Simulation.tenantIds("sim-", 3)).extracting(TenantId::value).containsExactly("sim-01", "sim-02",
        "sim-03");
    assertThat(Simulation.tenantIds("sim-", 100).get(0).value()).isEqualTo("sim-001");
  }

  @ParameterizedTest
  @ValueSource(strings = {"--tenants 0", "--tenants 10001", "--minutes 0", "--minutes -1", "--prefix  "})
  void outOfRangeSettingsAreBadUsageBeforeConnecting(String setting) {
    String[] words = setting.split(" ", 2);

    InProcessCli.Result result = cli.run("simulate", words[0], words[1]);

    assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(result.err().lines()).hasSize(1);
    assertThat(cli.opened).isEmpty();
  }
}
