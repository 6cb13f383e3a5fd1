package dev.tokenledger.aggregator;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenledger.runtime.InstanceRouter;
import dev.tokenledger.runtime.Json;
import dev.tokenledger.runtime.ProblemException;
import dev.tokenledger.schemas.Usd;
import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.Period;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntSupplier;
import java.util.stream.IntStream;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Queries across keys (top-N, stats), scattered to every instance and merged. Each instance
 * answers for its active partitions; the merge checks that every partition was answered, so a
 * result missing a partition (one that is moving between instances) is a 503, never presented as
 * whole. Keys never span instances, so each instance's top N holds the global top N's members.
 */
final class CrossKeyQueries {

  /**
   * What to gather: per dimension, the top {@code limit} keys in {@code order} over {@code [from,
   * to)}, only keys starting with {@code keyPrefix} (empty: all), e.g. {@code alice/} for one
   * user's models.
   */
  record Request(List<Dimension> dimensions, Period period, Instant from, Instant to, int limit,
      Comparator<KeyTotals> order, String keyPrefix) {}

  /** One instance's answer to a forwarded request. */
  record Partial(Set<Integer> partitions, Map<Dimension, List<KeyTotals>> totals) {}

  private static final ObjectMapper JSON = Json.newMapper();

  private final UsageQueries local;
  private final InstanceRouter router;
  private final IntSupplier partitionCount;

  CrossKeyQueries(UsageQueries local, InstanceRouter router, IntSupplier partitionCount) {
    this.local = local;
    this.router = router;
    this.partitionCount = partitionCount;
  }

  /**
   * The merged result, or empty when this request was forwarded by another instance: then this
   * instance's partial answer has been written to {@code ctx} and the caller writes nothing.
   */
  Optional<Map<Dimension, List<KeyTotals>>> gather(Context ctx, Request request) {
    Partial mine = localPartial(request);
    if (ctx.header(InstanceRouter.FORWARDED_HEADER) != null) {
      ctx.json(mine);
      return Optional.empty();
    }
    Set<Integer> answered = new TreeSet<>(mine.partitions());
    Map<Dimension, List<KeyTotals>> merged = new EnumMap<>(Dimension.class);
    mine.totals().forEach((dimension, totals) -> merged.computeIfAbsent(dimension, d -> new ArrayList<>()).addAll(totals));
    Set<HostInfo> others = new LinkedHashSet<>(router.otherInstances(UserSubjectsProcessor.BUCKETS, ctx));
    others.addAll(router.otherInstances(SharedSubjectsProcessor.BUCKETS, ctx));
    for (HostInfo other : others) {
      Partial theirs = JSON.convertValue(router.fetch(other, ctx), new TypeReference<Partial>() {});
      answered.addAll(theirs.partitions());
      theirs.totals().forEach((dimension, totals) -> merged.computeIfAbsent(dimension, d -> new ArrayList<>()).addAll(totals));
    }
    Set<Integer> missing = new TreeSet<>();
    IntStream.range(0, partitionCount.getAsInt()).filter(p -> !answered.contains(p)).forEach(missing::add);
    if (!missing.isEmpty()) {
      throw ProblemException.unavailable("partitions " + missing + " are moving between instances; "
          + "an answer now would leave their keys out", 2);
    }
    Map<Dimension, List<KeyTotals>> result = new EnumMap<>(Dimension.class);
    for (Dimension dimension : request.dimensions()) {
      // A key is in one partition, but a user × model key of a userId holding '/' may be in two.
      Map<String, KeyTotals> byKey = new LinkedHashMap<>();
      merged.getOrDefault(dimension, List.of()).forEach(t -> byKey.merge(t.key(), t, KeyTotals::plus));
      result.put(dimension, byKey.values().stream().sorted(request.order()).limit(request.limit()).toList());
    }
    return Optional.of(result);
  }

  private Partial localPartial(Request request) {
    Set<Integer> partitions = null;
    Map<Dimension, List<KeyTotals>> totals = new EnumMap<>(Dimension.class);
    for (Dimension dimension : request.dimensions()) {
      UsageQueries.Partial partial = local.totalsByKey(dimension, request.period(), request.from(), request.to());
      // A partition counts as answered only if every dimension's query answered it.
      if (partitions == null) {
        partitions = new HashSet<>(partial.partitions());
      } else {
        partitions.retainAll(partial.partitions());
      }
      totals.put(dimension, partial.totals().stream().filter(t -> t.key().startsWith(request.keyPrefix()))
          .sorted(request.order()).limit(request.limit()).toList());
    }
    return new Partial(partitions == null ? Set.of() : partitions, totals);
  }

  /** An entry of {@code /v1/top} and the lists of {@code /v1/stats}. */
  static Map<String, Object> render(KeyTotals totals) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("key", totals.key());
    json.put("costUsd", Usd.format(totals.costNanos()));
    json.put("totalTokens", totals.totalTokens());
    json.put("inputTokens", totals.inputTokens());
    json.put("outputTokens", totals.outputTokens());
    json.put("requests", totals.requests());
    json.put("failedRequests", totals.failedRequests());
    json.put("unpricedRequests", totals.unpricedRequests());
    return json;
  }
}
