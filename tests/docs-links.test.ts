// The docs hold together: every relative link and #anchor in README.md and docs/*.md resolves to a file in the
// repository and, for an anchor, to a heading there (GitHub's slugs), and the README stays a one-page read.

import { strict as assert } from "node:assert";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(__dirname, "..");
const README_MAX_LINES = 200;

/** The Markdown files whose links are checked: README.md and every .md under docs/. */
function docFiles(): string[] {
  const out = [join(ROOT, "README.md")];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith(".md")) out.push(join(dir, e.name));
    }
  };
  if (existsSync(join(ROOT, "docs"))) walk(join(ROOT, "docs"));
  return out;
}

/** The lines outside fenced code blocks, with inline code spans blanked: links shown as code are not links. */
function proseLines(markdown: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let fence: string | null = null;
  markdown.split("\n").forEach((text, i) => {
    const f = /^\s*(`{3,}|~{3,})/.exec(text);
    if (f) {
      if (fence === null) fence = f[1][0];
      else if (f[1][0] === fence) fence = null;
      return;
    }
    if (fence === null) out.push({ line: i + 1, text: text.replace(/(`+)[^`]*?\1/g, (m) => " ".repeat(m.length)) });
  });
  return out;
}

/** GitHub's heading slug: lower case, punctuation and symbols dropped, spaces to hyphens; repeats get -1, -2, … */
export function headingSlugs(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const slugs = new Set<string>();
  let fence: string | null = null;
  for (const line of markdown.split("\n")) {
    const f = /^\s*(`{3,}|~{3,})/.exec(line);
    if (f) {
      if (fence === null) fence = f[1][0];
      else if (f[1][0] === fence) fence = null;
      continue;
    }
    const h = fence === null ? /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line) : null;
    if (!h) continue;
    const text = h[1]
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/[`*]/g, "")
      .toLowerCase();
    const base = text.replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "").replace(/ /g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    slugs.add(n === 0 ? base : `${base}-${n}`);
  }
  return slugs;
}

/** Every inline link or image target and every reference definition in the prose, with its line. */
export function linkTargets(markdown: string): { line: number; target: string }[] {
  const out: { line: number; target: string }[] = [];
  for (const { line, text } of proseLines(markdown)) {
    for (const m of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ line, target: m[1] });
    const def = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/.exec(text);
    if (def) out.push({ line, target: def[1] });
  }
  return out;
}

/** The links of one file that do not resolve, as `file:line target (why)`. */
export function brokenLinks(file: string, markdown: string, root = ROOT): string[] {
  const broken: string[] = [];
  const where = relative(root, file);
  for (const { line, target } of linkTargets(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto: — not ours to check here
    const hash = target.indexOf("#");
    const pathPart = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
    const anchor = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
    const resolved = pathPart === "" ? file : pathPart.startsWith("/") ? join(root, pathPart) : resolve(dirname(file), pathPart);
    const fail = (why: string) => broken.push(`${where}:${line} ${target} (${why})`);
    if (relative(root, resolved).startsWith("..")) {
      fail("points outside the repository");
      continue;
    }
    if (resolved !== file && !existsSync(resolved)) {
      fail("no such file");
      continue;
    }
    if (anchor === null || anchor === "") continue;
    if (resolved !== file && (statSync(resolved).isDirectory() || !resolved.endsWith(".md"))) {
      fail("an anchor into something that is not a Markdown file");
      continue;
    }
    const text = resolved === file ? markdown : readFileSync(resolved, "utf8");
    if (!headingSlugs(text).has(anchor.toLowerCase())) fail(`no heading with the anchor #${anchor} in ${relative(root, resolved)}`);
  }
  return broken;
}

describe("docs: links in README.md and docs/", function () {
  it("finds a missing file, a missing anchor and a link out of the repository, and ignores code and URLs", () => {
    const file = join(ROOT, "docs", "example.md");
    const md = [
      "# Example page",
      "## Run it: `npm start`",
      "[ok](../README.md) [self](#example-page) [code heading](#run-it-npm-start) [web](https://example.com/x.md)",
      "[gone](missing.md) [bad anchor](../README.md#no-such-heading) [out](../../elsewhere.md)",
      "`[in code](nowhere.md)`",
      "```",
      "[in a fence](nowhere.md)",
      "```",
      "[ref]: ./also-missing.md",
    ].join("\n");
    assert.deepEqual(brokenLinks(file, md), [
      "docs/example.md:4 missing.md (no such file)",
      "docs/example.md:4 ../README.md#no-such-heading (no heading with the anchor #no-such-heading in README.md)",
      "docs/example.md:4 ../../elsewhere.md (points outside the repository)",
      "docs/example.md:9 ./also-missing.md (no such file)",
    ]);
  });

  it("slugs headings as GitHub does, numbering repeats", () => {
    const slugs = headingSlugs("# A: b → c\n## Benchmarks: `npm run bench`\n## Same\n## Same\n```\n# not a heading\n```");
    assert.deepEqual([...slugs], ["a-b--c", "benchmarks-npm-run-bench", "same", "same-1"]);
  });

  for (const file of docFiles()) {
    it(`every relative link and anchor in ${relative(ROOT, file)} resolves`, () => {
      const markdown = readFileSync(file, "utf8");
      assert.deepEqual(brokenLinks(file, markdown), []);
    });

    it(`${relative(ROOT, file)} has one title: a single level-1 heading, first`, () => {
      const titles = proseLines(readFileSync(file, "utf8")).filter((l) => /^#\s/.test(l.text));
      assert.deepEqual(
        titles.map((l) => l.line),
        [1],
        `level-1 headings at lines ${titles.map((l) => l.line).join(", ")}`,
      );
    });
  }

  it("README.md's links are found (the parser does not miss them)", () => {
    const targets = linkTargets(readFileSync(join(ROOT, "README.md"), "utf8")).map((l) => l.target);
    for (const expected of ["docs/local-runtime.md", "docs/images/report.png", "docs/operations.md#runbook", "policy/README.md"]) {
      assert.ok(targets.includes(expected), `README.md links to ${expected}`);
    }
  });

  it(`README.md is at most ${README_MAX_LINES} lines: a newcomer's page, with the rest in docs/`, () => {
    const lines = readFileSync(join(ROOT, "README.md"), "utf8").trimEnd().split("\n").length;
    assert.ok(lines <= README_MAX_LINES, `README.md has ${lines} lines`);
  });
});
