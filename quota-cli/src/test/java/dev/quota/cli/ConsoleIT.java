package dev.quota.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code quota console}: the jar serves the console for the schema on loopback, opened once by its login URL. */
class ConsoleIT {
  @RegisterExtension
  static final CliSchema db = new CliSchema();

  @Test
  void theLoginUrlOpensTheTenantsPageOnceAndChangesAreAuditedUnderTheActor() throws Exception {
    db.use("acme", 100_000);
    List<String> command = new ArrayList<>(List.of(CliJar.java(), "-jar", CliJar.jar().toString(), "console",
        "--port", "0", "--actor", "ops-console"));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().keySet().removeIf(name -> name.startsWith("QUOTA_"));
    builder.environment().put("QUOTA_JDBC_URL", dev.quota.jooq.testsupport.PostgresDatabase.url());
    builder.environment().put("QUOTA_SCHEMA", db.schema());
    Process process = builder.start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8));
      String login = CompletableFuture.supplyAsync(() -> {
        try {
          for (String line = out.readLine(); line != null; line = out.readLine()) {
            if (line.contains("/login?token=")) {
              return line.strip();
            }
          }
          return null;
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).get(60, TimeUnit.SECONDS);
      assertThat(login).as("the login URL printed").startsWith("http://127.0.0.1:");
      // keep reading what the server prints, so that it never blocks on a full pipe
      CompletableFuture.runAsync(() -> {
        try {
          while (out.readLine() != null) {
            // drained
          }
        } catch (java.io.IOException e) {
          // the process ended
        }
      });

      HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager())
          .connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NORMAL).build();
      HttpResponse<String> tenants = browser.send(HttpRequest.newBuilder(URI.create(login))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> again = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(login))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());

      assertThat(tenants.statusCode()).isEqualTo(200);
      assertThat(tenants.body()).contains("Signed in as <strong>ops-console</strong> (operator)", ">acme<",
          "100.0%");
      assertThat(again.statusCode()).as("the token is spent").isEqualTo(401);

      URI base = URI.create(login.substring(0, login.indexOf("/login?")));
      HttpResponse<String> reset = browser.send(HttpRequest.newBuilder(URI.create(base + "/api/tenants/acme/reset-usage"))
          .header("Content-Type", "application/json").header("Origin", "http://" + base.getRawAuthority())
          .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"console IT\"}"))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(reset.statusCode()).as(reset.body()).isEqualTo(200);
      assertThat(db.service().guard().canProceed(dev.quota.TenantId.of("acme"))).isTrue();
      assertThat(db.service().admin().audit(dev.quota.TenantId.of("acme"), dev.quota.admin.PageRequest.first(5))
          .items().get(0).actor().id()).isEqualTo("ops-console");
    } finally {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
