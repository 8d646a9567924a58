package dev.quota;

import dev.quota.internal.Checks;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Usage that already happened, for {@link QuotaGuard#record(UsageEvent)}.
 *
 * <p>There is no timestamp: usage is recorded at the guard clock's current instant. Back-dating is not
 * offered, because it is how the systems quota replaces moved usage out of the current period.
 *
 * @param tenant whose usage it is
 * @param meter what was used
 * @param amount how much, in the meter's unit; positive
 * @param key the event's identity: the same key and amount recorded twice count once
 * @param attributes free-form details kept with the ledger entry (at most {@value #MAX_ATTRIBUTES}
 *     entries; names up to 64 characters, values up to 1024)
 */
public record UsageEvent(TenantId tenant, Meter meter, long amount, UsageKey key, Map<String, String> attributes) {
  /** The most attributes an event may carry. */
  public static final int MAX_ATTRIBUTES = 32;

  /**
   * Validates the event and freezes its attributes.
   *
   * @throws InvalidRequestException if a field is null, the amount is not positive, or the attributes
   *     break their bounds
   */
  public UsageEvent {
    Checks.notNull("tenant", tenant);
    Checks.notNull("meter", meter);
    Checks.positive("amount", amount);
    Checks.notNull("key", key);
    attributes = checkAttributes(attributes);
  }

  /**
   * An event without attributes.
   *
   * @param tenant whose usage it is
   * @param meter what was used
   * @param amount how much, in the meter's unit; positive
   * @param key the event's identity
   * @return the event
   */
  public static UsageEvent of(TenantId tenant, Meter meter, long amount, UsageKey key) {
    return new UsageEvent(tenant, meter, amount, key, Map.of());
  }

  /**
   * Returns a copy of this event with attributes.
   *
   * @param attributes the attributes, replacing any present
   * @return the new event
   */
  public UsageEvent withAttributes(Map<String, String> attributes) {
    return new UsageEvent(tenant, meter, amount, key, attributes);
  }

  static Map<String, String> checkAttributes(Map<String, String> attributes) {
    if (attributes == null || attributes.isEmpty()) {
      return Map.of();
    }
    if (attributes.size() > MAX_ATTRIBUTES) {
      throw new InvalidRequestException("attributes", "must have at most " + MAX_ATTRIBUTES + " entries, had " + attributes.size());
    }
    Map<String, String> copy = new LinkedHashMap<>();
    attributes.forEach((name, value) -> {
      Checks.identifier("attribute name", name, 64);
      Checks.notNull("attribute '" + name + "'", value);
      if (!value.isEmpty()) {
        Checks.text("attribute '" + name + "'", value, 1024);
      }
      copy.put(name, value);
    });
    return Collections.unmodifiableMap(copy);
  }
}
