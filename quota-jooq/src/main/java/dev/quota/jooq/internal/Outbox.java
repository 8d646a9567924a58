package dev.quota.jooq.internal;

import static dev.quota.jooq.internal.Db.micros;
import static dev.quota.jooq.internal.generated.Tables.ALERT_MARK;
import static dev.quota.jooq.internal.generated.Tables.BLOCK_MARK;
import static dev.quota.jooq.internal.generated.Tables.NOTIFICATION;
import static dev.quota.jooq.internal.generated.Tables.NOTIFICATION_DELIVERY;

import dev.quota.Meter;
import dev.quota.Period;
import dev.quota.TenantId;
import dev.quota.alert.Delivery;
import dev.quota.alert.DeliveryState;
import dev.quota.alert.Notification;
import dev.quota.alert.NotificationKind;
import dev.quota.jooq.internal.generated.tables.records.NotificationDeliveryRecord;
import dev.quota.jooq.internal.generated.tables.records.NotificationRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.SortField;
import org.jooq.impl.DSL;
import org.jspecify.annotations.Nullable;

/**
 * The alert marks and the notification outbox: each mark written with its notification and one delivery row per
 * channel, in one transaction; deliveries claimed with {@code FOR UPDATE SKIP LOCKED} and a lease.
 */
public final class Outbox {
  /** The longest error text kept with a delivery (the column's length). */
  private static final int MAX_ERROR_LENGTH = 2_000;

  private final Db db;

  /** @param db the statements' runner */
  public Outbox(Db db) {
    this.db = db;
  }

  /**
   * See {@link dev.quota.spi.NotificationStore#markAlertFired}.
   *
   * @param notification a threshold or block notification
   * @param channels the channels
   * @return whether this call marked it
   */
  public boolean markFired(Notification notification, Collection<String> channels) {
    if (notification.kind() == NotificationKind.UNBLOCKED) {
      throw new IllegalArgumentException("an UNBLOCKED notification is written by rearmAlerts");
    }
    return db.transaction(tx -> {
      DSLContext dsl = tx.dsl();
      TenantId tenant = notification.tenant();
      Period period = notification.period();
      int marked = notification.kind() == NotificationKind.BLOCKED
          ? dsl.insertInto(BLOCK_MARK, BLOCK_MARK.TENANT_ID, BLOCK_MARK.METER, BLOCK_MARK.PERIOD_START,
                  BLOCK_MARK.PERIOD_END)
              .values(tenant.value(), notification.meter().name(), micros(period.start()), micros(period.end()))
              .onConflictDoNothing()
              .execute()
          : dsl.insertInto(ALERT_MARK, ALERT_MARK.TENANT_ID, ALERT_MARK.METER, ALERT_MARK.PERIOD_START,
                  ALERT_MARK.PERIOD_END, ALERT_MARK.THRESHOLD_PERCENT)
              .values(tenant.value(), notification.meter().name(), micros(period.start()), micros(period.end()),
                  notification.thresholdPercent())
              .onConflictDoNothing()
              .execute();
      if (marked == 0) {
        return false;
      }
      queue(dsl, notification, channels);
      return true;
    });
  }

  /**
   * See {@link dev.quota.spi.NotificationStore#rearmAlerts}.
   *
   * @param tenant the tenant
   * @param meter the meter
   * @param period the period
   * @param thresholdPercents the thresholds to re-arm
   * @param unblocked the unblock notification, or null
   * @param channels the channels
   * @return whether {@code unblocked} was written
   */
  public boolean rearm(TenantId tenant, Meter meter, Period period, Collection<Integer> thresholdPercents,
      @Nullable Notification unblocked, Collection<String> channels) {
    if (thresholdPercents.isEmpty() && unblocked == null) {
      return false;
    }
    return db.transaction(tx -> {
      DSLContext dsl = tx.dsl();
      if (!thresholdPercents.isEmpty()) {
        dsl.deleteFrom(ALERT_MARK)
            .where(ALERT_MARK.TENANT_ID.eq(tenant.value()), ALERT_MARK.METER.eq(meter.name()),
                ALERT_MARK.PERIOD_START.eq(micros(period.start())), ALERT_MARK.PERIOD_END.eq(micros(period.end())),
                ALERT_MARK.THRESHOLD_PERCENT.in(thresholdPercents))
            .execute();
      }
      if (unblocked == null) {
        return false;
      }
      int cleared = dsl.deleteFrom(BLOCK_MARK)
          .where(BLOCK_MARK.TENANT_ID.eq(tenant.value()), BLOCK_MARK.METER.eq(meter.name()),
              BLOCK_MARK.PERIOD_START.eq(micros(period.start())), BLOCK_MARK.PERIOD_END.eq(micros(period.end())))
          .execute();
      if (cleared == 0) {
        return false;
      }
      queue(dsl, unblocked, channels);
      return true;
    });
  }

  private static void queue(DSLContext dsl, Notification n, Collection<String> channels) {
    dsl.insertInto(NOTIFICATION, NOTIFICATION.NOTIFICATION_ID, NOTIFICATION.KIND, NOTIFICATION.TENANT_ID,
            NOTIFICATION.METER, NOTIFICATION.PERIOD_START, NOTIFICATION.PERIOD_END, NOTIFICATION.THRESHOLD_PERCENT,
            NOTIFICATION.USED, NOTIFICATION.CEILING, NOTIFICATION.OCCURRED_AT, NOTIFICATION.CAUSE)
        .values(n.id(), n.kind().name(), n.tenant().value(), n.meter().name(), micros(n.period().start()),
            micros(n.period().end()), n.thresholdPercent(), n.used(), n.ceiling(), micros(n.occurredAt()), n.cause())
        .execute();
    for (String channel : channels) {
      dsl.insertInto(NOTIFICATION_DELIVERY, NOTIFICATION_DELIVERY.NOTIFICATION_ID, NOTIFICATION_DELIVERY.CHANNEL,
              NOTIFICATION_DELIVERY.STATE, NOTIFICATION_DELIVERY.ATTEMPTS, NOTIFICATION_DELIVERY.QUEUED_AT,
              NOTIFICATION_DELIVERY.NEXT_ATTEMPT_AT, NOTIFICATION_DELIVERY.LAST_ERROR)
          .values(n.id(), channel, DeliveryState.PENDING.name(), 0, micros(n.occurredAt()), micros(n.occurredAt()), "")
          .execute();
    }
  }

  /**
   * See {@link dev.quota.spi.NotificationStore#claimDeliveries}: locks due, unleased rows with
   * {@code FOR UPDATE SKIP LOCKED} (rows another claimer is locking right now are passed over, not waited for), and
   * leases them in the same transaction.
   *
   * @param channels the channels
   * @param claimer the claimer
   * @param now the time of the claim
   * @param lease how long the claim holds
   * @param max the most to claim
   * @return the claimed deliveries, as they stood before
   */
  public List<Delivery> claim(Collection<String> channels, String claimer, Instant now, Duration lease, int max) {
    if (channels.isEmpty()) {
      return List.of();
    }
    Instant at = micros(now);
    return db.transaction(tx -> {
      DSLContext dsl = tx.dsl();
      // due first, then in the order written, so that a tenant hears of 80 % before 90 %
      List<NotificationDeliveryRecord> due = dsl.select(NOTIFICATION_DELIVERY.fields())
          .from(NOTIFICATION_DELIVERY).join(NOTIFICATION)
          .on(NOTIFICATION.NOTIFICATION_ID.eq(NOTIFICATION_DELIVERY.NOTIFICATION_ID))
          .where(NOTIFICATION_DELIVERY.STATE.eq(DeliveryState.PENDING.name()),
              NOTIFICATION_DELIVERY.CHANNEL.in(channels),
              NOTIFICATION_DELIVERY.NEXT_ATTEMPT_AT.le(at),
              NOTIFICATION_DELIVERY.LEASED_UNTIL.isNull().or(NOTIFICATION_DELIVERY.LEASED_UNTIL.le(at)))
          .orderBy(NOTIFICATION_DELIVERY.NEXT_ATTEMPT_AT, NOTIFICATION.SEQ)
          .limit(max)
          .forUpdate()
          .of(NOTIFICATION_DELIVERY)
          .skipLocked()
          .fetchInto(NOTIFICATION_DELIVERY);
      if (due.isEmpty()) {
        return List.of();
      }
      List<UUID> ids = due.stream().map(NotificationDeliveryRecord::getNotificationId).distinct().toList();
      java.util.Map<UUID, Notification> notifications = dsl.selectFrom(NOTIFICATION)
          .where(NOTIFICATION.NOTIFICATION_ID.in(ids))
          .fetchMap(NOTIFICATION.NOTIFICATION_ID, Outbox::notification);
      for (NotificationDeliveryRecord row : due) {
        dsl.update(NOTIFICATION_DELIVERY)
            .set(NOTIFICATION_DELIVERY.CLAIMED_BY, claimer)
            .set(NOTIFICATION_DELIVERY.LEASED_UNTIL, micros(now.plus(lease)))
            .where(NOTIFICATION_DELIVERY.NOTIFICATION_ID.eq(row.getNotificationId()),
                NOTIFICATION_DELIVERY.CHANNEL.eq(row.getChannel()))
            .execute();
      }
      return due.stream().map(row -> delivery(notifications.get(row.getNotificationId()), row)).toList();
    });
  }

  /**
   * See {@link dev.quota.spi.NotificationStore#recordDelivered}.
   *
   * @param notificationId the notification
   * @param channel the channel
   * @param claimer who claimed it
   * @param now when it arrived
   * @return whether it was recorded
   */
  public boolean delivered(UUID notificationId, String channel, String claimer, Instant now) {
    return db.read(dsl -> dsl.update(NOTIFICATION_DELIVERY)
        .set(NOTIFICATION_DELIVERY.STATE, DeliveryState.DELIVERED.name())
        .set(NOTIFICATION_DELIVERY.ATTEMPTS, NOTIFICATION_DELIVERY.ATTEMPTS.plus(1))
        .set(NOTIFICATION_DELIVERY.LAST_ATTEMPT_AT, micros(now))
        .set(NOTIFICATION_DELIVERY.LAST_ERROR, "")
        .setNull(NOTIFICATION_DELIVERY.CLAIMED_BY)
        .setNull(NOTIFICATION_DELIVERY.LEASED_UNTIL)
        .where(leasedTo(notificationId, channel, claimer))
        .execute()) == 1;
  }

  /**
   * See {@link dev.quota.spi.NotificationStore#recordFailure}.
   *
   * @param notificationId the notification
   * @param channel the channel
   * @param claimer who claimed it
   * @param now when the attempt failed
   * @param error why
   * @param retryAt when to try again, or null to give up
   * @return whether it was recorded
   */
  public boolean failed(UUID notificationId, String channel, String claimer, Instant now, String error,
      @Nullable Instant retryAt) {
    String text = error.length() > MAX_ERROR_LENGTH ? error.substring(0, MAX_ERROR_LENGTH) : error;
    return db.read(dsl -> dsl.update(NOTIFICATION_DELIVERY)
        .set(NOTIFICATION_DELIVERY.STATE, (retryAt == null ? DeliveryState.FAILED : DeliveryState.PENDING).name())
        .set(NOTIFICATION_DELIVERY.ATTEMPTS, NOTIFICATION_DELIVERY.ATTEMPTS.plus(1))
        .set(NOTIFICATION_DELIVERY.LAST_ATTEMPT_AT, micros(now))
        .set(NOTIFICATION_DELIVERY.LAST_ERROR, text)
        .set(NOTIFICATION_DELIVERY.NEXT_ATTEMPT_AT, retryAt == null ? NOTIFICATION_DELIVERY.NEXT_ATTEMPT_AT
            : org.jooq.impl.DSL.val(micros(retryAt)))
        .setNull(NOTIFICATION_DELIVERY.CLAIMED_BY)
        .setNull(NOTIFICATION_DELIVERY.LEASED_UNTIL)
        .where(leasedTo(notificationId, channel, claimer))
        .execute()) == 1;
  }

  private static org.jooq.Condition leasedTo(UUID notificationId, String channel, String claimer) {
    return NOTIFICATION_DELIVERY.NOTIFICATION_ID.eq(notificationId)
        .and(NOTIFICATION_DELIVERY.CHANNEL.eq(channel))
        .and(NOTIFICATION_DELIVERY.STATE.eq(DeliveryState.PENDING.name()))
        .and(NOTIFICATION_DELIVERY.CLAIMED_BY.eq(claimer));
  }

  /**
   * See {@link dev.quota.spi.NotificationStore#deliveries}.
   *
   * @param state which deliveries
   * @param max the most to return
   * @return the deliveries
   */
  public List<Delivery> list(DeliveryState state, int max) {
    List<SortField<?>> order = state == DeliveryState.PENDING
        ? List.of(NOTIFICATION_DELIVERY.NEXT_ATTEMPT_AT.asc(), NOTIFICATION.SEQ.asc())
        : List.of(NOTIFICATION_DELIVERY.LAST_ATTEMPT_AT.desc().nullsLast(), NOTIFICATION.SEQ.desc());
    return db.read(dsl -> dsl.select()
        .from(NOTIFICATION_DELIVERY).join(NOTIFICATION)
        .on(NOTIFICATION.NOTIFICATION_ID.eq(NOTIFICATION_DELIVERY.NOTIFICATION_ID))
        .where(NOTIFICATION_DELIVERY.STATE.eq(state.name()))
        .orderBy(order)
        .limit(max)
        .fetch(Outbox::delivery));
  }

  /**
   * See {@link dev.quota.spi.NotificationStore#delivery}.
   *
   * @param notificationId the notification
   * @param channel the channel
   * @return it, if it exists
   */
  public Optional<Delivery> find(UUID notificationId, String channel) {
    return db.read(dsl -> dsl.select()
        .from(NOTIFICATION_DELIVERY).join(NOTIFICATION)
        .on(NOTIFICATION.NOTIFICATION_ID.eq(NOTIFICATION_DELIVERY.NOTIFICATION_ID))
        .where(NOTIFICATION_DELIVERY.NOTIFICATION_ID.eq(notificationId), NOTIFICATION_DELIVERY.CHANNEL.eq(channel))
        .fetchOptional(Outbox::delivery));
  }

  /**
   * See {@link dev.quota.spi.NotificationStore#countDeliveries}.
   *
   * @param state which deliveries
   * @return how many
   */
  public long count(DeliveryState state) {
    return db.read(dsl -> dsl.fetchCount(NOTIFICATION_DELIVERY, NOTIFICATION_DELIVERY.STATE.eq(state.name())));
  }

  /**
   * See {@link dev.quota.spi.NotificationStore#requeue}.
   *
   * @param notificationId the notification
   * @param channel the channel
   * @param now the time of the requeue
   * @param requeuedBy who
   * @param reason why
   * @return whether it was requeued
   */
  public boolean requeue(UUID notificationId, String channel, Instant now, String requeuedBy, String reason) {
    return db.read(dsl -> dsl.update(NOTIFICATION_DELIVERY)
        .set(NOTIFICATION_DELIVERY.STATE, DeliveryState.PENDING.name())
        .set(NOTIFICATION_DELIVERY.QUEUED_AT, micros(now))
        .set(NOTIFICATION_DELIVERY.NEXT_ATTEMPT_AT, micros(now))
        .set(NOTIFICATION_DELIVERY.REQUEUED_BY, requeuedBy)
        .set(NOTIFICATION_DELIVERY.REQUEUE_REASON, reason)
        .setNull(NOTIFICATION_DELIVERY.CLAIMED_BY)
        .setNull(NOTIFICATION_DELIVERY.LEASED_UNTIL)
        .where(NOTIFICATION_DELIVERY.NOTIFICATION_ID.eq(notificationId), NOTIFICATION_DELIVERY.CHANNEL.eq(channel),
            NOTIFICATION_DELIVERY.STATE.eq(DeliveryState.FAILED.name()))
        .execute()) == 1;
  }

  /**
   * See {@link dev.quota.spi.NotificationStore#purgeDelivered}: picks the notifications, then deletes their deliveries
   * and them, in one transaction. Nothing changes a delivered notification any more, so the rows need no lock: an
   * instance purging the same ones at once waits on the deletes and then finds them gone.
   *
   * @param before the cut-off
   * @param max the most notifications to delete
   * @return how many deliveries were deleted
   */
  public int purgeDelivered(Instant before, int max) {
    return db.transaction(tx -> {
      DSLContext dsl = tx.dsl();
      List<UUID> done = dsl.select(NOTIFICATION.NOTIFICATION_ID)
          .from(NOTIFICATION)
          .where(NOTIFICATION.OCCURRED_AT.lt(micros(before)))
          .andNotExists(DSL.selectOne().from(NOTIFICATION_DELIVERY)
              .where(NOTIFICATION_DELIVERY.NOTIFICATION_ID.eq(NOTIFICATION.NOTIFICATION_ID))
              .and(NOTIFICATION_DELIVERY.STATE.ne(DeliveryState.DELIVERED.name())
                  .or(NOTIFICATION_DELIVERY.LAST_ATTEMPT_AT.ge(micros(before)))))
          .orderBy(NOTIFICATION.SEQ)
          .limit(max)
          .fetch(NOTIFICATION.NOTIFICATION_ID);
      if (done.isEmpty()) {
        return 0;
      }
      int deleted = dsl.deleteFrom(NOTIFICATION_DELIVERY).where(NOTIFICATION_DELIVERY.NOTIFICATION_ID.in(done)).execute();
      dsl.deleteFrom(NOTIFICATION).where(NOTIFICATION.NOTIFICATION_ID.in(done)).execute();
      return deleted;
    });
  }

  private static Notification notification(NotificationRecord r) {
    return new Notification(r.getNotificationId(), NotificationKind.valueOf(r.getKind()), TenantId.of(r.getTenantId()),
        Meter.of(r.getMeter()), new Period(r.getPeriodStart(), r.getPeriodEnd()), r.getThresholdPercent(),
        r.getUsed(), r.getCeiling(), r.getOccurredAt(), r.getCause());
  }

  private static Delivery delivery(Record r) {
    return delivery(notification(r.into(NOTIFICATION)), r.into(NOTIFICATION_DELIVERY));
  }

  private static Delivery delivery(@Nullable Notification notification, NotificationDeliveryRecord row) {
    if (notification == null) {
      throw new IllegalStateException("delivery of notification " + row.getNotificationId() + " has no notification");
    }
    DeliveryState state = DeliveryState.valueOf(row.getState());
    return new Delivery(notification, row.getChannel(), state, row.getAttempts(), row.getQueuedAt(),
        state == DeliveryState.PENDING ? row.getNextAttemptAt() : null, row.getLastAttemptAt(), row.getLastError());
  }
}
