package dev.quota.notify;

import dev.quota.notify.internal.Addresses;
import dev.quota.notify.internal.Text;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Which URLs the service may call when someone other than the host chose them: a tenant's webhook URL. Without it, a
 * tenant could point its webhook at {@code http://169.254.169.254/} or an internal admin port and have the service
 * call its own network for it.
 *
 * <p>A URL passes when it is absolute, {@code https} (or {@code http} where allowed), without user info; its host is
 * on the allowed list, if there is one; and every address its host resolves to is a public internet address, unless
 * non-public addresses are allowed. Refused are loopback ({@code 127.0.0.0/8}, {@code ::1}), unspecified
 * ({@code 0.0.0.0}, {@code ::}), private ({@code 10/8}, {@code 172.16/12}, {@code 192.168/16}, {@code fc00::/7}),
 * link-local ({@code 169.254/16}, where cloud metadata services answer, {@code fe80::/10}), multicast, shared
 * ({@code 100.64/10}), reserved and broadcast addresses, and IPv6 addresses that carry one of those IPv4 addresses.
 *
 * <p>{@link WebhookChannel} checks a tenant's URL on every delivery, not only when the tenant saved it, as the name
 * may resolve elsewhere by then. A name that resolves to a public address when checked and to a private one a moment
 * later (DNS rebinding) is not caught here; an allowed-hosts list, or an egress proxy that refuses private
 * addresses, closes that gap.
 *
 * {@snippet :
 * UrlPolicy policy = UrlPolicy.builder().build();                     // https, public addresses only
 * UrlPolicy partners = UrlPolicy.builder().allowHosts("hooks.example.com", "*.partner.example").build();
 * }
 */
public final class UrlPolicy {
  /** Resolves a host name to every address it has. */
  @FunctionalInterface
  interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  private final boolean plainHttp;
  private final boolean nonPublicAddresses;
  private final List<String> allowedHosts;
  private final Resolver resolver;

  private UrlPolicy(Builder b) {
    this.plainHttp = b.plainHttp;
    this.nonPublicAddresses = b.nonPublicAddresses;
    this.allowedHosts = List.copyOf(b.allowedHosts);
    this.resolver = b.resolver;
  }

  /**
   * A builder; by default {@code https} only, any host name, public addresses only.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Checks a URL, resolving its host.
   *
   * @param url the URL
   * @throws IllegalArgumentException when the policy refuses the URL, saying which rule
   * @throws UnknownHostException when its host does not resolve (now; it may later)
   */
  public void check(URI url) throws UnknownHostException {
    String host = checkForm(url, plainHttp);
    if (!allowedHosts.isEmpty() && allowedHosts.stream().noneMatch(pattern -> matches(pattern, host))) {
      throw new IllegalArgumentException("host " + host + " is not among the allowed hosts " + allowedHosts);
    }
    if (nonPublicAddresses) {
      return;
    }
    String lookup = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    InetAddress[] addresses = resolver.resolve(lookup);
    if (addresses.length == 0) {
      throw new UnknownHostException(host + " resolved to no address");
    }
    for (InetAddress address : addresses) {
      Optional<String> reason = Addresses.nonPublicReason(address);
      if (reason.isPresent()) {
        throw new IllegalArgumentException("host " + host + " resolves to " + address.getHostAddress() + ", a "
            + reason.get() + " address, which is refused");
      }
    }
  }

  /**
   * The checks of a URL's form: absolute, {@code https} (or {@code http} when allowed), with a host, without user
   * info.
   *
   * @return the host, in lower case, without a trailing dot
   */
  static String checkForm(URI url, boolean plainHttp) {
    Objects.requireNonNull(url, "url");
    String shown = Text.singleLine(url.toString(), 200);
    String scheme = url.getScheme();
    if (!url.isAbsolute() || scheme == null) {
      throw new IllegalArgumentException("url must be absolute, was '" + shown + "'");
    }
    boolean https = scheme.equalsIgnoreCase("https");
    boolean http = scheme.equalsIgnoreCase("http");
    if (http && !plainHttp) {
      throw new IllegalArgumentException("url must use https (plain http is allowed only where the host allows it "
          + "explicitly), was '" + shown + "'");
    }
    if (!https && !http) {
      throw new IllegalArgumentException("url must use https, was '" + shown + "'");
    }
    if (url.getRawUserInfo() != null) {
      throw new IllegalArgumentException("url must not carry user info (credentials), was '"
          + Text.singleLine(scheme + "://...@" + url.getHost(), 200) + "'");
    }
    String host = url.getHost();
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException("url must have a host name, was '" + shown + "'");
    }
    host = host.toLowerCase(Locale.ROOT);
    return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
  }

  private static boolean matches(String pattern, String host) {
    if (pattern.startsWith("*.")) {
      return host.endsWith(pattern.substring(1)) && host.length() > pattern.length() - 1;
    }
    return host.equals(pattern);
  }

  /** Builds a {@link UrlPolicy}. */
  public static final class Builder {
    private boolean plainHttp;
    private boolean nonPublicAddresses;
    private final List<String> allowedHosts = new ArrayList<>();
    private Resolver resolver = InetAddress::getAllByName;

    private Builder() {}

    /**
     * Allows {@code http} URLs as well as {@code https}: for tests, and receivers on a trusted network. A webhook
     * sent over plain HTTP can be read and replayed on the way (the signature still stops changes).
     *
     * @return this builder
     */
    public Builder allowPlainHttp() {
      this.plainHttp = true;
      return this;
    }

    /**
     * Allows hosts whose addresses are not public (loopback, private, link-local and the rest): for tests, and for
     * hosts whose tenants are trusted. With it, a tenant can make the service call the host's network.
     *
     * @return this builder
     */
    public Builder allowNonPublicAddresses() {
      this.nonPublicAddresses = true;
      return this;
    }

    /**
     * Allows only these hosts. Their addresses are still checked unless {@link #allowNonPublicAddresses()}.
     *
     * @param hosts host names, exact ({@code hooks.example.com}) or a suffix ({@code *.example.com}, which
     *     matches names under {@code example.com} but not {@code example.com} itself); case does not matter
     * @return this builder
     */
    public Builder allowHosts(String... hosts) {
      for (String host : hosts) {
        Objects.requireNonNull(host, "hosts");
        String h = host.strip().toLowerCase(Locale.ROOT);
        String name = h.startsWith("*.") ? h.substring(2) : h;
        if (name.isEmpty() || !name.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
            || c == '-' || c == '.')) {
          throw new IllegalArgumentException("hosts must be host names or *.suffixes, was '"
              + Text.singleLine(host, 100) + "'");
        }
        allowedHosts.add(h);
      }
      return this;
    }

    /** Resolves host names with another resolver; for tests of names with several addresses. */
    Builder resolver(Resolver resolver) {
      this.resolver = Objects.requireNonNull(resolver, "resolver");
      return this;
    }

    /**
     * Builds the policy.
     *
     * @return the policy
     */
    public UrlPolicy build() {
      return new UrlPolicy(this);
    }
  }
}
