import { strict as assert } from "node:assert";
import {
  dynamodbBreakerReplicaPitr,
  dynamodbBreakerTableEncryption,
  dynamodbBreakerTablePitr,
  dynamodbBreakerTableTtl,
} from "../../policy/dynamodb";
import { T } from "../../policy/util/types";
import { checkResource, checkStack, UNKNOWN, urnOf } from "./harness";

const STORE_TAGS = { "circuitbreaker:role": "state-store", project: "circuit-breaker" };
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

function table(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    billingMode: "PAY_PER_REQUEST",
    hashKey: "breaker",
    attributes: [{ name: "breaker", type: "S" }],
    ttl: { enabled: true, attributeName: "expiresAt" },
    pointInTimeRecovery: { enabled: true },
    serverSideEncryption: { enabled: false },
    tags: STORE_TAGS,
    ...overrides,
  };
}

describe("policy dynamodb-breaker-table-ttl", () => {
  const p = dynamodbBreakerTableTtl;

  it("passes TTL enabled on expiresAt", async () => {
    assert.deepEqual((await checkResource(p, T.table, table())).violations, []);
  });

  it("reports TTL that is disabled or missing, naming the expected attribute", async () => {
    const off = await checkResource(p, T.table, table({ ttl: { enabled: false } }));
    assert.deepEqual(off.violations, ['TTL is disabled; it must be enabled on attribute "expiresAt".']);
    const missing = await checkResource(p, T.table, table({ ttl: undefined }));
    assert.deepEqual(missing.violations, ['TTL is disabled; it must be enabled on attribute "expiresAt".']);
  });

  it("reports TTL on the wrong attribute, naming both", async () => {
    const out = await checkResource(p, T.table, table({ ttl: { enabled: true, attributeName: "ttl" } }));
    assert.deepEqual(out.violations, ['TTL is enabled on attribute "ttl"; it must be enabled on "expiresAt".']);
  });

  it("takes the attribute name from config", async () => {
    const props = table({ ttl: { enabled: true, attributeName: "ttl" } });
    assert.deepEqual((await checkResource(p, T.table, props, { config: { ttlAttributeName: "ttl" } })).violations, []);
  });

  it("recognises the state table by its tag (also in tagsAll, and a configured tag)", async () => {
    const untagged = await checkResource(p, T.table, table({ tags: { project: "x" }, ttl: undefined }));
    assert.deepEqual(untagged.violations, []);
    assert.deepEqual(untagged.notApplicable, ["Table is not tagged circuitbreaker:role=state-store"]);
    const viaProvider = await checkResource(p, T.table, table({ tags: undefined, tagsAll: STORE_TAGS, ttl: undefined }));
    assert.equal(viaProvider.violations.length, 1);
    const custom = await checkResource(p, T.table, table({ tags: { team: "breakers" }, ttl: undefined }), {
      config: { stateStoreTagKey: "team", stateStoreTagValue: "breakers" },
    });
    assert.equal(custom.violations.length, 1);
  });

  it("an unknown tagsAll does not stop the check; an unknown ttl is skipped, not failed", async () => {
    assert.equal((await checkResource(p, T.table, table({ tagsAll: UNKNOWN.object, ttl: { enabled: false } }))).violations.length, 1);
    const out = await checkResource(p, T.table, table({ ttl: { enabled: UNKNOWN.boolean, attributeName: "expiresAt" } }));
    assert.deepEqual(out.violations, []);
    assert.match(out.skipped[0], /boolean value at \.ttl\.enabled can't be known during preview/);
  });
});

describe("policy dynamodb-breaker-table-pitr", () => {
  const p = dynamodbBreakerTablePitr;

  it("passes point-in-time recovery on", async () => {
    assert.deepEqual((await checkResource(p, T.table, table())).violations, []);
  });

  it("reports it off or missing", async () => {
    const msg = ["Point-in-time recovery is disabled; it must be enabled."];
    assert.deepEqual((await checkResource(p, T.table, table({ pointInTimeRecovery: { enabled: false } }))).violations, msg);
    assert.deepEqual((await checkResource(p, T.table, table({ pointInTimeRecovery: undefined }))).violations, msg);
  });
});

describe("policy dynamodb-breaker-table-encryption", () => {
  const p = dynamodbBreakerTableEncryption;

  it("passes the AWS-owned key by default", async () => {
    assert.deepEqual((await checkResource(p, T.table, table())).violations, []);
    assert.deepEqual((await checkResource(p, T.table, table({ serverSideEncryption: undefined }))).violations, []);
  });

  it("reports a weaker key than configured", async () => {
    const owned = await checkResource(p, T.table, table(), { config: { minimumKeyType: "aws-managed" } });
    assert.deepEqual(owned.violations, [
      "Server-side encryption uses an AWS-owned key; it must use the AWS-managed key (alias/aws/dynamodb) or stronger.",
    ]);
    const managed = await checkResource(p, T.table, table({ serverSideEncryption: { enabled: true } }), {
      config: { minimumKeyType: "customer-managed" },
    });
    assert.deepEqual(managed.violations, [
      "Server-side encryption uses the AWS-managed key (alias/aws/dynamodb); it must use a customer-managed KMS key.",
    ]);
  });

  it("passes a customer-managed key where one is required", async () => {
    const props = table({ serverSideEncryption: { enabled: true, kmsKeyArn: KEY } });
    assert.deepEqual((await checkResource(p, T.table, props, { config: { minimumKeyType: "customer-managed" } })).violations, []);
  });

  it("reports a key ARN that is ignored because encryption is disabled", async () => {
    const out = await checkResource(p, T.table, table({ serverSideEncryption: { enabled: false, kmsKeyArn: KEY } }));
    assert.deepEqual(out.violations, [`Server-side encryption is disabled, so kmsKeyArn ${KEY} is ignored.`]);
  });
});

describe("policy dynamodb-breaker-replica-pitr", () => {
  const p = dynamodbBreakerReplicaPitr;
  const ARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/cb-state";
  const state = { type: T.table, name: "state", props: { ...table(), arn: ARN } };

  it("reports a TableReplica of the state table without PITR, and passes one with it", async () => {
    const off = await checkStack(p, [
      state,
      { type: T.tableReplica, name: "eu-central", props: { globalTableArn: ARN, pointInTimeRecovery: false } },
    ]);
    assert.deepEqual(off.violations, [
      "Table replica eu-central of the breaker state table has point-in-time recovery disabled; it must be enabled.",
    ]);
    assert.deepEqual(off.urns, [urnOf(T.tableReplica, "eu-central")]);
    const on = await checkStack(p, [
      state,
      { type: T.tableReplica, name: "eu-central", props: { globalTableArn: ARN, pointInTimeRecovery: true } },
    ]);
    assert.deepEqual(on.violations, []);
  });

  it("also checks replicas[] of the table itself (dynamodb-breaker-table-pitr)", async () => {
    const out = await checkResource(
      dynamodbBreakerTablePitr,
      T.table,
      table({ replicas: [{ regionName: "eu-central-1", pointInTimeRecovery: false }] }),
    );
    assert.deepEqual(out.violations, ["Point-in-time recovery is disabled on the replica in eu-central-1; it must be enabled."]);
  });
});
