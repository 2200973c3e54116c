// One behaviour suite, run against every StateStore (DynamoDB Local, redis-server) through BreakerService.
// Time is an injected clock (a mutable `now` near the real time, so real store expiries stay in the future).

import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { BreakerRecord, expiresAtSeconds, newRecord, Outcome, planCount } from "../../core/breaker";
import { BreakerService, OutcomeReport } from "../../functions/breaker/service";
import { BreakerSettings, loadSettings } from "../../core/settings";
import { StateStore, StoreError } from "../../core/state-store";
import { ServerControl } from "./servers";

export interface StoreHarness {
  /** A store on the shared server of this mocha process. */
  open(): Promise<StateStore>;
  /** A private server (kill/restart on the same port, data kept) and a store on it. */
  openPrivate(): Promise<{ store: StateStore; server: ServerControl }>;
}

let seq = 0;
/** A breaker name no other test uses (all tests share one table / one server). */
export function uniqueBreaker(label: string): string {
  return `${label}-${process.pid}-${++seq}-${randomUUID().slice(0, 8)}`;
}

const FAIL: Outcome = { kind: "failure", error: "Boom" };
const OK: Outcome = { kind: "success" };

export interface Bench {
  name: string;
  settings: BreakerSettings;
  clock: { now: number };
  svc: BreakerService;
  fail(gen?: number, leaseId?: string): Promise<OutcomeReport>;
  succeed(gen?: number, leaseId?: string): Promise<OutcomeReport>;
  record(): Promise<BreakerRecord>;
  /** Fails until the breaker trips (at most failureThreshold times; the consecutive or window rule). */
  trip(): Promise<BreakerRecord>;
  /** OPEN -> past its open period. */
  elapseOpen(): Promise<void>;
}

export function bench(store: StateStore, label: string, overrides: Partial<BreakerSettings> = {}): Bench {
  const settings = loadSettings(overrides);
  // Whole seconds, so window buckets start where the test expects them.
  const clock = { now: Math.ceil(Date.now() / 1000) * 1000 };
  const svc = new BreakerService(store, () => clock.now);
  const name = uniqueBreaker(label);
  const b: Bench = {
    name,
    settings,
    clock,
    svc,
    fail: (gen = 0, leaseId) => svc.recordOutcome(name, settings, gen, FAIL, leaseId),
    succeed: (gen = 0, leaseId) => svc.recordOutcome(name, settings, gen, OK, leaseId),
    record: async () => {
      const r = await store.get(name);
      assert.ok(r, `breaker ${name} has a record`);
      return r;
    },
    trip: async () => {
      const r = await store.get(name);
      const gen = r?.gen ?? 0;
      let last: OutcomeReport | null = null;
      for (let i = 0; i < settings.failureThreshold && last?.result !== "tripped"; i++) last = await b.fail(gen);
      assert.equal(last?.result, "tripped");
      return b.record();
    },
    elapseOpen: async () => {
      const r = await b.record();
      assert.equal(r.state, "OPEN");
      clock.now = r.openUntil! + 1;
    },
  };
  return b;
}

function count<T>(xs: T[], pred: (x: T) => boolean): number {
  return xs.filter(pred).length;
}

export function describeStoreContract(storeName: string, harness: StoreHarness): void {
  describe(`${storeName} store: breaker behaviour`, function () {
    let store: StateStore;
    before(async () => {
      store = await harness.open();
    });
    after(async () => {
      await store?.close();
    });

    describe("counting in CLOSED", () => {
      it("counts a new breaker's first failure (no record yet)", async () => {
        const b = bench(store, "first");
        assert.equal(await store.get(b.name), null);
        const r = await b.fail();
        assert.equal(r.result, "counted");
        const rec = await b.record();
        assert.equal(rec.state, "CLOSED");
        assert.equal(rec.gen, 0);
        assert.deepEqual(rec.counters, { cf: 1 });
        assert.equal(rec.recordSuccess, true);
      });

      it("consecutive: trips exactly at the threshold; a success resets the run", async () => {
        const b = bench(store, "consecutive", { tripRule: "consecutive", failureThreshold: 3 });
        assert.equal((await b.fail()).result, "counted");
        assert.equal((await b.fail()).result, "counted");
        assert.equal((await b.succeed()).result, "counted");
        assert.equal((await b.record()).counters.cf, 0);
        assert.equal((await b.fail()).result, "counted");
        assert.equal((await b.fail()).result, "counted");
        assert.equal((await b.record()).state, "CLOSED");
        const third = await b.fail();
        assert.equal(third.result, "tripped");
        assert.deepEqual(
          { from: third.transition?.from, to: third.transition?.to, gen: third.transition?.gen },
          { from: "CLOSED", to: "OPEN", gen: 1 },
        );
        const rec = await b.record();
        assert.equal(rec.state, "OPEN");
        assert.equal(rec.openUntil, b.clock.now + b.settings.openDurationSeconds * 1000);
        assert.deepEqual(rec.counters, {});
      });

      it("consecutive: a success with nothing to reset writes nothing", async () => {
        const b = bench(store, "noop-success", { tripRule: "consecutive" });
        assert.equal((await b.succeed()).result, "unchanged");
        assert.equal(await store.get(b.name), null);
      });

      it("window: trips at N failures within T; older failures slide out", async () => {
        const b = bench(store, "window", { tripRule: "window", failureThreshold: 3, windowSeconds: 10 });
        const start = b.clock.now;
        assert.equal((await b.fail()).result, "counted"); // bucket 0
        b.clock.now = start + 1_000;
        assert.equal((await b.fail()).result, "counted"); // bucket 1
        b.clock.now = start + 10_500; // bucket 0 has slid out of the 10 s window
        assert.equal((await b.fail()).result, "counted");
        const rec = await b.record();
        assert.equal(rec.state, "CLOSED");
        assert.equal(
          Object.values(rec.counters).reduce((a, v) => a + v, 0),
          2,
          "the slid-out bucket was removed",
        );
        assert.equal((await b.fail()).result, "tripped");
      });

      it("rate: needs minimumCalls before judging the ratio", async () => {
        const b = bench(store, "rate-min", { tripRule: "rate", failureRateThreshold: 0.5, minimumCalls: 4, windowSeconds: 10 });
        for (let i = 0; i < 3; i++) assert.equal((await b.fail()).result, "counted");
        assert.equal((await b.record()).state, "CLOSED");
        assert.equal((await b.fail()).result, "tripped");
      });

      it("rate: trips exactly when the failure ratio reaches the threshold", async () => {
        const b = bench(store, "rate", { tripRule: "rate", failureRateThreshold: 0.5, minimumCalls: 4, windowSeconds: 10 });
        for (let i = 0; i < 3; i++) assert.equal((await b.succeed()).result, "counted");
        assert.equal((await b.fail()).result, "counted"); // 1/4
        assert.equal((await b.fail()).result, "counted"); // 2/5
        assert.equal((await b.fail()).result, "tripped"); // 3/6 = 0.5
      });

      it("rate: calls slide out of the window", async () => {
        const b = bench(store, "rate-slide", { tripRule: "rate", failureRateThreshold: 0.5, minimumCalls: 4, windowSeconds: 10 });
        for (let i = 0; i < 3; i++) await b.fail();
        b.clock.now += 11_000; // the three failures are out of the window
        assert.equal((await b.succeed()).result, "counted"); // would trip (3/4) if they still counted
        await b.succeed();
        await b.succeed();
        assert.equal((await b.fail()).result, "counted"); // 1/4
        assert.equal((await b.record()).state, "CLOSED");
      });

      it("slow successes count as failures", async () => {
        const b = bench(store, "slow", { tripRule: "consecutive", failureThreshold: 2, slowCallDurationMs: 100 });
        const call = (durationMs: number) => b.svc.recordOutcome(b.name, b.settings, 0, { kind: "success", durationMs });
        const fast = await call(50);
        assert.equal(fast.classified, "success");
        const slow = await call(500);
        assert.deepEqual([slow.classified, slow.result], ["slow", "counted"]);
        const slow2 = await call(101);
        assert.deepEqual([slow2.classified, slow2.result], ["slow", "tripped"]);
      });

      it("ignored errors do not count and write nothing", async () => {
        const b = bench(store, "ignored", { tripRule: "consecutive", failureThreshold: 1, ignoredErrors: ["ClientError"] });
        const r = await b.svc.recordOutcome(b.name, b.settings, 0, { kind: "failure", error: "ClientError" });
        assert.deepEqual([r.classified, r.result, r.state], ["ignored", "ignored", "CLOSED"]);
        assert.equal(await store.get(b.name), null);
        assert.equal((await b.fail()).result, "tripped");
      });
    });

    describe("under concurrency", () => {
      for (const rule of ["consecutive", "window", "rate"] as const) {
        it(`100 concurrent failures across the threshold produce exactly one OPEN transition (${rule})`, async () => {
          const b = bench(store, `race-${rule}`, { tripRule: rule, failureThreshold: 5, minimumCalls: 5, failureRateThreshold: 0.5 });
          const reports = await Promise.all(Array.from({ length: 100 }, () => b.fail(0)));
          const transitions = reports.filter((r) => r.transition !== null);
          assert.equal(transitions.length, 1, `transitions: ${JSON.stringify(transitions)}`);
          assert.deepEqual([transitions[0].transition!.from, transitions[0].transition!.to], ["CLOSED", "OPEN"]);
          assert.equal(
            count(reports, (r) => r.result === "tripped"),
            1,
          );
          const rec = await b.record();
          assert.deepEqual([rec.state, rec.gen, rec.history.length], ["OPEN", 1, 1]);
        });
      }

      for (const probes of [1, 3]) {
        it(`50 concurrent probe attempts admit exactly ${probes}`, async () => {
          const b = bench(store, `probes-${probes}`, { failureThreshold: 1, halfOpenProbes: probes });
          await b.trip();
          await b.elapseOpen();
          const grants = await Promise.all(Array.from({ length: 50 }, (_, i) => b.svc.acquireProbe(b.name, b.settings, `lease-${i}`)));
          assert.equal(
            count(grants, (g) => g.grant.admitted),
            probes,
          );
          assert.equal(
            count(grants, (g) => g.transition !== null),
            1,
            "one OPEN -> HALF_OPEN transition",
          );
          const rec = await b.record();
          assert.equal(rec.state, "HALF_OPEN");
          assert.deepEqual(
            Object.keys(rec.leases).sort(),
            grants
              .filter((g) => g.grant.admitted)
              .map((g) => g.grant.leaseId!)
              .sort(),
          );
        });
      }
    });

    describe("OPEN and HALF_OPEN", () => {
      it("an expired OPEN record that TTL has not deleted yet reads as due for a probe", async () => {
        const b = bench(store, "expired-open", { failureThreshold: 1, idleTtlSeconds: 60 });
        const opened = await b.trip();
        assert.equal((await b.svc.decide(b.name, b.settings)).route, "reject");
        // Past the open period and past the record's own expiry: the item is still there (TTL is lazy).
        b.clock.now = expiresAtSeconds(opened, b.settings)! * 1000 + 60_000;
        const rec = await b.record();
        assert.equal(rec.state, "OPEN");
        const d = await b.svc.decide(b.name, b.settings);
        assert.deepEqual([d.route, d.state], ["probe", "OPEN"]);
        const g = await b.svc.acquireProbe(b.name, b.settings, "late");
        assert.equal(g.grant.admitted, true);
        assert.equal(g.transition?.to, "HALF_OPEN");
      });

      it("a probe whose lease expires lets the next caller probe; its late report is ignored", async () => {
        const b = bench(store, "lease", { failureThreshold: 1, halfOpenProbes: 1, probeLeaseSeconds: 5 });
        await b.trip();
        await b.elapseOpen();
        const a = await b.svc.acquireProbe(b.name, b.settings, "a");
        assert.equal(a.grant.admitted, true);
        const blocked = await b.svc.acquireProbe(b.name, b.settings, "b");
        assert.deepEqual([blocked.grant.admitted, blocked.grant.reason], [false, "all probe slots taken"]);
        b.clock.now += 5_001;
        const c = await b.svc.acquireProbe(b.name, b.settings, "c");
        assert.equal(c.grant.admitted, true);
        assert.equal(c.transition, null);
        assert.equal((await b.succeed(a.grant.gen, "a")).result, "stale");
        const closed = await b.succeed(c.grant.gen, "c");
        assert.equal(closed.result, "closed");
        assert.deepEqual([closed.transition?.from, closed.transition?.to], ["HALF_OPEN", "CLOSED"]);
      });

      it("HALF_OPEN closes after exactly P probe successes", async () => {
        const b = bench(store, "close-after-p", { failureThreshold: 1, halfOpenProbes: 3 });
        await b.trip();
        await b.elapseOpen();
        const grants = [];
        for (const id of ["p1", "p2", "p3", "p4"]) grants.push((await b.svc.acquireProbe(b.name, b.settings, id)).grant);
        assert.deepEqual(
          grants.map((g) => g.admitted),
          [true, true, true, false],
        );
        const gen = grants[0].gen;
        assert.equal((await b.succeed(gen, "p1")).result, "counted");
        assert.equal((await b.succeed(gen, "p2")).result, "counted");
        assert.equal((await b.record()).state, "HALF_OPEN");
        const last = await b.succeed(gen, "p3");
        assert.equal(last.result, "closed");
        const rec = await b.record();
        assert.deepEqual([rec.state, rec.reopens, rec.leases], ["CLOSED", 0, {}]);
      });

      it("open duration: multiplied on each re-open, capped, back to base after closing", async () => {
        const b = bench(store, "backoff", {
          failureThreshold: 1,
          openDurationSeconds: 10,
          openDurationMultiplier: 2,
          maxOpenDurationSeconds: 25,
        });
        const first = await b.trip();
        assert.equal(first.openUntil! - b.clock.now, 10_000);
        const expected = [20_000, 25_000, 25_000];
        for (const ms of expected) {
          await b.elapseOpen();
          const g = await b.svc.acquireProbe(b.name, b.settings, `probe-${ms}`);
          const r = await b.fail(g.grant.gen, g.grant.leaseId!);
          assert.equal(r.result, "reopened");
          assert.deepEqual([r.transition?.from, r.transition?.to], ["HALF_OPEN", "OPEN"]);
          assert.equal((await b.record()).openUntil! - b.clock.now, ms);
        }
        await b.elapseOpen();
        const g = await b.svc.acquireProbe(b.name, b.settings, "healthy");
        assert.equal((await b.succeed(g.grant.gen, "healthy")).result, "closed");
        const again = await b.trip();
        assert.equal(again.openUntil! - b.clock.now, 10_000);
      });

      it("ignores an outcome from an older generation", async () => {
        const b = bench(store, "stale", { failureThreshold: 1 });
        await b.trip(); // gen 1
        await b.elapseOpen();
        const g = await b.svc.acquireProbe(b.name, b.settings, "p"); // gen 2
        await b.succeed(g.grant.gen, "p"); // CLOSED gen 3
        const before = await b.record();
        assert.deepEqual([before.state, before.gen], ["CLOSED", 3]);
        const r = await b.fail(0);
        assert.equal(r.result, "stale");
        assert.equal(r.transition, null);
        const after = await b.record();
        assert.deepEqual(after, before);
        // The store itself refuses a count for another generation.
        const plan = planCount({ ...before, gen: 1 }, "failure", b.clock.now, b.settings)!;
        assert.equal(await store.applyCount(b.name, plan, b.clock.now, b.settings), null);
        assert.deepEqual(await b.record(), before);
      });

      it("a count never creates a record for a generation other than 0", async () => {
        const b = bench(store, "no-create");
        const plan = planCount({ ...newRecord(b.clock.now), gen: 4 }, "failure", b.clock.now, b.settings)!;
        assert.equal(await store.applyCount(b.name, plan, b.clock.now, b.settings), null);
        assert.equal(await store.get(b.name), null);
      });
    });

    describe("manual overrides", () => {
      it("FORCED_OPEN rejects everything and ignores outcomes until closed", async () => {
        const b = bench(store, "forced");
        await b.fail();
        const o = await b.svc.override(b.name, b.settings, "open", "ops", "maintenance");
        assert.deepEqual([o.state, o.transition?.to], ["FORCED_OPEN", "FORCED_OPEN"]);
        assert.equal((await b.svc.decide(b.name, b.settings)).route, "reject");
        b.clock.now += 10 * 86_400_000;
        assert.equal((await b.svc.decide(b.name, b.settings)).route, "reject", "no open period runs out");
        assert.equal((await b.svc.acquireProbe(b.name, b.settings, "x")).grant.admitted, false);
        assert.equal((await b.fail(0)).result, "stale");
        const rec = await b.record();
        assert.deepEqual(rec.override, { by: "ops", at: b.clock.now - 10 * 86_400_000, reason: "maintenance" });
        const c = await b.svc.override(b.name, b.settings, "close", "ops");
        assert.deepEqual([c.state, c.transition?.from], ["CLOSED", "FORCED_OPEN"]);
        assert.equal((await b.record()).override, null);
      });

      it("DISABLED lets everything through and records nothing until enabled", async () => {
        const b = bench(store, "disabled", { failureThreshold: 1 });
        await b.svc.override(b.name, b.settings, "disable", "ops");
        const d = await b.svc.decide(b.name, b.settings);
        assert.deepEqual([d.route, d.state], ["passthrough", "DISABLED"]);
        const before = await b.record();
        assert.equal((await b.fail(before.gen)).result, "stale");
        assert.deepEqual(await b.record(), before);
        const e = await b.svc.override(b.name, b.settings, "enable", "ops");
        assert.equal(e.state, "CLOSED");
        assert.equal((await b.fail(e.transition!.gen)).result, "tripped");
      });
    });

    describe("store primitives", () => {
      it("compareAndSet writes only on the expected version", async () => {
        const name = uniqueBreaker("cas");
        const s = loadSettings({});
        const rec = newRecord(Date.now());
        assert.equal(await store.compareAndSet(name, null, rec, s), true);
        assert.equal(await store.compareAndSet(name, null, rec, s), false);
        assert.equal((await store.get(name))!.ver, 1);
        assert.equal(await store.compareAndSet(name, 0, rec, s), false);
        assert.equal(await store.compareAndSet(name, 1, { ...rec, reopens: 2 }, s), true);
        const got = await store.get(name);
        assert.deepEqual([got!.ver, got!.reopens], [2, 2]);
      });

      it("round-trips every field of a record", async () => {
        const name = uniqueBreaker("roundtrip");
        const s = loadSettings({});
        const now = Date.now();
        const rec: BreakerRecord = {
          state: "HALF_OPEN",
          gen: 7,
          ver: 0,
          openUntil: null,
          probeAt: null,
          reopens: 3,
          counters: {},
          leases: { "lease:1": now + 5000, "exec-Ω": now + 6000 },
          probeSuccesses: 1,
          override: null,
          recordSuccess: true,
          successBucket: null,
          updatedAt: now,
          history: [{ from: "OPEN", to: "HALF_OPEN", at: now, gen: 7, reason: "open period elapsed" }],
        };
        assert.equal(await store.compareAndSet(name, null, rec, s), true);
        assert.deepEqual(await store.get(name), { ...rec, ver: 1 });
        const forced: BreakerRecord = {
          ...rec,
          state: "FORCED_OPEN",
          leases: {},
          override: { by: "me", at: now, reason: 'why "quoted"' },
          ver: 1,
        };
        assert.equal(await store.compareAndSet(name, 1, forced, s), true);
        assert.deepEqual(await store.get(name), { ...forced, ver: 2 });
      });

      it("bulkhead: holds at most `limit` unexpired slots; release and expiry free them", async () => {
        const name = uniqueBreaker("bulkhead");
        const now = Date.now();
        assert.equal(await store.acquireSlot(name, "a", 2, 10_000, now), true);
        assert.equal(await store.acquireSlot(name, "b", 2, 10_000, now), true);
        assert.equal(await store.acquireSlot(name, "c", 2, 10_000, now), false);
        assert.equal(await store.acquireSlot(name, "a", 2, 10_000, now + 1), true, "a holder renews its own slot");
        await store.releaseSlot(name, "a");
        await store.releaseSlot(name, "a"); // no-op
        assert.equal(await store.acquireSlot(name, "c", 2, 10_000, now + 2), true);
        assert.equal(await store.acquireSlot(name, "d", 2, 10_000, now + 3), false);
        assert.equal(await store.acquireSlot(name, "d", 2, 10_000, now + 10_001), true, "b's lease expired");
        await store.releaseSlot(uniqueBreaker("none"), "x"); // no bulkhead at all: no-op
        assert.equal(await store.get(name), null, "the bulkhead does not create a breaker record");
      });

      it("bulkhead: 20 concurrent acquisitions with limit 5 take exactly 5 slots", async () => {
        const name = uniqueBreaker("bulkhead-race");
        const now = Date.now();
        const got = await Promise.all(Array.from({ length: 20 }, (_, i) => store.acquireSlot(name, `s${i}`, 5, 10_000, now)));
        assert.equal(
          count(got, (x) => x),
          5,
        );
      });

      it("bulkhead under churn: 200 callers acquiring, holding and releasing; never more than the limit, never a store error", async () => {
        const name = uniqueBreaker("bulkhead-churn");
        const limit = 5;
        let held = 0;
        let most = 0;
        let admitted = 0;
        // Open the client's connections first, so what is measured is contention on the item, not how fast a
        // loaded machine accepts new sockets.
        await Promise.all(Array.from({ length: 40 }, () => store.get(name)));
        const caller = async (i: number) => {
          // Arrivals spread over about 1.2 s, each holding its slot about 5 ms: the item is written constantly
          // (the spread keeps the requests in flight within one client's sockets; contention is on the item).
          await new Promise((r) => setTimeout(r, 6 * i));
          if (!(await store.acquireSlot(name, `c${i}`, limit, 10_000, Date.now()))) return;
          admitted += 1;
          most = Math.max(most, ++held);
          await new Promise((r) => setTimeout(r, 5));
          held -= 1;
          await store.releaseSlot(name, `c${i}`);
        };
        await Promise.all(Array.from({ length: 200 }, (_, i) => caller(i)));
        assert.ok(most <= limit, `at most ${limit} held at once (saw ${most})`);
        assert.ok(admitted >= limit, `slots were taken and given back (${admitted} admitted)`);
        assert.equal(await store.acquireSlot(name, "after", 1, 10_000, Date.now()), true, "every slot was released");
      });
    });

    describe("store outage", () => {
      let priv: { store: StateStore; server: ServerControl };
      before(async () => {
        priv = await harness.openPrivate();
      });
      after(async () => {
        await priv?.store.close();
        await priv?.server.stop();
      });

      it("fails with a StoreError while the store is down, and works again when it is back", async () => {
        const b = bench(priv.store, "outage", { failureThreshold: 5 });
        assert.equal((await b.fail()).result, "counted");
        await priv.server.kill();
        await assert.rejects(b.fail(), StoreError);
        await assert.rejects(priv.store.get(b.name), (e: Error) => e instanceof StoreError && e.message.includes(b.name));
        await assert.rejects(priv.store.acquireSlot(b.name, "s", 1, 1000, b.clock.now), StoreError);
        await priv.server.restart();
        // The client reconnects on its own; allow it a few tries (bounded), then it must work.
        let back: BreakerRecord | null = null;
        for (let i = 0; i < 50 && back === null; i++) {
          back = await priv.store.get(b.name).catch(() => new Promise<null>((r) => setTimeout(() => r(null), 200)));
        }
        assert.ok(back, "the store answers again after the restart");
        assert.equal((await b.fail()).result, "counted");
        assert.equal((await b.record()).counters.cf, 2, "the count from before the outage is kept");
      });
    });
  });
}
