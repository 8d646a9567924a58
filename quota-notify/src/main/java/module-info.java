/**
 * Delivery channels for quota's notifications: {@link dev.quota.notify.EmailChannel} (SMTP, plain text and HTML)
 * and {@link dev.quota.notify.WebhookChannel} (signed JSON over HTTPS), each a
 * {@link dev.quota.alert.NotificationChannel} the notification dispatcher delivers to.
 *
 * <p>Only {@code dev.quota.notify} is exported. {@code dev.quota.notify.internal} (templates, JSON, header and
 * address checks) is not, and may change in any release.
 */
module dev.quota.notify {
  // the API implements NotificationChannel and takes TenantIds
  requires transitive dev.quota.core;
  // the SMTP client: Jakarta Mail's API, and Angus's SMTP exceptions, which carry the server's reply code
  requires jakarta.mail;
  requires org.eclipse.angus.mail;
  requires java.net.http;
  requires static transitive org.jspecify;

  exports dev.quota.notify;
}
