package dev.tokenledger.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {

  @TempDir Path dir;

  @Test
  void shouldTakeDefaultsThenTheFileThenTheEnvironment() throws Exception {
    Path file = dir.resolve("app.properties");
    Files.writeString(file, "tokenledger.http.port=7000\ntokenledger.zone=Europe/Berlin\nkafka.security.protocol=SSL\n");

    Settings settings = Settings.load("/test-app.properties", new String[] {"--config", file.toString()},
        Map.of("TOKENLEDGER_ZONE", "Asia/Kolkata", "TOKENLEDGER_KAFKA_BOOTSTRAP_SERVERS", "broker-1:9092"));

    assertThat(settings.port("tokenledger.http.port")).isEqualTo(7000);
    assertThat(settings.zone("tokenledger.zone")).isEqualTo(ZoneId.of("Asia/Kolkata"));
    assertThat(settings.duration("tokenledger.test.window")).isEqualTo(Duration.ofMinutes(5));
    assertThat(settings.kafka()).containsEntry("bootstrap.servers", "broker-1:9092")
        .containsEntry("security.protocol", "SSL");
  }

  @Test
  void shouldPassUnknownKafkaKeysFromTheEnvironmentToTheClients() {
    Settings settings = Settings.load("/test-app.properties", new String[0],
        Map.of("TOKENLEDGER_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512", "UNRELATED", "x"));

    assertThat(settings.kafka()).containsEntry("sasl.mechanism", "SCRAM-SHA-512");
  }

  @Test
  void shouldNameTheEnvironmentVariableOfAKey() {
    assertThat(Settings.environmentName("tokenledger.zone")).isEqualTo("TOKENLEDGER_ZONE");
    assertThat(Settings.environmentName("kafka.bootstrap.servers")).isEqualTo("TOKENLEDGER_KAFKA_BOOTSTRAP_SERVERS");
    assertThat(Settings.environmentName("tokenledger.auth.keys-file")).isEqualTo("TOKENLEDGER_AUTH_KEYS_FILE");
  }

  @Test
  void shouldNameTheKeyOfAWrongValue() {
    Settings settings = Settings.of("/test-app.properties", Map.of(
        "tokenledger.http.port", "eighty", "tokenledger.zone", "Mars/Olympus", "tokenledger.test.window", "soon"));

    assertThatThrownBy(() -> settings.port("tokenledger.http.port"))
        .hasMessage("tokenledger.http.port must be a whole number (got eighty)");
    assertThatThrownBy(() -> settings.zone("tokenledger.zone"))
        .hasMessageStartingWith("tokenledger.zone must be a time zone");
    assertThatThrownBy(() -> settings.duration("tokenledger.test.window"))
        .hasMessageStartingWith("tokenledger.test.window must be a duration");
  }

  @Test
  void shouldRefuseAnUnknownTokenLedgerKeyInTheFile() throws Exception {
    Path file = dir.resolve("typo.properties");
    Files.writeString(file, "tokenledger.htp.port=7000\n");

    assertThatThrownBy(() -> Settings.load("/test-app.properties", new String[] {"--config", file.toString()}, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("tokenledger.htp.port is not a TokenLedger setting");
  }

  @Test
  void shouldSayWhenTheConfigFileIsMissing() {
    assertThatThrownBy(() -> Settings.load("/test-app.properties", new String[] {"--config", "/nope.properties"}, Map.of()))
        .hasMessage("--config cannot read /nope.properties");
  }
}
