package dev.tokenledger.ingest;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.tokenledger.runtime.Problem.FieldError;
import java.util.List;

/** The answer to {@code POST /v1/events}: counts and one result per item, in request order. */
record BatchResponse(int accepted, int rejected, List<ItemResult> results) {

  static final String ACCEPTED = "accepted";
  static final String REJECTED = "rejected";

  /** One item: accepted with its eventId, or rejected with its errors. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  record ItemResult(int index, String eventId, String status, List<FieldError> errors) {

    static ItemResult accepted(int index, String eventId) {
      return new ItemResult(index, eventId, ACCEPTED, List.of());
    }

    static ItemResult rejected(int index, List<FieldError> errors) {
      return new ItemResult(index, null, REJECTED, errors);
    }
  }

  static BatchResponse of(List<ItemResult> results) {
    int accepted = (int) results.stream().filter(r -> r.status().equals(ACCEPTED)).count();
    return new BatchResponse(accepted, results.size() - accepted, List.copyOf(results));
  }
}
