package dev.quota.notify.internal;

import dev.quota.alert.DeliveryException;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;
import org.jspecify.annotations.Nullable;

/**
 * Tells a failure to send that may pass (the server down or slow, a 4xx reply) from one that repeats (a 5xx reply to
 * the message or a recipient).
 */
public final class SmtpFailures {
  private SmtpFailures() {}

  /**
   * The delivery failure for a failed send.
   *
   * <p>Retryable: no connection, a timeout, a 4xx reply, a failed login (the host's configuration, which a later
   * attempt may find fixed), and anything unrecognised. Not retryable: 5xx replies only, or addresses the server
   * refused without a reply code.
   *
   * @param failure what Jakarta Mail threw
   * @return the exception to throw from the channel
   */
  public static DeliveryException classify(MessagingException failure) {
    List<Throwable> chain = chain(failure);
    String detail = Text.singleLine(String.valueOf(failure.getMessage()), 300);
    boolean anyTransient = false;
    boolean anyPermanent = false;
    for (Throwable t : chain) {
      if (t instanceof AuthenticationFailedException) {
        return new DeliveryException("SMTP authentication failed (retried: check the username and password): "
            + detail, true, failure);
      }
      int code = replyCode(t);
      if (code >= 400 && code < 500) {
        anyTransient = true;
      } else if (code >= 500 && code < 600) {
        anyPermanent = true;
      }
    }
    if (anyTransient) {
      return new DeliveryException("SMTP server refused for now (4xx): " + detail, true, failure);
    }
    if (anyPermanent) {
      return new DeliveryException("SMTP server refused the message (5xx): " + detail, false, failure);
    }
    for (Throwable t : chain) {
      if (t instanceof SendFailedException sent && sent.getInvalidAddresses() != null
          && sent.getInvalidAddresses().length > 0) {
        return new DeliveryException("invalid recipient address: " + detail, false, failure);
      }
    }
    return new DeliveryException("SMTP delivery failed: " + detail, true, failure);
  }

  private static int replyCode(Throwable t) {
    if (t instanceof SMTPSendFailedException e) {
      return e.getReturnCode();
    }
    if (t instanceof SMTPAddressFailedException e) {
      return e.getReturnCode();
    }
    if (t instanceof SMTPSenderFailedException e) {
      return e.getReturnCode();
    }
    return -1;
  }

  /** The failure, its causes and Jakarta Mail's chained next exceptions, each once. */
  private static List<Throwable> chain(Throwable failure) {
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    List<Throwable> out = new ArrayList<>();
    List<Throwable> pending = new ArrayList<>(List.of(failure));
    while (!pending.isEmpty() && out.size() < 50) {
      Throwable t = pending.remove(pending.size() - 1);
      if (!seen.add(t)) {
        continue;
      }
      out.add(t);
      @Nullable Throwable cause = t.getCause();
      if (cause != null) {
        pending.add(cause);
      }
      if (t instanceof MessagingException m && m.getNextException() != null) {
        pending.add(m.getNextException());
      }
    }
    return out;
  }
}
