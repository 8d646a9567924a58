package dev.quota.alert;

/**
 * Where notifications go: e-mail, a webhook, an in-process listener. The dispatcher calls {@link #deliver} for
 * each pending notification until it returns normally, retrying with backoff when it throws, so a channel sees a
 * notification at least once and possibly more than once (a receiver de-duplicates by {@link Notification#id()}).
 *
 * <p>A channel is called from the dispatcher's thread, one notification at a time; it should bound its own waits
 * (connect and read timeouts).
 */
public interface NotificationChannel {

  /**
   * A short name that identifies this channel in the outbox and in logs, stable across restarts.
   *
   * @return e.g. {@code email} or {@code webhook}; lower-case letters, digits and {@code -}, at most 32 characters
   */
  String name();

  /**
   * Delivers one notification.
   *
   * @param notification what to deliver
   * @throws DeliveryException when it was not delivered: retried later unless {@link DeliveryException#retryable()}
   *     is false
   */
  void deliver(Notification notification) throws DeliveryException;
}
