// Runs the recipe baseline (bench/recipe-definition.ts) on the same generic executor, the same DynamoDB
// Local and the same seeded target as this project's breaker, and records the same things.

import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, waitUntilTableExists } from "@aws-sdk/client-dynamodb";
import { meteredLambdas, TARGET_FUNCTION } from "../local/local-breaker";
import { localDynamoClient } from "../local/local-store";
import { RunRecords } from "../local/report/records";
import { ObservedTransition, runScenario, StateObserver } from "../local/runner";
import { Scenario } from "../local/scenario";
import { createLocalStateMachine, LocalExecutionResult, LocalLambda, LocalStateMachine, taskStateNames } from "../local/sfn-runtime";
import { AslDefinition } from "../core/state-machine-definition";
import { Timebase } from "../local/speed";
import { localTarget } from "../local/target";
import { RECIPE_HEALTHY_PATH, recipeDefinition, RecipeFixes } from "./recipe-definition";

const NAMES = { healthCheck: "recipe-health-check", fallback: "recipe-fallback", target: TARGET_FUNCTION };

export async function createRecipeTable(client: DynamoDBClient, tableName: string): Promise<void> {
  // The recipe's table has hash key ServiceName (the template uses provisioned 5/5; on-demand here, as priced).
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: "ServiceName", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "ServiceName", KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 2 }, { TableName: tableName });
}

/** The item's State, polled: the recipe writes no transition history, so changes are seen when they are read. */
function recipeObserver(client: DynamoDBClient, tableName: string, service: string): StateObserver {
  let last = "CLOSED";
  let gen = 0;
  const seen: ObservedTransition[] = [];
  return {
    async poll() {
      const out = await client.send(
        new GetItemCommand({ TableName: tableName, Key: { ServiceName: { S: service } }, ConsistentRead: true }),
      );
      const state = out.Item?.State?.S ?? "CLOSED";
      if (state !== last) {
        seen.push({ atMs: Date.now(), from: last, to: state, reason: "observed in the item", gen: ++gen });
        last = state;
      }
      return { state, transitions: [...seen] };
    },
  };
}

export interface RecipeMachine {
  machine: LocalStateMachine;
  definition: AslDefinition;
  /** Runs one request the way the recipe's callers do (its input shape); the output says whether the fallback answered. */
  execute: (input: unknown, name?: string) => Promise<LocalExecutionResult>;
}

/** The recipe's state machine and its two Lambdas (re-created), on the given table, calling `target`. */
export function recipeMachine(
  client: DynamoDBClient,
  tableName: string,
  service: string,
  target: LocalLambda,
  speed: number,
  fixes?: RecipeFixes,
): RecipeMachine {
  const key = { ServiceName: { S: service } };
  // The recipe's health check, re-created: read the item (initialise it if missing), call the target once,
  // and on success write CLOSED with a zero count. It answers 200 or 503 (it does not throw).
  const healthCheck = async (event: { table_name: string; service_name: string }) => {
    const got = await client.send(new GetItemCommand({ TableName: event.table_name, Key: key }));
    if (!got.Item) {
      await client.send(
        new PutItemCommand({ TableName: event.table_name, Item: { ...key, State: { S: "CLOSED" }, FailureCount: { N: "0" } } }),
      );
    }
    try {
      await target({ healthCheck: true });
    } catch {
      return { statusCode: 503, body: JSON.stringify({ service_name: service, health_status: "unhealthy" }) };
    }
    await client.send(
      new PutItemCommand({
        TableName: event.table_name,
        Item: { ...key, State: { S: "CLOSED" }, FailureCount: { N: "0" }, LastSuccessTime: { S: new Date().toISOString() } },
      }),
    );
    return { statusCode: 200, body: JSON.stringify({ service_name: service, health_status: "healthy", circuit_state: "CLOSED" }) };
  };
  const fallback = async (event: { original_request?: unknown }) => ({
    statusCode: 200,
    body: JSON.stringify({
      message: "Fallback service response",
      source: "fallback-service",
      original_request: event.original_request ?? {},
      fallback_reason: "Circuit breaker is open",
    }),
  });
  const definition = recipeDefinition({ tableName, ...NAMES }, fixes);
  const machine = createLocalStateMachine(definition, {
    lambdas: meteredLambdas({ [NAMES.healthCheck]: healthCheck, [NAMES.fallback]: fallback, [NAMES.target]: target }, [NAMES.target]),
    dynamodbClient: client,
    speed,
    name: "recipe",
  });
  const execute = async (input: unknown, name?: string): Promise<LocalExecutionResult> => {
    const r = await machine.run(
      { service_name: service, request_payload: (input as { request: unknown }).request },
      name ? { executionName: name } : {},
    );
    const out = r.output as { fallback_used?: boolean; body?: unknown } | undefined;
    return r.status === "SUCCEEDED" ? { ...r, output: { fallback: out?.fallback_used === true, response: out?.body ?? null } } : r;
  };
  return { machine, definition, execute };
}

export async function runRecipe(scenario: Scenario, dynamodbEndpoint: string): Promise<RunRecords> {
  const client = localDynamoClient(dynamodbEndpoint);
  const tableName = `recipe-circuit-breaker-${Date.now().toString(36)}`;
  try {
    await createRecipeTable(client, tableName);
    const timing = { tb: new Timebase(scenario.speed, Date.now()) };
    const target = localTarget(scenario, () => timing.tb);
    const service = scenario.breaker.name;
    const { definition, execute } = recipeMachine(client, tableName, service, target.handler, scenario.speed);
    return await runScenario({
      scenario,
      timing,
      execute,
      taskStates: taskStateNames(definition),
      target,
      observer: recipeObserver(client, tableName, service),
      metrics: {},
      isProbe: (_r, work) => (work.lambda[NAMES.healthCheck] ?? 0) > 0,
      isHealthyPath: (r) => r.states.length === RECIPE_HEALTHY_PATH.length && RECIPE_HEALTHY_PATH.every((s, i) => r.states[i] === s),
    });
  } finally {
    client.destroy();
  }
}
