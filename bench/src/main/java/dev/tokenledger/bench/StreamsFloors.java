package dev.tokenledger.bench;

import dev.tokenledger.aggregator.EventIds;
import dev.tokenledger.schemas.AvroSerde;
import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The floors under the aggregator: what one stream thread does at the least per event, measured
 * on the same events in the same run. {@code decode} only consumes and decodes each event;
 * {@code dedupe} also looks its id up and remembers it exactly as the aggregator does ({@link
 * EventIds}: a window-store range and a put with its changelog record). Exactly-once v2, as the
 * aggregator. Run as its own JVM: {@code StreamsFloors decode|dedupe BOOTSTRAP TOPIC APP_ID STATE_DIR
 * THREADS}; runs until SIGTERM.
 */
public final class StreamsFloors {

  /** The aggregator's default: the floor's store keeps as many ids. */
  private static final Duration DEDUPE_RETENTION = Duration.ofDays(7);

  private StreamsFloors() {}

  static Topology topology(String mode, String topic) {
    StreamsBuilder builder = new StreamsBuilder();
    boolean dedupe = mode.equals("dedupe");
    if (dedupe) {
      builder.addStateStore(EventIds.storeBuilder(DEDUPE_RETENTION));
    }
    var events = builder.stream(topic, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()));
    if (dedupe) {
      events.process(() -> new Floor(true), EventIds.STORE);
    } else {
      events.process(() -> new Floor(false));
    }
    return builder.build();
  }

  /** Decodes each event and, for the dedupe floor, dedupes it; forwards nothing. */
  private static final class Floor implements Processor<byte[], byte[], Void, Void> {
    private final AvroSerde<TokensConsumed> serde = AvroSerdes.tokensConsumed();
    private final boolean dedupe;
    private ProcessorContext<Void, Void> context;
    private EventIds eventIds;

    Floor(boolean dedupe) {
      this.dedupe = dedupe;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      this.context = context;
      this.eventIds = dedupe ? new EventIds(context.getStateStore(EventIds.STORE), DEDUPE_RETENTION) : null;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
      TokensConsumed event = serde.decode(record.value());
      if (dedupe) {
        long now = context.currentSystemTimeMs();
        if (!eventIds.seen(event.getEventId(), now)) {
          // Written at once, a put per event as the floor was measured (the aggregator writes at the commit).
          eventIds.remember(event.getEventId(), now);
          eventIds.write();
        }
      }
    }
  }

  public static void main(String[] args) throws InterruptedException {
    Properties props = new Properties();
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[1]);
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, args[3]);
    props.put(StreamsConfig.STATE_DIR_CONFIG, args[4]);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.parseInt(args[5]));
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    KafkaStreams streams = new KafkaStreams(topology(args[0], args[2]), props);
    CountDownLatch closed = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close(Duration.ofSeconds(30));
      closed.countDown();
    }, "floor-shutdown"));
    streams.start();
    closed.await();
  }
}
