package dev.tokenledger.ingest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenledger.ingest.BatchResponse.ItemResult;
import dev.tokenledger.ingest.IngestMetrics.Outcome;
import dev.tokenledger.runtime.ApiKeys;
import dev.tokenledger.runtime.HttpServer;
import dev.tokenledger.runtime.Problem;
import dev.tokenledger.runtime.ProblemException;
import dev.tokenledger.runtime.Role;
import dev.tokenledger.schemas.avro.TokensConsumed;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/** The ingest endpoint, {@code POST /v1/events}: read the batch, judge each item, publish, answer. */
final class IngestRoutes {

  private final EventParser parser;
  private final TokenCounter counter;
  private final EventPublisher publisher;
  private final IngestMetrics metrics;

  IngestRoutes(EventParser parser, TokenCounter counter, EventPublisher publisher, IngestMetrics metrics) {
    this.parser = parser;
    this.counter = counter;
    this.publisher = publisher;
    this.metrics = metrics;
  }

  void register(Javalin app) {
    app.post("/v1/events", this::postEvents, Role.PUBLISH);
    app.post("/v1/tokenize", this::tokenize, Role.PUBLISH, Role.READ);
  }

  /** The answer to {@code POST /v1/tokenize}; the context window only when the built-in table knows the model. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record TokenizeResponse(String model, String tokenizer, long tokens, boolean estimated, Long contextWindow,
      Boolean fitsContext) {}

  private void tokenize(Context ctx) throws IOException {
    JsonNode body = EventBatch.parse(EventBatch.readBody(ctx.bodyInputStream(), ctx.req().getContentLengthLong()));
    if (body == null || !body.isObject()) {
      throw ProblemException.badRequest("body", "must be an object like {\"model\":\"gpt-4o\",\"text\":\"Hello\"}");
    }
    FieldReader fields = new FieldReader(body);
    body.fieldNames().forEachRemaining(name -> {
      if (!name.equals("model") && !name.equals("text")) {
        fields.reject(FieldReader.shorten(name), "is not a tokenize field; send only model and text");
      }
    });
    Optional<String> model = fields.requiredText("model");
    if (!fields.has("text")) {
      fields.reject("text", "is required (the text to count)");
    }
    Optional<String> text = fields.longText("text");
    if (!fields.errors().isEmpty()) {
      throw new ProblemException(Problem.invalid("the tokenize request has errors; see errors", fields.errors()));
    }
    TokenCounter.Count count = counter.count(model.orElseThrow(), text.orElseThrow());
    OptionalLong window = TokenCounter.contextWindow(model.get());
    ctx.json(new TokenizeResponse(model.get(), count.tokenizer(), count.tokens(), count.estimated(),
        window.isPresent() ? window.getAsLong() : null,
        window.isPresent() ? count.tokens() <= window.getAsLong() : null));
  }

  private void postEvents(Context ctx) throws IOException {
    try {
      List<JsonNode> items = EventBatch.items(
          EventBatch.readBody(ctx.bodyInputStream(), ctx.req().getContentLengthLong()));
      Optional<String> keyOwner = HttpServer.principal(ctx).map(ApiKeys.Principal::name);

      List<ItemResult> results = new ArrayList<>(items.size());
      List<TokensConsumed> events = new ArrayList<>(items.size());
      for (int index = 0; index < items.size(); index++) {
        EventParser.Result result = parser.parse(items.get(index), keyOwner);
        if (result.event().isPresent()) {
          events.addAll(result.events());
          results.add(ItemResult.accepted(index, result.event().get().getEventId()));
        } else {
          results.add(ItemResult.rejected(index, result.errors()));
        }
      }
      if (!events.isEmpty()) {
        try {
          publisher.publish(events);
        } catch (ProblemException e) {
          // Only the sent items failed for Kafka; the invalid ones count as invalid, as in any answer.
          metrics.unavailable((int) results.stream().filter(r -> r.errors().isEmpty()).count());
          countInvalid(results);
          throw e;
        }
      }

      BatchResponse response = BatchResponse.of(results);
      ctx.status(response.accepted() > 0 ? 202 : 400).json(response);
      count(response, results);
    } catch (ProblemException e) {
      metrics.batch(Outcome.ofError(e.problem().status()));
      throw e;
    }
  }

  private void count(BatchResponse response, List<ItemResult> results) {
    metrics.accepted(response.accepted());
    countInvalid(results);
    metrics.batch(response.rejected() == 0 ? Outcome.ACCEPTED
        : response.accepted() == 0 ? Outcome.REJECTED : Outcome.PARTIAL);
  }

  private void countInvalid(List<ItemResult> results) {
    results.stream().filter(r -> !r.errors().isEmpty()).forEach(r -> metrics.rejected(r.errors()));
  }
}
