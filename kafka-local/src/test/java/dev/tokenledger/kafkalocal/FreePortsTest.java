package dev.tokenledger.kafkalocal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class FreePortsTest {

  @Test
  void shouldGiveBindablePortsOutsideTheRangeOutboundConnectionsTakeFrom() throws Exception {
    int base = FreePorts.run(6);

    assertThat(base + 6).isLessThanOrEqualTo(FreePorts.ephemeralLow());
    for (int port = base; port < base + 6; port++) {
      try (ServerSocket socket = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
        assertThat(socket.getLocalPort()).isEqualTo(port);
      }
    }
  }
}
