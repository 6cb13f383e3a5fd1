package dev.tokenledger.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Decides where a query for one subject is answered: from this instance's store (the active
 * task, or a standby while the active is moving) or by the instance that owns the subject, to
 * which the request is forwarded once. A forwarded request is never forwarded again, so two
 * instances with different views of the assignment cannot bounce a request between them.
 */
public final class InstanceRouter {

  public static final String FORWARDED_HEADER = "X-TokenLedger-Forwarded-By";
  /** Set on a request this instance forwarded to the owner (the request timer's forwarded=out). */
  static final String FORWARDED_OUT = "tokenledger.forwarded-out";

  /** Where to answer: {@code partition} of the local store, or the {@code owner} instance. */
  public record Route(Optional<Integer> localPartition, Optional<HostInfo> owner) {}

  private static final ObjectMapper JSON = Json.newMapper();

  private final Supplier<KafkaStreams> streams;
  private final Supplier<HostInfo> selfSupplier;
  // HTTP/1.1 with kept-alive connections: the default HTTP/2 preference sends an h2c upgrade on every request.
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  /** {@code self} is this instance's advertised address, known once the HTTP server is bound. */
  public InstanceRouter(Supplier<KafkaStreams> streams, Supplier<HostInfo> self) {
    this.streams = streams;
    this.selfSupplier = self;
  }

  public Route route(String store, String subject, Context ctx) {
    HostInfo self = selfSupplier.get();
    // In-memory routing metadata, read on the request's own thread: no thread hop, no deadline needed.
    KeyQueryMetadata metadata = PartitionStores.whileRunning(streams.get(),
        running -> running.queryMetadataForKey(store, subject, Serdes.String().serializer()));
    if (metadata == null || metadata.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
      throw ProblemException.unavailable("the owner of " + subject + " is not known yet (rebalancing)", 2);
    }
    HostInfo active = metadata.activeHost();
    boolean standbyHere = metadata.standbyHosts().contains(self);
    boolean forwarded = ctx.header(FORWARDED_HEADER) != null;
    boolean activeKnown = active != null && !active.equals(HostInfo.unavailable());
    if (self.equals(active) || (standbyHere && (forwarded || !activeKnown))) {
      // A standby answers only while the active is unknown or cannot be asked again.
      return new Route(Optional.of(metadata.partition()), Optional.empty());
    }
    if (forwarded || !activeKnown) {
      throw ProblemException.unavailable(subject + " is moving between instances", 1);
    }
    return new Route(Optional.empty(), Optional.of(active));
  }

  /**
   * The other instances that hold part of {@code store}, for queries that must ask every one of
   * them; empty when the request was itself forwarded (the forwarder asks everyone).
   */
  public List<HostInfo> otherInstances(String store, Context ctx) {
    if (ctx.header(FORWARDED_HEADER) != null) {
      return List.of();
    }
    HostInfo self = selfSupplier.get();
    return PartitionStores.whileRunning(streams.get(), running -> running.streamsMetadataForStore(store)).stream()
        .map(StreamsMetadata::hostInfo)
        .filter(host -> !host.equals(self)).distinct().toList();
  }

  /** This request's answer from another instance, as JSON; a 503 if it cannot give one. */
  public JsonNode fetch(HostInfo host, Context ctx) {
    String query = ctx.queryString() == null ? "" : "?" + ctx.queryString();
    return fetch(host, ctx, ctx.path() + query);
  }

  /** Another instance's answer to {@code GET pathAndQuery}, with this request's key, as JSON. */
  public JsonNode fetch(HostInfo host, Context ctx, String pathAndQuery) {
    HttpResponse<byte[]> response = send(host, ctx, pathAndQuery);
    if (response.statusCode() != 200) {
      throw ProblemException.unavailable("instance " + host + " answered " + response.statusCode()
          + "; the result would be incomplete", 2);
    }
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw ProblemException.unavailable("instance " + host + " sent unreadable JSON", 2);
    }
  }

  /** Another instance's answer to {@code GET pathAndQuery} as JSON, empty on a 404; a 503 on other failures. */
  public Optional<JsonNode> fetchIfFound(HostInfo host, Context ctx, String pathAndQuery) {
    HttpResponse<byte[]> response = send(host, ctx, pathAndQuery);
    if (response.statusCode() == 404) {
      return Optional.empty();
    }
    if (response.statusCode() != 200) {
      throw ProblemException.unavailable("instance " + host + " answered " + response.statusCode(), 2);
    }
    try {
      return Optional.of(JSON.readTree(response.body()));
    } catch (IOException e) {
      throw ProblemException.unavailable("instance " + host + " sent unreadable JSON", 2);
    }
  }

  /** Asks another instance to do the same ({@code POST pathAndQuery}, no body); a 503 if it does not. */
  public void post(HostInfo host, Context ctx, String pathAndQuery) {
    HttpResponse<byte[]> response = send(host, ctx, pathAndQuery, HttpRequest.BodyPublishers.noBody());
    if (response.statusCode() / 100 != 2) {
      throw ProblemException.unavailable("instance " + host + " answered " + response.statusCode(), 2);
    }
  }

  /** Sends the same request to the owner and relays its answer. */
  public void forward(HostInfo owner, Context ctx) {
    ctx.attribute(FORWARDED_OUT, true);
    String query = ctx.queryString() == null ? "" : "?" + ctx.queryString();
    HttpResponse<byte[]> response = send(owner, ctx, ctx.path() + query);
    ctx.status(response.statusCode());
    response.headers().firstValue("Content-Type").ifPresent(ctx::contentType);
    response.headers().firstValue("Retry-After").ifPresent(value -> ctx.header("Retry-After", value));
    ctx.header("X-TokenLedger-Served-By", owner.host() + ":" + owner.port());
    ctx.result(response.body());
  }

  /**
   * The owner's URI for the request's raw path and query. Jetty takes characters a URI may not
   * hold raw ({@code |}, {@code ^}, {@code "}, non-ASCII, …); {@code URI.create} refuses them, so
   * they are percent-encoded here, and escapes already there are kept as they are.
   */
  static URI uri(HostInfo owner, String pathAndQuery) {
    StringBuilder target = new StringBuilder("http://").append(owner.host()).append(':').append(owner.port());
    for (byte b : pathAndQuery.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if (c < 0x80 && (Character.isLetterOrDigit(c) || "-._~:/?@!$&'()*+,;=%".indexOf(c) >= 0)) {
        target.append(c);
      } else {
        target.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xff));
      }
    }
    try {
      return URI.create(target.toString());
    } catch (IllegalArgumentException e) {
      throw ProblemException.badRequest("query", "cannot be passed on to the instance that holds the key: " + e.getMessage());
    }
  }

  private HttpResponse<byte[]> send(HostInfo owner, Context ctx, String pathAndQuery) {
    return send(owner, ctx, pathAndQuery, null);
  }

  /** A GET, or a POST of {@code body}. */
  private HttpResponse<byte[]> send(HostInfo owner, Context ctx, String pathAndQuery, HttpRequest.BodyPublisher body) {
    HostInfo self = selfSupplier.get();
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(owner, pathAndQuery))
        .timeout(Duration.ofSeconds(10))
        .header(FORWARDED_HEADER, self.host() + ":" + self.port());
    if (body == null) {
      request.GET();
    } else {
      request.POST(body);
    }
    String authorization = ctx.header("Authorization");
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw ProblemException.unavailable("the instance owning this key (" + owner + ") did not answer: " + e.getMessage(), 2);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ProblemException.unavailable("interrupted while asking " + owner, 1);
    }
  }
}
