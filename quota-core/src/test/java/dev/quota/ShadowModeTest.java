package dev.quota;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.quota.ConsumeResult.Outcome;
import dev.quota.Decision.Reason;
import dev.quota.spi.LedgerEntry;
import dev.quota.support.LogCapture;
import dev.quota.support.MutableClock;
import dev.quota.support.SimpleStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Shadow mode with a healthy store: nothing is blocked, everything is still computed, recorded and reported. */
class ShadowModeTest {
  private static final String GUARD_LOGGER = "dev.quota.internal.DefaultGuard";
  private static final TenantId TENANT = TenantId.of("acme");
  private static final Meter TOKENS = Meter.AI_TOKENS;

  private final SimpleStore store = new SimpleStore();
  private final MutableClock clock = MutableClock.at("2027-01-15T12:00:00Z");
  private final QuotaGuard guard = Quota.builder().store(store).clock(clock).mode(EnforcementMode.SHADOW).build()
      .guard();
  private LogCapture logs;

  @BeforeEach
  void exhaustTheFreeTier() {
    logs = LogCapture.start();
    givenUsed(TENANT, 100_000);
  }

  @AfterEach
  void stopCapturing() {
    logs.close();
  }

  private void givenUsed(TenantId tenant, long amount) {
    store.givenUsage(new LedgerEntry(tenant, TOKENS, amount, UsageKey.of("earlier"), clock.instant().minusSeconds(60),
        TierCatalogue.defaults().periodPolicy(TOKENS).periodAt(clock.instant()), Map.of()));
  }

  private List<String> shadowLogs() {
    return logs.messages(GUARD_LOGGER, Level.INFO).stream().filter(m -> m.startsWith("shadow mode")).toList();
  }

  @Test
  void blockedTenantMayProceed() {
    assertThat(guard.canProceed(TENANT)).isTrue();
  }

  @Test
  void checkSaysWhyEnforcementWouldHaveDenied() {
    Decision decision = guard.check(TENANT, TOKENS, 10);

    assertThat(decision.allowed()).isTrue();
    assertThat(decision.shadowed()).isTrue();
    assertThat(decision.reason()).isEqualTo(Reason.INSUFFICIENT_BALANCE);
    assertThat(decision.snapshot().blocked()).isTrue();
  }

  @Test
  void consumeOverTheLimitIsRecorded() {
    ConsumeResult result = guard.tryConsume(TENANT, TOKENS, 10, UsageKey.of("k1"));

    assertThat(result.outcome()).isEqualTo(Outcome.CONSUMED);
    assertThat(result.decision().shadowed()).isTrue();
    assertThat(result.decision().snapshot().used()).isEqualTo(100_010);
    assertThat(guard.usage(TENANT).used()).isEqualTo(100_010);
  }

  @Test
  void reservationOverTheLimitIsHeld() {
    ReserveResult result = guard.reserve(TENANT, TOKENS, 10, Duration.ofMinutes(1));

    assertThat(result.granted()).isTrue();
    assertThat(result.decision().shadowed()).isTrue();
    assertThat(guard.usage(TENANT).reserved()).isEqualTo(10);
  }

  @Test
  void allowedCallIsNotMarkedShadowed() {
    TenantId fresh = TenantId.of("globex");

    assertThat(guard.check(fresh, TOKENS, 10).shadowed()).isFalse();
    assertThat(shadowLogs()).isEmpty();
  }

  @Test
  void shadowedDenialIsLoggedAtMostOnceAMinutePerTenantAndMeter() {
    guard.check(TENANT, TOKENS, 1);
    guard.check(TENANT, TOKENS, 1);
    clock.advance(Duration.ofSeconds(59));
    guard.canProceed(TENANT);

    assertThat(shadowLogs()).singleElement().asString().contains("acme").contains("INSUFFICIENT_BALANCE");

    clock.advance(Duration.ofSeconds(1));
    guard.check(TENANT, TOKENS, 1);

    assertThat(shadowLogs()).hasSize(2);
  }

  @Test
  void shadowedDenialsOfDifferentTenantsAreLoggedSeparately() {
    TenantId other = TenantId.of("globex");
    givenUsed(other, 100_000);

    guard.check(TENANT, TOKENS, 1);
    guard.check(other, TOKENS, 1);

    assertThat(shadowLogs()).hasSize(2);
  }
}
