package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Meter;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.alert.Delivery;
import dev.quota.alert.DeliveryException;
import dev.quota.alert.DeliveryState;
import dev.quota.alert.Notification;
import dev.quota.alert.NotificationChannel;
import dev.quota.jooq.PostgresQuotaStore;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An alert whose webhook keeps being refused, with the jar on PostgreSQL: the operator sees it pending, then failed
 * with its error, and requeues it.
 */
class NotificationsIT {
  @RegisterExtension
  static final CliSchema db = new CliSchema();

  private PostgresQuotaStore store;
  private Quota service;

  /** A receiver that refuses every delivery for good, as one with a mistyped URL does. */
  private static final NotificationChannel REFUSING = new NotificationChannel() {
    @Override
    public String name() {
      return "webhook";
    }

    @Override
    public void deliver(Notification notification) throws DeliveryException {
      throw new DeliveryException("HTTP 404 from https://hooks.example.com/quota", false, null);
    }
  };

  @BeforeEach
  void startService() {
    store = PostgresQuotaStore.builder().dataSource(CliSchema.dataSource()).schema(db.schema()).strict()
        .listenForChanges(false).build();
    service = Quota.builder().store(store).notificationChannel(REFUSING).dispatchManually().build();
  }

  @AfterEach
  void stopService() {
    service.close();
  }

  @Test
  void aPendingAlertIsListedThenFailedWithItsErrorThenRequeued() {
    String tenant = "acme-" + UUID.randomUUID().toString().substring(0, 8);
    service.guard().record(UsageEvent.of(TenantId.of(tenant), Meter.AI_TOKENS, 85_000, UsageKey.of("k1")));

    CliJar.Result pending = db.cli().run("notifications", "--pending");
    assertThat(pending.exitCode()).as(pending.err()).isZero();
    assertThat(pending.out()).contains("pending", "80%", tenant, "ai-tokens", "webhook");

    service.dispatcher().orElseThrow().runOnce();
    CliJar.Result failed = db.cli().run("notifications", "--failed");
    assertThat(failed.exitCode()).as(failed.err()).isZero();
    assertThat(failed.out()).contains("failed", tenant, "webhook", "HTTP 404 from https://hooks.example.com/quota");

    CliJar.Result json = db.cli().run("notifications", "--failed", "--json");
    assertThat(json.exitCode()).as(json.err()).isZero();
    Delivery given = service.outbox().deliveries(DeliveryState.FAILED, 10).stream()
        .filter(d -> d.notification().tenant().value().equals(tenant)).findFirst().orElseThrow();
    assertThat(json.out()).contains("\"notificationId\"", given.notification().id().toString(), "\"FAILED\"",
        "\"attempts\"", "HTTP 404");

    CliJar.Result requeued = db.cli().run("notifications", "--requeue", given.notification().id().toString(),
        "--channel", "webhook", "--reason", "OPS-7: receiver URL fixed");
    assertThat(requeued.exitCode()).as(requeued.err()).isZero();
    assertThat(requeued.out()).contains("requeued the delivery of notification " + given.notification().id());
    assertThat(service.outbox().deliveries(DeliveryState.PENDING, 10))
        .extracting(d -> d.notification().id()).contains(given.notification().id());
  }

  @Test
  void requeueingWithoutAReasonOrAnIdIsRefusedAsUsage() {
    CliJar.Result noReason = db.cli().run("notifications", "--requeue", UUID.randomUUID().toString(), "--channel",
        "webhook");
    CliJar.Result badId = db.cli().run("notifications", "--requeue", "nope", "--channel", "webhook", "--reason", "x");
    CliJar.Result unknown = db.cli().run("notifications", "--requeue", UUID.randomUUID().toString(), "--channel",
        "webhook", "--reason", "x");

    assertThat(noReason.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(noReason.err()).contains("--requeue needs --reason");
    assertThat(badId.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(badId.err()).contains("a notification id as listed");
    assertThat(unknown.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(unknown.err()).contains("no delivery of notification");
  }
}
