// policy/ is published on its own (`pulumi policy publish` uploads only that directory), so it keeps copies of
// the names the program writes. These must stay equal to their sources.

import { strict as assert } from "node:assert";
import { WILDCARD_ONLY_ACTION_NAMES, WILDCARD_ONLY_ACTIONS } from "../../components/iam-wildcard-actions";
import { ROLE_TAG, ROLES, TAG_KEYS } from "../../components/tags";
import { ATTR } from "../../core/contracts";
import { BREAKER_DIMENSION, METRIC_NAMESPACE, METRICS } from "../../core/metric-names";
import * as copy from "../../policy/util/project-defaults";

describe("policy pack defaults match the program", () => {
  it("wildcard-only actions equal components/iam-wildcard-actions.ts", () => {
    assert.deepEqual([...copy.WILDCARD_ONLY_ACTIONS].sort(), [...WILDCARD_ONLY_ACTION_NAMES].sort());
    assert.deepEqual(copy.WILDCARD_ONLY_ACTION_PURPOSES, Object.fromEntries(WILDCARD_ONLY_ACTIONS.map((a) => [a.action, a.usedBy])));
  });

  it("tags equal components/tags.ts", () => {
    assert.equal(copy.ROLE_TAG_KEY, ROLE_TAG);
    assert.equal(copy.STATE_STORE_ROLE, ROLES.stateStore);
    assert.equal(copy.BREAKER_TAG_KEY, TAG_KEYS.breaker);
  });

  it("the TTL attribute and metric names equal functions/shared", () => {
    assert.equal(copy.TTL_ATTRIBUTE, ATTR.expiresAt);
    assert.equal(copy.METRIC_NAMESPACE, METRIC_NAMESPACE);
    assert.equal(copy.BREAKER_DIMENSION, BREAKER_DIMENSION);
    assert.equal(copy.CIRCUIT_OPENED_METRIC, METRICS.circuitOpened);
  });
});
