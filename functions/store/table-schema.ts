// Creating the breaker table (local runtime and tests); its key and TTL names are in core/store-schema.ts.

import {
  CreateTableCommand,
  CreateTableCommandInput,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { BREAKER_TABLE_KEY, TTL_ATTRIBUTE } from "../../core/store-schema";

export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [{ AttributeName: BREAKER_TABLE_KEY, AttributeType: "S" }],
    KeySchema: [{ AttributeName: BREAKER_TABLE_KEY, KeyType: "HASH" }],
    BillingMode: "PAY_PER_REQUEST",
  };
}

/** Creates the table if it does not exist, waits until it is ACTIVE, and enables TTL on `ttlAttribute`. */
export async function ensureTable(
  client: DynamoDBClient | DynamoDBDocumentClient,
  tableName: string,
  ttlAttribute: string = TTL_ATTRIBUTE,
): Promise<void> {
  const c = client as DynamoDBClient;
  try {
    await c.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (e) {
    if (!(e instanceof ResourceInUseException)) throw e;
  }
  await waitUntilTableExists({ client: c, maxWaitTime: 30, minDelay: 1, maxDelay: 2 }, { TableName: tableName });
  try {
    await c.send(
      new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true } }),
    );
  } catch (e) {
    // "TimeToLive is already enabled" is fine; anything else is not.
    if (!/already enabled/i.test((e as Error).message ?? "")) throw e;
  }
}
