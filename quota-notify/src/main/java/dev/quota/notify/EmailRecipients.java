package dev.quota.notify;

import dev.quota.TenantId;
import java.util.List;

/**
 * Where a tenant's e-mail notifications go: the host looks the addresses up, in its own user table for instance.
 *
 * <p>Called once per delivery attempt, on the dispatcher's thread, so a change of addresses applies to the next
 * attempt. Must be thread-safe.
 */
@FunctionalInterface
public interface EmailRecipients {

  /**
   * The tenant's recipients.
   *
   * @param tenant the tenant a notification is about
   * @return plain addresses ({@code ops@example.com}, or {@code Ada <ada@example.com>}); an empty list when the
   *     tenant has none, which {@link EmailChannel} reports as a failure that is not retried. An exception thrown
   *     here (the host's database down) is a failure that is retried.
   */
  List<String> recipientsOf(TenantId tenant);
}
