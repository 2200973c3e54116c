// The bulkhead handlers (acquire-slot, release-slot) on the real stores, the lease rule, and the Lambda entries.
// Through the state machine, with concurrent executions: tests/core/bulkhead.test.ts.

import assert from "node:assert/strict";
import { bulkheadLeaseMs, EXPRESS_MAX_SECONDS } from "../../core/bulkhead";
import { acquireProbeDefinition } from "../../functions/handlers/acquire-probe";
import { acquireSlotDefinition } from "../../functions/handlers/acquire-slot";
import { releaseSlotDefinition } from "../../functions/handlers/release-slot";
import { METRICS } from "../../core/metric-names";
import {
  closeStores,
  describeEachStore,
  downStore,
  harness,
  rejectsWith,
  settingsOf,
  STORE_KINDS,
  tripFresh,
  uniqueBreaker,
} from "./support";

describeEachStore("bulkhead handlers", (s) => {
  it("admits at most maxConcurrentCalls slots; a holder renews its own; a release frees one; releasing twice is a no-op", async () => {
    const settings = settingsOf({ maxConcurrentCalls: 2 });
    const h = harness(s.store, settings);
    const acquire = acquireSlotDefinition.make(h.deps);
    const release = releaseSlotDefinition.make(h.deps);
    const breaker = uniqueBreaker();
    const leaseMs = bulkheadLeaseMs(settings);
    assert.deepEqual(await acquire({ breaker, slotId: "exec-a" }), {
      admitted: true,
      slotId: "exec-a",
      reason: "slot free",
      limit: 2,
      leaseMs,
    });
    assert.equal((await acquire({ breaker, slotId: "exec-b" })).admitted, true);
    assert.deepEqual(await acquire({ breaker, slotId: "exec-c" }), {
      admitted: false,
      slotId: null,
      reason: "bulkhead full",
      limit: 2,
      leaseMs,
    });
    assert.equal((await acquire({ breaker, slotId: "exec-a" })).admitted, true, "a holder asking again keeps its slot");
    assert.deepEqual(await release({ breaker, slotId: "exec-a" }), { breaker, slotId: "exec-a", released: true });
    assert.deepEqual(await release({ breaker, slotId: "exec-a" }), { breaker, slotId: "exec-a", released: true });
    assert.equal((await acquire({ breaker, slotId: "exec-c" })).admitted, true);
    assert.equal((await acquire({ breaker, slotId: "exec-d" })).admitted, false);
    assert.equal(await s.store.get(breaker), null, "the bulkhead writes no breaker record");
    assert.deepEqual(h.metrics.names(), [], "BulkheadRejected is counted by the fallback, not here");
  });

  it("a crashed holder's slot is reclaimed exactly when its lease ends (injected clock)", async () => {
    const settings = settingsOf({ maxConcurrentCalls: 1, timeoutSeconds: 5, retryAttempts: 1, retryIntervalSeconds: 2 });
    const h = harness(s.store, settings);
    const acquire = acquireSlotDefinition.make(h.deps);
    const breaker = uniqueBreaker();
    assert.equal((await acquire({ breaker, slotId: "crashed" })).admitted, true);
    h.clock.advance(bulkheadLeaseMs(settings) - 1);
    assert.equal((await acquire({ breaker, slotId: "next" })).reason, "bulkhead full");
    h.clock.advance(1);
    assert.deepEqual(await acquire({ breaker, slotId: "next" }), {
      admitted: true,
      slotId: "next",
      reason: "slot free",
      limit: 1,
      leaseMs: bulkheadLeaseMs(settings),
    });
  });

  it("a HALF_OPEN probe the bulkhead turns away frees its probe lease without counting; the next caller probes at once", async () => {
    const settings = settingsOf({ failureThreshold: 1, openDurationSeconds: 5, halfOpenProbes: 1, maxConcurrentCalls: 1 });
    const h = harness(s.store, settings);
    const breaker = uniqueBreaker();
    await tripFresh(h, breaker);
    h.clock.advance(5_001);
    const probe = acquireProbeDefinition.make(h.deps);
    const acquire = acquireSlotDefinition.make(h.deps);
    const grant = await probe({ breaker, leaseId: "exec-1" });
    assert.equal(grant.admitted, true);
    assert.equal((await acquire({ breaker, slotId: "holder" })).admitted, true);
    h.metrics.clear();
    h.log.entries.length = 0;

    const stale = await acquire({ breaker, slotId: "exec-1", probeLeaseId: "exec-1", probeGen: grant.gen + 1 });
    assert.deepEqual(
      [stale.admitted, stale.reason, stale.probeLease],
      [false, "bulkhead full", "stale"],
      "another generation's lease is left alone",
    );
    assert.deepEqual(Object.keys((await s.store.get(breaker))!.leases), ["exec-1"]);

    const turned = await acquire({ breaker, slotId: "exec-1", probeLeaseId: "exec-1", probeGen: String(grant.gen) });
    assert.deepEqual(turned, {
      admitted: false,
      slotId: null,
      reason: "bulkhead full",
      limit: 1,
      leaseMs: bulkheadLeaseMs(settings),
      probeLease: "released",
    });
    const rec = (await s.store.get(breaker))!;
    assert.deepEqual([rec.state, rec.gen, rec.leases, rec.probeSuccesses], ["HALF_OPEN", grant.gen, {}, 0]);
    assert.deepEqual(h.metrics.names(), [], "nothing counted: the probe never reached the target");
    assert.equal(h.log.withMessage("breaker transition").length, 0);
    assert.equal((await probe({ breaker, leaseId: "exec-2" })).admitted, true, "the freed slot is free at once");
  });

  it("rejects malformed events with InvalidEventError naming the field, and takes no slot", async () => {
    const h = harness(s.store, settingsOf({ maxConcurrentCalls: 1 }));
    const acquire = acquireSlotDefinition.make(h.deps);
    const release = releaseSlotDefinition.make(h.deps);
    const cases: [(e: unknown) => Promise<unknown>, unknown, ...string[]][] = [
      [acquire, { breaker: "served" }, ".slotId is missing", "a slot id"],
      [acquire, { breaker: "served", slotId: "two words" }, '.slotId is "two words"', "no whitespace"],
      [acquire, { breaker: "served", slotId: "a#b" }, '.slotId is "a#b"'],
      [acquire, { breaker: "served", slotId: "" }, '.slotId is ""'],
      [acquire, { breaker: "served", slotId: "x".repeat(257) }, ".slotId is ", "1 to 256 characters"],
      [acquire, { breaker: "served", slotId: "e", probeLeaseId: "e" }, ".probeGen is missing", "both probeLeaseId and probeGen"],
      [acquire, { breaker: "served", slotId: "e", probeGen: 3 }, ".probeLeaseId is missing", "or neither"],
      [acquire, { breaker: "served", slotId: "e", probeLeaseId: "e", probeGen: -1 }, ".probeGen is -1", "non-negative integer"],
      [
        acquire,
        { breaker: "served", slotId: "e", slot: 1 },
        ".slot is not a field of this event",
        "breaker, settings, settingsParameter, slotId, probeLeaseId, probeGen",
      ],
      [acquire, "e", 'acquire-slot event is "e"; allowed: a JSON object'],
      [release, { breaker: "served" }, ".slotId is missing"],
      [
        release,
        { breaker: "served", slotId: "e", probeGen: 1 },
        ".probeGen is not a field of this event",
        "breaker, settings, settingsParameter, slotId",
      ],
    ];
    for (const [handle, event, ...fragments] of cases) await rejectsWith(() => handle(event), "InvalidEventError", ...fragments);
    assert.equal((await acquire({ breaker: "served", slotId: "exécution-1" })).admitted, true, "execution names may be non-ASCII");
    assert.equal((await acquire({ breaker: "served", slotId: "exec-2" })).admitted, false, "only the one slot above is held");
    await release({ breaker: "served", slotId: "exécution-1" });
    assert.deepEqual(h.metrics.names(), []);
  });
});

describe("bulkhead handlers: store failures and the bulkhead off", () => {
  after(closeStores);

  for (const kind of STORE_KINDS) {
    for (const onStoreError of ["allow", "reject"] as const) {
      it(`${kind} down, onStoreError=${onStoreError}: ${onStoreError === "allow" ? "admitted without a slot" : "not admitted"}, StoreErrors; a release answers released: false`, async () => {
        const settings = settingsOf({ maxConcurrentCalls: 3, onStoreError });
        const h = harness(await downStore(kind), settings);
        const breaker = uniqueBreaker();
        const r = await acquireSlotDefinition.make(h.deps)({ breaker, slotId: "exec-1" });
        assert.deepEqual(r, {
          admitted: onStoreError === "allow",
          slotId: null,
          reason: "store error",
          limit: 3,
          leaseMs: bulkheadLeaseMs(settings),
        });
        const released = await releaseSlotDefinition.make(h.deps)({ breaker, slotId: "exec-1" });
        assert.deepEqual(released, { breaker, slotId: "exec-1", released: false });
        assert.deepEqual(h.metrics.totals(breaker), { [METRICS.storeErrors]: 2 });
        assert.deepEqual(
          h.log.entries.filter((e) => e.level === "error").map((e) => [e.attributes.operation, e.attributes.onStoreError]),
          [
            ["acquire-slot", onStoreError],
            ["release-slot", onStoreError],
          ],
        );
      });
    }
  }

  it("maxConcurrentCalls 0: admitted without a slot and without touching the store", async () => {
    const h = harness(await downStore("redis"), settingsOf({ maxConcurrentCalls: 0 }));
    const r = await acquireSlotDefinition.make(h.deps)({ breaker: "orders", slotId: "exec-1" });
    assert.deepEqual([r.admitted, r.slotId, r.reason, r.limit], [true, null, "bulkhead off", 0]);
    assert.deepEqual(h.metrics.names(), []);
    assert.deepEqual(h.log.entries, []);
  });
});

describe("bulkhead lease (bulkheadLeaseMs)", () => {
  it("covers every attempt of the target call timing out and every retry waiting its longest, plus 30 s for the report and the release", () => {
    // defaults: 3 attempts x 10 s, retries wait at most 1 s and 2 s
    assert.equal(bulkheadLeaseMs(settingsOf()), (3 * 10 + 1 + 2 + 30) * 1000);
    assert.equal(bulkheadLeaseMs(settingsOf({ retryAttempts: 0, timeoutSeconds: 1 })), 31_000);
    // retry delays 5, 7 (capped from 50), 7 (capped from 500)
    assert.equal(
      bulkheadLeaseMs(
        settingsOf({ timeoutSeconds: 2, retryAttempts: 3, retryIntervalSeconds: 5, retryBackoffRate: 10, retryMaxDelaySeconds: 7 }),
      ),
      (4 * 2 + 5 + 7 + 7 + 30) * 1000,
    );
    // fractional backoff: 1, 1.5
    assert.equal(
      bulkheadLeaseMs(settingsOf({ timeoutSeconds: 1, retryAttempts: 2, retryIntervalSeconds: 1, retryBackoffRate: 1.5 })),
      (3 + 1 + 1.5 + 30) * 1000,
    );
  });

  it("is never longer than an EXPRESS execution can live (5 minutes)", () => {
    assert.equal(EXPRESS_MAX_SECONDS, 300);
    assert.equal(bulkheadLeaseMs(settingsOf({ timeoutSeconds: 900, retryAttempts: 10 })), 300_000);
    assert.equal(
      bulkheadLeaseMs(settingsOf({ timeoutSeconds: 70, retryAttempts: 3, retryIntervalSeconds: 1 })),
      300_000,
      "280 + 7 + 30 s: capped",
    );
    assert.equal(
      bulkheadLeaseMs(settingsOf({ timeoutSeconds: 60, retryAttempts: 3, retryIntervalSeconds: 1 })),
      277_000,
      "240 + 7 + 30 s: under the cap",
    );
  });
});

describe("bulkhead Lambda entries", () => {
  it("acquire-slot and release-slot load with the default environment and validate their events before touching a store", async () => {
    for (const entry of ["acquire-slot", "release-slot"]) {
      const mod = (await import(`../../functions/handlers/${entry}`)) as { handler: (e: unknown) => Promise<unknown> };
      assert.equal(typeof mod.handler, "function", entry);
      await rejectsWith(() => mod.handler({ breaker: "orders" }), "InvalidEventError", `${entry} event`, ".slotId is missing");
    }
  });
});
