package dev.tokenledger.kafkalocal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Consecutive loopback ports that are free now, for clusters and apps started side by side.
 *
 * <p>They are taken below the kernel's ephemeral range: a port from that range can be handed to
 * an outbound connection before its server binds it, and a node connecting to a peer's port that
 * is not listening yet can even connect to itself (TCP simultaneous open) — seen as a broker
 * failing to bind its controller port while another read its own request back as the answer.
 */
public final class FreePorts {

  private static final int LOWEST = 10_000;
  private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

  private FreePorts() {}

  /** The first of {@code count} consecutive ports that are free now. */
  public static int run(int count) {
    int below = ephemeralLow();
    for (int attempt = 0; attempt < 200; attempt++) {
      int base = ThreadLocalRandom.current().nextInt(LOWEST, below - count);
      if (allFree(base, base + count)) {
        return base;
      }
    }
    throw new IllegalStateException("no run of " + count + " free ports found between " + LOWEST + " and " + below);
  }

  /** The start of the kernel's ephemeral port range: Linux's setting, else the IANA range's (49152). */
  static int ephemeralLow() {
    try {
      // Read by lines: /proc files report no size, and a size-based read gets a fragment.
      return Integer.parseInt(Files.readAllLines(EPHEMERAL_RANGE).get(0).trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 49_152;
    }
  }

  private static boolean allFree(int from, int toExclusive) {
    for (int port = from; port < toExclusive; port++) {
      try (ServerSocket socket = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
        socket.setReuseAddress(true);
      } catch (IOException e) {
        return false;
      }
    }
    return true;
  }
}
