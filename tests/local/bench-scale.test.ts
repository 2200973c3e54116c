// The scale section's verdicts: resources per breaker count the CircuitBreaker component as well, on the largest
// increment between the table's rows; the synthesis target is the 100-breaker row's time.
import { strict as assert } from "node:assert";
import { scaleChecks, scaleMarkdown, ScaleRow, withScaleSection } from "../../bench/scale";

const row = (breakers: number, resources: number, awsResources: number, roles: number, seconds: number): ScaleRow => ({
  breakers,
  resources,
  awsResources,
  roles,
  seconds,
});

describe("bench: scale table", () => {
  it("passes 14 resources (13 AWS and the component) and 1 role per breaker, 100 breakers in 20 s", () => {
    const rows = [row(1, 51, 43, 8, 4.7), row(10, 177, 160, 17, 5.9), row(100, 1438, 1331, 107, 20.4)];
    assert.deepEqual(
      scaleChecks(rows).map((c) => [c.pass, c.measured]),
      [
        [true, "14.0 (13.0 AWS resources)"],
        [true, "1.0"],
        [true, "20.4 s"],
      ],
    );
    assert.match(scaleMarkdown(rows), /\| 100 \| 1438 \| 1331 \| 107 \| 14\.0 \| 13\.0 \| 1\.0 \| 20\.4 s \|/);
  });

  it("fails 16 resources per breaker even when only 15 are AWS resources, more than 2 roles, and a slow or missing 100-breaker run", () => {
    const rows = [row(1, 49, 42, 8, 5), row(10, 193, 177, 35, 6.5), row(100, 1634, 1528, 215, 31)];
    assert.deepEqual(
      scaleChecks(rows).map((c) => c.pass),
      [false, false, false],
    );
    assert.equal(scaleChecks(rows.slice(0, 2))[2].measured, "not measured");
  });

  it("replaces only the Scale section of BENCHMARKS.md", () => {
    const text = "# B\n\n## Results\n\nr\n\n## Scale\n\nold\n\n## After\n\na\n";
    assert.equal(withScaleSection(text, "## Scale\n\nnew\n"), "# B\n\n## Results\n\nr\n\n## Scale\n\nnew\n\n## After\n\na\n");
  });
});
