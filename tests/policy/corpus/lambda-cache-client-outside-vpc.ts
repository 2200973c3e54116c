// A handler reaches the cache through CACHE_ENDPOINT (not a name the pack knows) but runs outside the VPC.
// expect: lambda-cache-clients-in-vpc-by-use orders-record-outcome
// preview: caught at a first preview too
import * as pulumi from "@pulumi/pulumi";
import { breaker, cache } from "./support";

const redis = cache();
breaker({ handlerEnv: () => ({ CACHE_ENDPOINT: pulumi.interpolate`${redis.primaryEndpointAddress}:6379` }) });
