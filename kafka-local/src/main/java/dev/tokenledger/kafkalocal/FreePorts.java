package dev.tokenledger.kafkalocal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Consecutive loopback ports that are free now, for clusters and apps started side by side. */
public final class FreePorts {

  private FreePorts() {}

  /** The first of {@code count} consecutive ports that are free now. */
  public static int run(int count) {
    for (int attempt = 0; attempt < 50; attempt++) {
      int base;
      try (ServerSocket probe = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
        base = probe.getLocalPort();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (base + count <= 65536 && allFree(base + 1, base + count)) {
        return base;
      }
    }
    throw new IllegalStateException("no run of " + count + " free ports found");
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
