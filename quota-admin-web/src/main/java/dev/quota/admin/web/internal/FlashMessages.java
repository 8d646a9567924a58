package dev.quota.admin.web.internal;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The status messages of post-redirect-get: kept under a random id between the change and the page the browser is
 * sent to, shown once and only to the actor who made the change. Bounded; the oldest are dropped first.
 */
final class FlashMessages {
  private record Message(String actor, String text) {}

  private final int capacity;
  private final LinkedHashMap<String, Message> messages = new LinkedHashMap<>();
  private final SecureRandom random = new SecureRandom();

  FlashMessages(int capacity) {
    this.capacity = capacity;
  }

  synchronized String put(String actor, String text) {
    byte[] bytes = new byte[12];
    random.nextBytes(bytes);
    String id = HexFormat.of().formatHex(bytes);
    messages.put(id, new Message(actor, text));
    while (messages.size() > capacity) {
      Iterator<Map.Entry<String, Message>> oldest = messages.entrySet().iterator();
      oldest.next();
      oldest.remove();
    }
    return id;
  }

  synchronized @Nullable String take(String actor, String id) {
    Message message = messages.get(id);
    if (message == null || !message.actor().equals(actor)) {
      return null;
    }
    messages.remove(id);
    return message.text();
  }
}
