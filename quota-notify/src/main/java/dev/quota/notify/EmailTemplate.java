package dev.quota.notify;

import dev.quota.alert.NotificationKind;
import dev.quota.notify.internal.Template;
import java.util.Objects;
import java.util.Set;

/**
 * The subject and the two bodies (plain text and HTML) of one kind of notification e-mail, with placeholders that
 * {@link EmailChannel} fills in.
 *
 * <p>A placeholder is a name in braces, {@code {tenant}}; <code>&#123;&#123;</code> is a literal brace, and a brace
 * not followed by a name and a closing brace (CSS in the HTML) is kept as it is. The placeholders:
 *
 * <table>
 *   <caption>Placeholders</caption>
 *   <tr><th scope="col">Placeholder</th><th scope="col">Value</th></tr>
 *   <tr><td>{@code {tenant}}</td><td>the tenant id</td></tr>
 *   <tr><td>{@code {tenantName}}</td><td>the tenant's display name, from the host (by default the id)</td></tr>
 *   <tr><td>{@code {meter}}</td><td>the meter</td></tr>
 *   <tr><td>{@code {used}}</td><td>the usage, in the meter's unit</td></tr>
 *   <tr><td>{@code {ceiling}}</td><td>the limit plus granted credit, in the meter's unit</td></tr>
 *   <tr><td>{@code {percent}}</td><td>the usage in percent of the ceiling, rounded down</td></tr>
 *   <tr><td>{@code {threshold}}</td><td>the threshold crossed, in percent (100 blocked, 0 unblocked)</td></tr>
 *   <tr><td>{@code {resetsAt}}</td><td>when the usage resets, in the channel's time zone and format</td></tr>
 *   <tr><td>{@code {periodStart}}</td><td>when the period began, likewise</td></tr>
 *   <tr><td>{@code {occurredAt}}</td><td>when it happened, likewise</td></tr>
 *   <tr><td>{@code {link}}</td><td>the host's link, its upgrade page for instance</td></tr>
 *   <tr><td>{@code {kind}}</td><td>{@code threshold_crossed}, {@code blocked} or {@code unblocked}</td></tr>
 *   <tr><td>{@code {cause}}</td><td>for an unblock, the admin operation ({@code RESET_USAGE}); else empty</td></tr>
 *   <tr><td>{@code {id}}</td><td>the notification's id, the same on every attempt</td></tr>
 * </table>
 *
 * <p>Every value is put on one line (line breaks and other control characters become spaces) and cut to at most
 * 300 characters (2,000 for the link); in the HTML body it is also escaped, so a tenant's name cannot add markup.
 * The subject is cut to 250 characters and encoded as RFC 2047 requires.
 *
 * @param subject the subject line
 * @param text the plain-text body
 * @param html the HTML body: a whole document or a fragment
 */
public record EmailTemplate(String subject, String text, String html) {

  /** The placeholder names, without braces. */
  public static final Set<String> PLACEHOLDERS = Set.of("tenant", "tenantName", "meter", "used", "ceiling",
      "percent", "threshold", "resetsAt", "periodStart", "occurredAt", "link", "kind", "cause", "id");

  /**
   * Checks the templates.
   *
   * @throws NullPointerException if a template is null
   * @throws IllegalArgumentException naming the template and the placeholder, if one uses an unknown placeholder, or
   *     if the subject is blank
   */
  public EmailTemplate {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(html, "html");
    if (subject.isBlank()) {
      throw new IllegalArgumentException("subject must not be blank");
    }
    Template.parse("subject", subject, PLACEHOLDERS);
    Template.parse("text", text, PLACEHOLDERS);
    Template.parse("html", html, PLACEHOLDERS);
  }

  /**
   * The template quota uses for a kind unless the host sets its own: English, short, with the usage, the ceiling,
   * the reset time and {@code {link}}.
   *
   * @param kind the kind of notification
   * @return its default template
   */
  public static EmailTemplate defaultFor(NotificationKind kind) {
    return switch (kind) {
      case THRESHOLD_CROSSED -> new EmailTemplate(
          "{tenantName} has used {percent}% of its {meter} quota",
          """
          Hello,

          {tenantName} has used {used} of its {ceiling} {meter} ({percent}%) in the current period, \
          crossing the {threshold}% alert threshold. The usage resets at {resetsAt}.

          To raise the limit before it is reached, upgrade the plan: {link}

          Notification {id}
          """,
          html("""
              <p>{tenantName} has used <strong>{used}</strong> of its <strong>{ceiling}</strong> {meter} \
              (<strong>{percent}%</strong>) in the current period, crossing the {threshold}% alert threshold. \
              The usage resets at {resetsAt}.</p>
              <p>To raise the limit before it is reached, <a href="{link}">upgrade the plan</a>.</p>"""));
      case BLOCKED -> new EmailTemplate(
          "{tenantName} has reached its {meter} quota",
          """
          Hello,

          {tenantName} has used {used} of its {ceiling} {meter}, the whole quota: further requests are refused \
          until the usage resets at {resetsAt}.

          To continue now, upgrade the plan: {link}

          Notification {id}
          """,
          html("""
              <p>{tenantName} has used <strong>{used}</strong> of its <strong>{ceiling}</strong> {meter}, the \
              whole quota: further requests are refused until the usage resets at {resetsAt}.</p>
              <p>To continue now, <a href="{link}">upgrade the plan</a>.</p>"""));
      case UNBLOCKED -> new EmailTemplate(
          "{tenantName} can use {meter} again",
          """
          Hello,

          {tenantName} is below its {meter} quota again ({used} of {ceiling} used) after an administrator's \
          change ({cause}). The usage resets at {resetsAt}.

          Plans: {link}

          Notification {id}
          """,
          html("""
              <p>{tenantName} is below its {meter} quota again (<strong>{used}</strong> of \
              <strong>{ceiling}</strong> used) after an administrator's change ({cause}). The usage resets at \
              {resetsAt}.</p>
              <p><a href="{link}">Plans</a></p>"""));
    };
  }

  private static String html(String content) {
    return """
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><title>{tenantName}: {meter} quota</title></head>
        <body>
        <p>Hello,</p>
        """ + content + """

        <p style="color:#666;font-size:small">Notification {id}</p>
        </body></html>
        """;
  }
}
