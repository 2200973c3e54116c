import { strict as assert } from "node:assert";
import { lambdaCacheClientsInVpc, lambdaCacheClientsInVpcByUse, lambdaRuntimeSupported } from "../../policy/lambda";
import { T } from "../../policy/util/types";
import { checkResource, checkStack, UNKNOWN, urnOf } from "./harness";

function fn(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    role: "arn:aws:iam::123456789012:role/cb-fn",
    runtime: "nodejs22.x",
    architectures: ["arm64"],
    handler: "index.handler",
    environment: { variables: { STORE_KIND: "dynamodb", TABLE_NAME: "cb-state" } },
    ...overrides,
  };
}

const VPC = { subnetIds: ["subnet-1"], securityGroupIds: ["sg-1"] };

describe("policy lambda-runtime-supported", () => {
  const p = lambdaRuntimeSupported;

  it("passes nodejs22.x, and a container image without a runtime", async () => {
    assert.deepEqual((await checkResource(p, T.lambdaFunction, fn())).violations, []);
    assert.deepEqual((await checkResource(p, T.lambdaFunction, fn({ runtime: undefined, packageType: "Image" }))).violations, []);
  });

  it("reports a deprecated runtime", async () => {
    const out = await checkResource(p, T.lambdaFunction, fn({ runtime: "nodejs18.x" }));
    assert.deepEqual(out.violations, ["Runtime nodejs18.x is deprecated; move to a supported runtime."]);
  });

  it("takes the deprecated list and an allow-list from config", async () => {
    const deprecated = await checkResource(p, T.lambdaFunction, fn(), { config: { deprecatedRuntimes: ["nodejs22.x"] } });
    assert.equal(deprecated.violations.length, 1);
    const allowed = await checkResource(p, T.lambdaFunction, fn({ runtime: "python3.13" }), {
      config: { allowedRuntimes: ["nodejs22.x", "nodejs24.x"] },
    });
    assert.deepEqual(allowed.violations, ["Runtime python3.13 is not allowed; use one of nodejs22.x, nodejs24.x."]);
  });
});

describe("policy lambda-cache-clients-in-vpc", () => {
  const p = lambdaCacheClientsInVpc;
  const redisEnv = { variables: { STORE_KIND: "redis", REDIS_HOST: "cb.cache.amazonaws.com" } };

  it("passes a Redis client in the VPC; does not apply to DynamoDB clients", async () => {
    assert.deepEqual((await checkResource(p, T.lambdaFunction, fn({ environment: redisEnv, vpcConfig: VPC }))).violations, []);
    const ddb = await checkResource(p, T.lambdaFunction, fn());
    assert.deepEqual(ddb.violations, []);
    assert.deepEqual(ddb.notApplicable, ["Function does not reach ElastiCache"]);
  });

  it("reports a Redis client without vpcConfig, recognised by STORE_KIND or by REDIS_HOST", async () => {
    const byKind = await checkResource(p, T.lambdaFunction, fn({ environment: redisEnv }));
    assert.deepEqual(byKind.violations, [
      "Function reaches ElastiCache (STORE_KIND=redis) but its vpcConfig has no subnetIds and no securityGroupIds.",
    ]);
    const byHost = await checkResource(
      p,
      T.lambdaFunction,
      fn({ environment: { variables: { REDIS_HOST: "h" } }, vpcConfig: { subnetIds: ["s"], securityGroupIds: [] } }),
    );
    assert.deepEqual(byHost.violations, ["Function reaches ElastiCache (REDIS_HOST) but its vpcConfig has no securityGroupIds."]);
  });

  it("recognises a REDIS_HOST that is unknown at preview; skips unknown subnets", async () => {
    const host = await checkResource(p, T.lambdaFunction, fn({ environment: { variables: { REDIS_HOST: UNKNOWN.string } } }));
    assert.equal(host.violations.length, 1);
    const subnets = await checkResource(
      p,
      T.lambdaFunction,
      fn({ environment: redisEnv, vpcConfig: { subnetIds: UNKNOWN.array, securityGroupIds: ["sg"] } }),
    );
    assert.deepEqual(subnets.violations, []);
    assert.equal(subnets.skipped.length, 1);
  });

  it("takes the markers from config", async () => {
    const env = { variables: { CACHE_ENDPOINT: "h" } };
    assert.deepEqual((await checkResource(p, T.lambdaFunction, fn({ environment: env }))).violations, []);
    assert.equal(
      (await checkResource(p, T.lambdaFunction, fn({ environment: env }), { config: { cacheEnvironmentMarkers: ["CACHE_ENDPOINT"] } }))
        .violations.length,
      1,
    );
  });
});

describe("policy lambda-cache-clients-in-vpc-by-use", () => {
  const p = lambdaCacheClientsInVpcByUse;
  const HOST = "master.cb.abc123.euw1.cache.amazonaws.com";
  const cache = { type: T.replicationGroup, name: "cache", props: { primaryEndpointAddress: HOST } };

  it("reports a function outside the VPC whose environment names the cache under any variable name", async () => {
    const out = await checkStack(p, [
      cache,
      { type: T.lambdaFunction, name: "client", props: fn({ environment: { variables: { CACHE_ENDPOINT: `${HOST}:6379` } } }) },
    ]);
    assert.deepEqual(out.violations, [
      "Function client reaches the cache cache through its environment but runs outside the VPC (vpcConfig needs subnetIds and securityGroupIds).",
    ]);
    assert.deepEqual(out.urns, [urnOf(T.lambdaFunction, "client")]);
  });

  it("follows propertyDependencies when the endpoint is unknown at preview, and passes a function in the VPC", async () => {
    const unknownCache = { ...cache, props: { primaryEndpointAddress: UNKNOWN.string } };
    const client = {
      type: T.lambdaFunction,
      name: "client",
      props: fn({ environment: { variables: { CACHE_ENDPOINT: UNKNOWN.string } } }),
      propertyDependencies: { environment: [urnOf(T.replicationGroup, "cache")] },
    };
    assert.equal((await checkStack(p, [unknownCache, client])).violations.length, 1);
    assert.deepEqual((await checkStack(p, [unknownCache, { ...client, props: { ...client.props, vpcConfig: VPC } }])).violations, []);
  });
});
