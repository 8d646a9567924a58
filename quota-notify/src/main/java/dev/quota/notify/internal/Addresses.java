package dev.quota.notify.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** Which IP addresses belong to the public internet, and which to a host's own network. */
public final class Addresses {
  private Addresses() {}

  /**
   * Why an address is not a public internet address, if it is not.
   *
   * @param address an address a host name resolved to, or an address literal
   * @return e.g. {@code "loopback"}, or empty for a public address
   */
  public static Optional<String> nonPublicReason(InetAddress address) {
    if (address.isLoopbackAddress()) {
      return Optional.of("loopback");
    }
    if (address.isAnyLocalAddress()) {
      return Optional.of("unspecified");
    }
    if (address.isLinkLocalAddress()) {
      return Optional.of("link-local");
    }
    if (address.isSiteLocalAddress()) {
      return Optional.of("private");
    }
    if (address.isMulticastAddress()) {
      return Optional.of("multicast");
    }
    byte[] b = address.getAddress();
    if (address instanceof Inet4Address) {
      return ipv4Reason(b);
    }
    if (address instanceof Inet6Address) {
      int first = b[0] & 0xff;
      if ((first & 0xfe) == 0xfc) {
        return Optional.of("private (unique local, fc00::/7)");
      }
      // addresses that carry an IPv4 address (IPv4-compatible ::a.b.c.d, IPv4-mapped ::ffff:a.b.c.d, NAT64
      // 64:ff9b::/96, 6to4 2002::/16): judged by the IPv4 address inside, which is where the packets end up
      byte[] embedded = embeddedIpv4(b);
      if (embedded != null) {
        try {
          return nonPublicReason(InetAddress.getByAddress(embedded)).map(r -> r + " (embedded in " + address + ")");
        } catch (java.net.UnknownHostException impossible) {
          throw new IllegalStateException(impossible);
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<String> ipv4Reason(byte[] b) {
    int first = b[0] & 0xff;
    int second = b[1] & 0xff;
    if (first == 0) {
      return Optional.of("unspecified (0.0.0.0/8)");
    }
    if (first == 100 && (second & 0xc0) == 64) {
      return Optional.of("shared address space (100.64.0.0/10)");
    }
    if (first == 192 && second == 0 && (b[2] & 0xff) == 0) {
      return Optional.of("IETF protocol assignments (192.0.0.0/24)");
    }
    if (first == 198 && (second & 0xfe) == 18) {
      return Optional.of("benchmarking (198.18.0.0/15)");
    }
    if (first >= 240) {
      return Optional.of("reserved or broadcast (240.0.0.0/4)");
    }
    return Optional.empty();
  }

  private static byte @Nullable [] embeddedIpv4(byte[] b) {
    boolean firstTwelveZero = true;
    for (int i = 0; i < 12; i++) {
      firstTwelveZero &= b[i] == 0;
    }
    boolean firstTenZero = true;
    for (int i = 0; i < 10; i++) {
      firstTenZero &= b[i] == 0;
    }
    boolean mapped = firstTenZero && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    if (firstTwelveZero || mapped) {
      return new byte[] {b[12], b[13], b[14], b[15]};
    }
    boolean nat64 = (b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b;
    for (int i = 4; nat64 && i < 12; i++) {
      nat64 = b[i] == 0;
    }
    if (nat64) {
      return new byte[] {b[12], b[13], b[14], b[15]};
    }
    if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x02) {
      return new byte[] {b[2], b[3], b[4], b[5]};
    }
    return null;
  }
}
