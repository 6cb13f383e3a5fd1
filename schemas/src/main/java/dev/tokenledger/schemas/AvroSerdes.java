package dev.tokenledger.schemas;

import dev.tokenledger.schemas.avro.AlertAction;
import dev.tokenledger.schemas.avro.ModelPrice;
import dev.tokenledger.schemas.avro.QuotaDefinition;
import dev.tokenledger.schemas.avro.QuotaExceeded;
import dev.tokenledger.schemas.avro.TokensConsumed;
import dev.tokenledger.schemas.avro.UsageAggregate;
import dev.tokenledger.schemas.avro.UsageAlert;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/** The factory of every event serde: one place to swap the wire format. */
public final class AvroSerdes {

  private static final AvroSerde<TokensConsumed> TOKENS_CONSUMED = of(TokensConsumed.class, TokensConsumed.getClassSchema());
  private static final AvroSerde<UsageAggregate> USAGE_AGGREGATE = of(UsageAggregate.class, UsageAggregate.getClassSchema());
  private static final AvroSerde<ModelPrice> MODEL_PRICE = of(ModelPrice.class, ModelPrice.getClassSchema());
  private static final AvroSerde<QuotaDefinition> QUOTA_DEFINITION = of(QuotaDefinition.class, QuotaDefinition.getClassSchema());
  private static final AvroSerde<UsageAlert> USAGE_ALERT = of(UsageAlert.class, UsageAlert.getClassSchema());
  private static final AvroSerde<QuotaExceeded> QUOTA_EXCEEDED = of(QuotaExceeded.class, QuotaExceeded.getClassSchema());
  private static final AvroSerde<AlertAction> ALERT_ACTION = of(AlertAction.class, AlertAction.getClassSchema());

  private AvroSerdes() {}

  public static AvroSerde<TokensConsumed> tokensConsumed() {
    return TOKENS_CONSUMED;
  }

  public static AvroSerde<UsageAggregate> usageAggregate() {
    return USAGE_AGGREGATE;
  }

  public static AvroSerde<ModelPrice> modelPrice() {
    return MODEL_PRICE;
  }

  public static AvroSerde<QuotaDefinition> quotaDefinition() {
    return QUOTA_DEFINITION;
  }

  public static AvroSerde<UsageAlert> usageAlert() {
    return USAGE_ALERT;
  }

  public static AvroSerde<QuotaExceeded> quotaExceeded() {
    return QUOTA_EXCEEDED;
  }

  public static AvroSerde<AlertAction> alertAction() {
    return ALERT_ACTION;
  }

  private static <T extends SpecificRecord> AvroSerde<T> of(Class<T> type, Schema schema) {
    return new AvroSerde<>(type, schema, SchemaHistory.storeFor(schema.getName()));
  }
}
