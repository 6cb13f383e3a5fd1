package dev.tokenledger.runtime;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A record as it goes to {@code tokens.rejected}: its key and value as they came, its headers,
 * and why, in {@code tl.error.*} headers. Its record time is the routing time, so Kafka keeps it
 * for the topic's retention from then on; the record's own time is the {@value #ORIGINAL_TIMESTAMP}
 * header.
 *
 * <p>A rejected copy is never larger than Kafka accepts: a key, value or set of headers larger
 * than any event could have is cut (the whole record stays in its source topic, at the offset the
 * headers name). Under exactly-once an output record that is too large aborts the transaction,
 * and the same input would fail the same way after every restart.
 */
public record RejectedRecord(byte[] key, byte[] value, Headers headers) {

  /** Why, in one word: {@code undecodable}, {@code invalid}, {@code future}, {@code overflow}, {@code processing-error}. */
  public static final String CATEGORY = "tl.error.category";
  /** Why, in a sentence that names the field and the value. */
  public static final String REASON = "tl.error.reason";
  /** The exception's class, for records routed by an exception handler. */
  public static final String EXCEPTION = "tl.error.exception";
  /** The application id of the app that routed it (the aggregator and alerting both read tokens.consumed). */
  public static final String APPLICATION = "tl.error.application";
  /** The processor it failed in, for records routed by an exception handler. */
  public static final String PROCESSOR = "tl.error.processor";
  public static final String TOPIC = "tl.error.topic";
  public static final String PARTITION = "tl.error.partition";
  public static final String OFFSET = "tl.error.offset";
  /** The record's own time (epoch milliseconds), before routing gave it a new one. */
  public static final String ORIGINAL_TIMESTAMP = "tl.original.timestamp";
  /** Present when the value was cut: its size as it came, in bytes. */
  public static final String VALUE_SIZE = "tl.error.value.size";
  /** Present when the key was cut: its size as it came, in bytes. */
  public static final String KEY_SIZE = "tl.error.key.size";
  /** Present when the record's own headers were left out: how many there were. */
  public static final String HEADERS_DROPPED = "tl.error.headers.dropped";

  /** Far above any valid event (its text fields are bounded), far below Kafka's 1 MB record limit. */
  static final int MAX_VALUE_BYTES = 128 * 1024;
  static final int MAX_KEY_BYTES = 4 * 1024;
  static final int MAX_HEADER_BYTES = 16 * 1024;
  static final int MAX_REASON_CHARS = 2000;

  /** Where the record was read. */
  public record Source(String topic, int partition, long offset, long timestamp) {}

  /**
   * The rejected copy of a record read at {@code source}.
   *
   * @param category one of the {@link #CATEGORY} words
   * @param reason what is wrong, for a person; cut at {@value #MAX_REASON_CHARS} characters
   */
  public static RejectedRecord of(byte[] key, byte[] value, Headers original, Source source, String application,
      String category, String reason) {
    Headers headers = boundedCopy(original);
    add(headers, CATEGORY, category);
    add(headers, REASON, reason.length() <= MAX_REASON_CHARS ? reason : reason.substring(0, MAX_REASON_CHARS) + "…");
    add(headers, APPLICATION, application);
    if (source.topic() != null) {
      add(headers, TOPIC, source.topic());
      add(headers, PARTITION, Integer.toString(source.partition()));
      add(headers, OFFSET, Long.toString(source.offset()));
    }
    add(headers, ORIGINAL_TIMESTAMP, Long.toString(source.timestamp()));
    if (key != null && key.length > MAX_KEY_BYTES) {
      add(headers, KEY_SIZE, Integer.toString(key.length));
      key = Arrays.copyOf(key, MAX_KEY_BYTES);
    }
    if (value != null && value.length > MAX_VALUE_BYTES) {
      add(headers, VALUE_SIZE, Integer.toString(value.length));
      value = Arrays.copyOf(value, MAX_VALUE_BYTES);
    }
    return new RejectedRecord(key, value, headers);
  }

  /**
   * A copy of a record's headers to carry to an output topic: all of them up to {@value
   * #MAX_HEADER_BYTES} bytes, else none but {@value #HEADERS_DROPPED} (a record whose headers fill
   * its megabyte must not make every copy of it too large for Kafka).
   */
  public static Headers boundedCopy(Headers original) {
    Headers copy = new RecordHeaders();
    int size = 0;
    int count = 0;
    for (Header header : original) {
      size += header.key().length() + (header.value() == null ? 0 : header.value().length);
      count++;
    }
    if (size <= MAX_HEADER_BYTES) {
      original.forEach(copy::add);
    } else {
      add(copy, HEADERS_DROPPED, Integer.toString(count));
    }
    return copy;
  }

  /** Adds one more header (the exception, the processor), returning this record. */
  public RejectedRecord with(String header, String value) {
    add(headers, header, value);
    return this;
  }

  /** As a record for {@code topic}, stamped {@code routedAt}. */
  public ProducerRecord<byte[], byte[]> toProducerRecord(String topic, long routedAt) {
    return new ProducerRecord<>(topic, null, routedAt, key, value, headers);
  }

  /** A header's text, or null when the record has none of that name. */
  public static String header(Headers headers, String name) {
    Header header = headers.lastHeader(name);
    return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static void add(Headers headers, String name, String value) {
    headers.add(name, value.getBytes(StandardCharsets.UTF_8));
  }
}
