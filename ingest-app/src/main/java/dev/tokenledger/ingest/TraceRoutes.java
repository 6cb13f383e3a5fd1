package dev.tokenledger.ingest;

import dev.tokenledger.ingest.IngestMetrics.Outcome;
import dev.tokenledger.ingest.IngestMetrics.SpanOutcome;
import dev.tokenledger.runtime.ApiKeys;
import dev.tokenledger.runtime.HttpServer;
import dev.tokenledger.runtime.Problem.FieldError;
import dev.tokenledger.runtime.ProblemException;
import dev.tokenledger.runtime.Role;
import dev.tokenledger.schemas.avro.TokensConsumed;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The OTLP/HTTP trace receiver, {@code POST /v1/traces}: each span with GenAI usage becomes an event
 * judged by {@link EventParser} like a posted one; the answer is OTLP's — 200 with the refused spans
 * in {@code partialSuccess}, 400 for an unreadable body, 503 (which exporters retry) when Kafka
 * does not acknowledge.
 */
final class TraceRoutes {

  /** How many refused spans {@code partialSuccess.errorMessage} explains; it counts them all. */
  static final int MAX_REASONS = 3;

  private final SpanEvents spans;
  private final EventParser parser;
  private final EventPublisher publisher;
  private final IngestMetrics metrics;

  TraceRoutes(SpanEvents spans, EventParser parser, EventPublisher publisher, IngestMetrics metrics) {
    this.spans = spans;
    this.parser = parser;
    this.publisher = publisher;
    this.metrics = metrics;
  }

  void register(Javalin app) {
    app.post("/v1/traces", this::postTraces, Role.PUBLISH);
  }

  private void postTraces(Context ctx) throws IOException {
    try {
      OtlpCodec.Encoding encoding = OtlpCodec.Encoding.of(ctx.contentType());
      ExportTraceServiceRequest request = OtlpCodec.decode(OtlpCodec.readBody(
          ctx.bodyInputStream(), ctx.req().getContentLengthLong(), ctx.header("Content-Encoding")), encoding);
      Optional<String> keyOwner = HttpServer.principal(ctx).map(ApiKeys.Principal::name);

      SpanEvents.Spans found = spans.of(request, keyOwner.isPresent());
      metrics.spans(SpanOutcome.SKIPPED, found.skipped());
      List<TokensConsumed> events = new ArrayList<>();
      List<String> reasons = new ArrayList<>();
      // Spans, not events: a span's usage may also bill sub-inferences of other models.
      int accepted = 0;
      for (SpanEvents.Item item : found.items()) {
        List<FieldError> errors = item.errors();
        if (item.event().isPresent()) {
          EventParser.Result result = parser.parse(item.event().get(), keyOwner);
          events.addAll(result.events());
          accepted += result.event().isPresent() ? 1 : 0;
          errors = result.errors();
        }
        if (!errors.isEmpty()) {
          metrics.rejected(errors);
          reasons.add("span " + item.spanId() + " of trace " + item.traceId() + ": "
              + errors.stream().map(spans::describe).collect(Collectors.joining(", ")));
        }
      }
      metrics.spans(SpanOutcome.REJECTED, reasons.size());
      if (!events.isEmpty()) {
        try {
          publisher.publish(events);
        } catch (ProblemException e) {
          metrics.unavailable(accepted);
          metrics.spans(SpanOutcome.UNAVAILABLE, accepted);
          throw e;
        }
      }
      metrics.accepted(accepted);
      metrics.spans(SpanOutcome.ACCEPTED, accepted);

      ctx.status(200).contentType(encoding.contentType).result(OtlpCodec.encode(response(reasons), encoding));
      metrics.export(reasons.isEmpty() ? Outcome.ACCEPTED : accepted == 0 ? Outcome.REJECTED : Outcome.PARTIAL);
    } catch (ProblemException e) {
      metrics.export(Outcome.ofError(e.problem().status()));
      throw e;
    }
  }

  /** OTLP: a fully accepted export leaves {@code partialSuccess} unset. */
  private static ExportTraceServiceResponse response(List<String> reasons) {
    if (reasons.isEmpty()) {
      return ExportTraceServiceResponse.getDefaultInstance();
    }
    String message = String.join("; ", reasons.subList(0, Math.min(MAX_REASONS, reasons.size())))
        + (reasons.size() > MAX_REASONS ? "; and " + (reasons.size() - MAX_REASONS) + " more" : "");
    return ExportTraceServiceResponse.newBuilder()
        .setPartialSuccess(ExportTracePartialSuccess.newBuilder()
            .setRejectedSpans(reasons.size())
            .setErrorMessage(message))
        .build();
  }
}
