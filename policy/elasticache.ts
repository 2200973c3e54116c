// ElastiCache (replication groups, serverless caches, single-node clusters): encryption, authentication,
// private network. A cluster that is a member of a replication group is judged through its group.

import { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { ConfigOf, configSchema, knob, readConfig } from "./util/config";
import { isStateStore, stateStoreKnobs } from "./util/scope";
import { requireType, T } from "./util/types";

const nonEmpty = (v: unknown): boolean => (Array.isArray(v) ? v.length > 0 : typeof v === "string" && v !== "");

/** A standalone cluster of Redis or Valkey: AWS offers it neither TLS nor AUTH (those need a replication group). */
const isRedisCluster = (p: Record<string, any>): boolean => p.engine !== "memcached";

const scopeKnobs = {
  ...stateStoreKnobs,
  scope: knob("all", 'Which caches the rule applies to: "all", or only the "state-store" (tagged like the breaker table).', [
    "all",
    "state-store",
  ]),
};

/** Not applicable unless the resource is a cache this rule covers. */
function requireCache(args: ResourceValidationArgs, cfg: ConfigOf<typeof scopeKnobs>): void {
  requireType(args, [T.replicationGroup, T.serverlessCache, T.cacheCluster]);
  if (args.type === T.cacheCluster && nonEmpty(args.props.replicationGroupId))
    args.notApplicable("The cluster is a member of a replication group");
  if (cfg.scope === "state-store" && !isStateStore(args.props, cfg)) {
    args.notApplicable(`Cache is not tagged ${cfg.stateStoreTagKey}=${cfg.stateStoreTagValue}`);
  }
}

const encryptionKnobs = {
  ...scopeKnobs,
  requireCustomerManagedKey: knob(false, "Require kmsKeyId (a customer-managed KMS key) for encryption at rest."),
};

export const elasticacheEncryption: ResourceValidationPolicy = {
  name: "elasticache-encryption",
  description: "Checks whether ElastiCache encrypts data in transit (TLS required) and at rest.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    'Set transitEncryptionEnabled: true (transitEncryptionMode "required" if set) and atRestEncryptionEnabled: true; add kmsKeyId where a customer key is required.',
  configSchema: configSchema(encryptionKnobs),
  validateResource: (args, report) => {
    const cfg = readConfig(args, encryptionKnobs);
    requireCache(args, cfg);
    const p = args.props;
    if (args.type === T.replicationGroup) {
      if (p.transitEncryptionEnabled !== true) report("Encryption in transit is disabled; it must be enabled.");
      else if (p.transitEncryptionMode === "preferred")
        report('Transit encryption mode is "preferred", which accepts plaintext clients; it must be "required".');
      // Valkey encrypts at rest unless told otherwise; Redis OSS only when asked.
      const atRest = p.atRestEncryptionEnabled ?? (p.engine === "valkey" ? true : false);
      if (atRest !== true) report("Encryption at rest is disabled; it must be enabled.");
    }
    if (args.type === T.cacheCluster) {
      if (isRedisCluster(p))
        report(
          `A single-node ${p.engine ?? "redis"} cluster cannot encrypt in transit or at rest; use a replication group (or a serverless cache).`,
        );
      else if (p.transitEncryptionEnabled !== true) report("Encryption in transit is disabled; it must be enabled.");
    }
    // A serverless cache always encrypts in transit and at rest; only the key is a choice.
    if (cfg.requireCustomerManagedKey && !nonEmpty(p.kmsKeyId))
      report("Encryption at rest uses an AWS-owned key; a customer-managed KMS key (kmsKeyId) is required.");
  },
};

export const elasticacheAuth: ResourceValidationPolicy = {
  name: "elasticache-auth-required",
  description: "Checks whether clients must authenticate to ElastiCache (an AUTH token or an RBAC user group).",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Set authToken (kept as a secret, e.g. in Secrets Manager) or userGroupIds on a replication group; userGroupId on a serverless cache.",
  configSchema: configSchema(scopeKnobs),
  validateResource: (args, report) => {
    const cfg = readConfig(args, scopeKnobs);
    requireCache(args, cfg);
    const p = args.props;
    if (args.type === T.cacheCluster) {
      report(
        `A single-node ${p.engine ?? "redis"} cluster admits any client that reaches it (no AUTH token, no user group); use a replication group with authToken or userGroupIds.`,
      );
    } else if (args.type === T.replicationGroup) {
      const token = nonEmpty(p.authToken) || nonEmpty(p.authTokenWo) || typeof p.authTokenWoVersion === "number";
      if (!token && !nonEmpty(p.userGroupIds)) report("No AUTH token and no user group; any client that reaches the cache can use it.");
    } else if (!nonEmpty(p.userGroupId)) {
      report("No user group; the serverless cache's default user needs no password.");
    }
  },
};

const networkKnobs = {
  ...scopeKnobs,
  requireSecurityGroups: knob(true, "Also require securityGroupIds (otherwise the VPC's default security group applies)."),
};

export const elasticachePrivateNetwork: ResourceValidationPolicy = {
  name: "elasticache-private-network",
  description: "Checks whether ElastiCache is placed in chosen subnets (subnet group or subnet ids) behind chosen security groups.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Set subnetGroupName (replication group) or subnetIds (serverless) to private subnets, and securityGroupIds to a group admitting only the breaker functions.",
  configSchema: configSchema(networkKnobs),
  validateResource: (args, report) => {
    const cfg = readConfig(args, networkKnobs);
    requireCache(args, cfg);
    const p = args.props;
    if (args.type !== T.serverlessCache) {
      if (!nonEmpty(p.subnetGroupName)) report("No subnet group; the cache lands in the default VPC's subnets.");
    } else if (!nonEmpty(p.subnetIds)) {
      report("No subnet ids; the serverless cache lands in the default VPC's subnets.");
    }
    if (cfg.requireSecurityGroups && !nonEmpty(p.securityGroupIds)) report("No security groups; the VPC's default security group applies.");
  },
};

export const elasticachePolicies = [elasticacheEncryption, elasticacheAuth, elasticachePrivateNetwork];
