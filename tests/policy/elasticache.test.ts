import { strict as assert } from "node:assert";
import { elasticacheAuth, elasticacheEncryption, elasticachePrivateNetwork } from "../../policy/elasticache";
import { T } from "../../policy/util/types";
import { checkResource, UNKNOWN } from "./harness";

const KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

function group(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    description: "breaker state",
    engine: "valkey",
    nodeType: "cache.t4g.micro",
    numCacheClusters: 2,
    transitEncryptionEnabled: true,
    transitEncryptionMode: "required",
    atRestEncryptionEnabled: true,
    authToken: "s3cr3t-token-of-16+",
    subnetGroupName: "cb-subnets",
    securityGroupIds: ["sg-1"],
    tags: { "circuitbreaker:role": "state-store" },
    ...overrides,
  };
}

function serverless(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { engine: "valkey", subnetIds: ["subnet-1", "subnet-2"], securityGroupIds: ["sg-1"], userGroupId: "cb-users", ...overrides };
}

describe("policy elasticache-encryption", () => {
  const p = elasticacheEncryption;

  it("passes TLS required and encryption at rest; a serverless cache always passes the AWS-owned default", async () => {
    assert.deepEqual((await checkResource(p, T.replicationGroup, group())).violations, []);
    assert.deepEqual((await checkResource(p, T.replicationGroup, group({ atRestEncryptionEnabled: undefined }))).violations, []);
    assert.deepEqual((await checkResource(p, T.serverlessCache, serverless())).violations, []);
  });

  it("reports transit encryption off, or preferred", async () => {
    const off = await checkResource(p, T.replicationGroup, group({ transitEncryptionEnabled: false, authToken: undefined }));
    assert.deepEqual(off.violations, ["Encryption in transit is disabled; it must be enabled."]);
    const preferred = await checkResource(p, T.replicationGroup, group({ transitEncryptionMode: "preferred" }));
    assert.deepEqual(preferred.violations, [
      'Transit encryption mode is "preferred", which accepts plaintext clients; it must be "required".',
    ]);
  });

  it("reports at-rest encryption off (Redis OSS defaults to off)", async () => {
    const out = await checkResource(p, T.replicationGroup, group({ engine: "redis", atRestEncryptionEnabled: undefined }));
    assert.deepEqual(out.violations, ["Encryption at rest is disabled; it must be enabled."]);
  });

  it("requires a customer-managed key when configured", async () => {
    const config = { requireCustomerManagedKey: true };
    const msg = ["Encryption at rest uses an AWS-owned key; a customer-managed KMS key (kmsKeyId) is required."];
    assert.deepEqual((await checkResource(p, T.serverlessCache, serverless(), { config })).violations, msg);
    assert.deepEqual((await checkResource(p, T.serverlessCache, serverless({ kmsKeyId: KEY }), { config })).violations, []);
    assert.deepEqual((await checkResource(p, T.replicationGroup, group({ kmsKeyId: KEY }), { config })).violations, []);
  });

  it('with scope "state-store", checks only the tagged cache', async () => {
    const out = await checkResource(p, T.replicationGroup, group({ tags: {}, transitEncryptionEnabled: false }), {
      config: { scope: "state-store" },
    });
    assert.deepEqual(out.violations, []);
    assert.equal(out.notApplicable.length, 1);
  });
});

describe("policy elasticache-auth-required", () => {
  const p = elasticacheAuth;

  it("passes an AUTH token, a secret token, or a user group", async () => {
    assert.deepEqual((await checkResource(p, T.replicationGroup, group())).violations, []);
    assert.deepEqual(
      (await checkResource(p, T.replicationGroup, group({ authToken: undefined, userGroupIds: ["cb-users"] }))).violations,
      [],
    );
    assert.deepEqual((await checkResource(p, T.serverlessCache, serverless())).violations, []);
  });

  it("reports a cache anyone who reaches it can use", async () => {
    const rg = await checkResource(p, T.replicationGroup, group({ authToken: undefined }));
    assert.deepEqual(rg.violations, ["No AUTH token and no user group; any client that reaches the cache can use it."]);
    const sl = await checkResource(p, T.serverlessCache, serverless({ userGroupId: undefined }));
    assert.deepEqual(sl.violations, ["No user group; the serverless cache's default user needs no password."]);
  });

  it("skips a token that is unknown at preview", async () => {
    const out = await checkResource(p, T.replicationGroup, group({ authToken: UNKNOWN.string }));
    assert.deepEqual(out.violations, []);
    assert.equal(out.skipped.length, 1);
  });
});

describe("policy elasticache-private-network", () => {
  const p = elasticachePrivateNetwork;

  it("passes a subnet group (or subnet ids) and security groups", async () => {
    assert.deepEqual((await checkResource(p, T.replicationGroup, group())).violations, []);
    assert.deepEqual((await checkResource(p, T.serverlessCache, serverless())).violations, []);
  });

  it("reports a cache without its own subnets or security groups", async () => {
    const rg = await checkResource(p, T.replicationGroup, group({ subnetGroupName: undefined, securityGroupIds: [] }));
    assert.deepEqual(rg.violations, [
      "No subnet group; the cache lands in the default VPC's subnets.",
      "No security groups; the VPC's default security group applies.",
    ]);
    const sl = await checkResource(p, T.serverlessCache, serverless({ subnetIds: undefined }));
    assert.deepEqual(sl.violations, ["No subnet ids; the serverless cache lands in the default VPC's subnets."]);
  });

  it("does not require security groups when configured so", async () => {
    const out = await checkResource(p, T.serverlessCache, serverless({ securityGroupIds: undefined }), {
      config: { requireSecurityGroups: false },
    });
    assert.deepEqual(out.violations, []);
  });
});

describe("ElastiCache single-node clusters (aws.elasticache.Cluster)", () => {
  const redis = {
    engine: "redis",
    nodeType: "cache.t4g.micro",
    numCacheNodes: 1,
    subnetGroupName: "cb-subnets",
    securityGroupIds: ["sg-1"],
  };

  it("reports a standalone Redis cluster: no TLS, no AUTH possible", async () => {
    assert.equal((await checkResource(elasticacheEncryption, T.cacheCluster, redis)).violations.length, 1);
    assert.equal((await checkResource(elasticacheAuth, T.cacheCluster, redis)).violations.length, 1);
    assert.deepEqual((await checkResource(elasticachePrivateNetwork, T.cacheCluster, redis)).violations, []);
  });

  it("leaves a member of a replication group to its group", async () => {
    const member = await checkResource(elasticacheAuth, T.cacheCluster, { replicationGroupId: "cb" });
    assert.deepEqual(member.violations, []);
    assert.deepEqual(member.notApplicable, ["The cluster is a member of a replication group"]);
  });
});
