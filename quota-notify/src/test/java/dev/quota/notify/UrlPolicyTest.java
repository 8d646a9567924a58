package dev.quota.notify;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UrlPolicyTest {
  private static final UrlPolicy DEFAULT = UrlPolicy.builder().build();

  private static UrlPolicy resolving(String host, String... addresses) {
    return UrlPolicy.builder().resolver(name -> {
      if (!name.equals(host)) {
        throw new UnknownHostException(name);
      }
      InetAddress[] out = new InetAddress[addresses.length];
      for (int i = 0; i < addresses.length; i++) {
        out[i] = InetAddress.getByName(addresses[i]);
      }
      return out;
    }).build();
  }

  @ParameterizedTest(name = "{0} is refused as {1}")
  @CsvSource({
      "https://127.0.0.1/, loopback",
      "https://127.1.2.3:8443/hook, loopback",
      "https://[::1]/, loopback",
      "https://0.0.0.0/, unspecified",
      "https://[::]/, unspecified",
      "https://10.1.2.3/, private",
      "https://172.16.0.1/, private",
      "https://192.168.1.1/, private",
      "https://[fd00::1]/, unique local",
      "https://169.254.169.254/latest/meta-data/, link-local",
      "https://[fe80::1]/, link-local",
      "https://224.0.0.1/, multicast",
      "https://100.64.0.1/, shared address space",
      "https://255.255.255.255/, broadcast",
      "https://[::ffff:127.0.0.1]/, loopback",
      "https://[64:ff9b::a00:1]/, private",
      "https://[2002:a9fe:a9fe::]/, link-local",
      "https://2130706433/, loopback",
      "https://localhost/, loopback",
  })
  void nonPublicAddressesAreRefused(String url, String reason) {
    assertThatThrownBy(() -> DEFAULT.check(URI.create(url)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(reason)
        .hasMessageContaining("which is refused");
  }

  @Test
  void everyAddressANameResolvesToIsChecked() {
    UrlPolicy policy = resolving("hooks.example.com", "93.184.215.14", "10.0.0.5");

    assertThatThrownBy(() -> policy.check(URI.create("https://hooks.example.com/quota")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("host hooks.example.com resolves to 10.0.0.5, a private address, which is refused");
  }

  @Test
  void aNameWithOnlyPublicAddressesPasses() {
    UrlPolicy policy = resolving("hooks.example.com", "93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c");

    assertThatCode(() -> policy.check(URI.create("https://hooks.example.com/quota"))).doesNotThrowAnyException();
  }

  @Test
  void plainHttpIsRefusedUnlessAllowed() {
    assertThatThrownBy(() -> DEFAULT.check(URI.create("http://93.184.215.14/")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("url must use https");
    assertThatCode(() -> UrlPolicy.builder().allowPlainHttp().build().check(URI.create("http://93.184.215.14/")))
        .doesNotThrowAnyException();
  }

  @Test
  void otherSchemesUserInfoAndRelativeUrlsAreRefused() {
    assertThatThrownBy(() -> DEFAULT.check(URI.create("file:///etc/passwd"))).hasMessageContaining("must use https");
    assertThatThrownBy(() -> DEFAULT.check(URI.create("ftp://93.184.215.14/"))).hasMessageContaining("must use https");
    assertThatThrownBy(() -> DEFAULT.check(URI.create("https://a:b@93.184.215.14/")))
        .hasMessageContaining("must not carry user info");
    assertThatThrownBy(() -> DEFAULT.check(URI.create("/hooks"))).hasMessageContaining("must be absolute");
  }

  @Test
  void anAllowedHostsListRefusesEveryOtherHost() {
    UrlPolicy policy = UrlPolicy.builder().allowHosts("hooks.example.com", "*.partner.example")
        .resolver(name -> new InetAddress[] {InetAddress.getByName("93.184.215.14")}).build();

    assertThatCode(() -> policy.check(URI.create("https://HOOKS.example.com/q"))).doesNotThrowAnyException();
    assertThatCode(() -> policy.check(URI.create("https://eu.partner.example/q"))).doesNotThrowAnyException();
    assertThatThrownBy(() -> policy.check(URI.create("https://partner.example/q")))
        .hasMessageContaining("is not among the allowed hosts");
    assertThatThrownBy(() -> policy.check(URI.create("https://evilpartner.example/q")))
        .hasMessageContaining("is not among the allowed hosts");
  }

  @Test
  void anAllowedHostIsStillRefusedWhenItResolvesIntoTheNetwork() {
    UrlPolicy policy = UrlPolicy.builder().allowHosts("hooks.example.com")
        .resolver(name -> new InetAddress[] {InetAddress.getByName("127.0.0.1")}).build();

    assertThatThrownBy(() -> policy.check(URI.create("https://hooks.example.com/q")))
        .hasMessageContaining("loopback");
  }

  @Test
  void aNameThatDoesNotResolveIsReportedAsSuch() {
    UrlPolicy policy = resolving("hooks.example.com", "93.184.215.14");

    assertThatThrownBy(() -> policy.check(URI.create("https://nowhere.example.com/")))
        .isInstanceOf(UnknownHostException.class);
  }
}
