package dev.quota.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.InvalidRequestException;
import dev.quota.Meter;
import dev.quota.Quota;
import dev.quota.TenantId;
import dev.quota.UsageEvent;
import dev.quota.UsageKey;
import dev.quota.support.SimpleStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** The dispatcher's builder refuses bad settings naming them, and a quota with channels runs a dispatcher. */
class NotificationDispatcherBuilderTest {
  private final SimpleStore store = new SimpleStore();

  private static NotificationChannel channel(String name) {
    return new NotificationChannel() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public void deliver(Notification notification) {}
    };
  }

  private static void assertRejected(ThrowingCallable call, String field, String rule) {
    assertThatThrownBy(call).isInstanceOfSatisfying(InvalidRequestException.class, e -> {
      assertThat(e.field()).isEqualTo(field);
      assertThat(e.getMessage()).contains(rule);
    });
  }

  @Test
  void aStoreAndAChannelAreRequired() {
    assertRejected(() -> NotificationDispatcher.builder().channel(channel("mail")).build(), "store", "must be set");
    assertRejected(() -> NotificationDispatcher.builder().store(store).build(), "channel", "at least one");
  }

  @Test
  void channelNamesAreShortLowerCaseAndDistinct() {
    assertRejected(() -> NotificationDispatcher.builder().channel(channel("E-Mail")), "channel", "lower-case");
    assertRejected(() -> NotificationDispatcher.builder().channel(channel("x".repeat(33))), "channel", "1 to 32");
    assertRejected(() -> NotificationDispatcher.builder().channel(channel("mail")).channel(channel("mail")),
        "channel", "already taken");
  }

  @Test
  void durationsAndSizesOutsideTheirRangesAreRefused() {
    NotificationDispatcher.Builder builder = NotificationDispatcher.builder();
    assertRejected(() -> builder.pollInterval(Duration.ofMillis(1)), "poll interval", "between");
    assertRejected(() -> builder.batchSize(0), "batch size", "between 1 and 1000");
    assertRejected(() -> builder.jitter(1.5), "jitter", "between 0 and 1");
    assertRejected(() -> builder.jitter(Double.NaN), "jitter", "between 0 and 1");
    assertRejected(() -> builder.giveUpAfter(Duration.ZERO), "give up after", "between");
    assertRejected(() -> builder.lease(Duration.ofMillis(10)), "lease", "between");
    assertRejected(() -> builder.instanceId(" padded"), "instance id", "white space");
  }

  @Test
  void aBackoffMaxBelowItsBaseIsRefusedWhenBuilt() {
    assertRejected(() -> NotificationDispatcher.builder().store(store).channel(channel("mail"))
        .backoffBase(Duration.ofMinutes(5)).backoffMax(Duration.ofMinutes(1)).build(), "backoff max", "not be below");
  }

  @Test
  void aQuotaWithoutChannelsOrListenersHasNoDispatcher() {
    assertThat(Quota.builder().store(store).build().dispatcher()).isEmpty();
  }

  @Test
  void theListenersChannelNameIsTheirs() {
    assertRejected(() -> Quota.builder().notificationChannel(channel("listener")), "notification channel",
        "alert listeners' own");
  }

  @Test
  void aQuotaWithAChannelStartsADispatcherThatDeliversAndStopsItWhenClosed() throws InterruptedException {
    List<Notification> delivered = java.util.Collections.synchronizedList(new ArrayList<>());
    NotificationChannel recording = new NotificationChannel() {
      @Override
      public String name() {
        return "mail";
      }

      @Override
      public void deliver(Notification notification) {
        delivered.add(notification);
      }
    };
    try (Quota quota = Quota.builder().store(store).notificationChannel(recording)
        .dispatcher(d -> d.pollInterval(Duration.ofMillis(10))).build()) {
      quota.guard().record(UsageEvent.of(TenantId.of("acme"), Meter.AI_TOKENS, 80_000, UsageKey.of("k1")));

      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (delivered.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(delivered).extracting(Notification::thresholdPercent).containsExactly(80);
    }
  }
}
