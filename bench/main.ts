/**
 * `deno task bench`: every benchmark, one after another, each comparing side by side in one run;
 * results as JSON under bench/results/. Pass names to run some: `deno task bench byol_step`.
 * Arguments after `--` go to the BYOL step bench (e.g. `-- --pairs 7`), or to the quality bench,
 * which runs only when named (three full trainings).
 *
 * @module
 */
import { parseArgs } from "node:util";

/** Each bench, loaded only when it runs (so `--help` and usage errors answer at once). */
const BENCHES: Record<string, (args: string[]) => Promise<Record<string, unknown>>> = {
  conv_grad: async () => (await import("./conv_grad.ts")).run(),
  augment: async () => (await import("./augment.ts")).run(),
  byol_step: async (args) => (await import("./byol_step.ts")).run(args),
  step_phases: async () => (await import("./step_phases.ts")).run(),
  profile: async () => (await import("./profile.ts")).run(),
  quality: async (args) => (await import("./quality.ts")).run(args),
};

/** Benches that run only when named: they take hours. */
const ON_REQUEST = ["quality"];

/** Benches that take the arguments after `--`. */
const TAKE_ARGS = ["byol_step", "quality"];

const USAGE = `Usage: deno task bench [NAME...] [-- FLAGS...]

Runs the benchmarks side by side with PyTorch (python3, when installed) and writes each one's
figures to bench/results/NAME.json. With no NAME, runs them all but ${ON_REQUEST.join(", ")}, in
this order:
  ${Object.keys(BENCHES).filter((n) => !ON_REQUEST.includes(n)).join(", ")}
quality runs only when named: deno task train --seeds 3 (three full trainings of the default
preset, hours on 2 cores) and its table of mean ± sample std over the seeds.

Arguments after -- go to the one named bench of ${TAKE_ARGS.join(" or ")}: byol_step's flags are
in bench/byol_step.ts, quality's are deno task train's (--seeds 3 unless given), e.g.
  deno task bench byol_step -- --pairs 7
  deno task bench quality -- --limit 2048 --epochs 1

Options:
  -h, --help  Print this text and exit.`;

/** Exit code of a usage error (as most CLIs). */
const USAGE_ERROR = 2;

function usageError(problem: string): never {
  console.error(`deno task bench: ${problem}\nRun deno task bench --help for the usage.`);
  Deno.exit(USAGE_ERROR);
}

const dash = Deno.args.indexOf("--");
let parsed;
try {
  parsed = parseArgs({
    args: dash === -1 ? Deno.args : Deno.args.slice(0, dash),
    options: { help: { type: "boolean", short: "h" } },
    allowPositionals: true,
  });
} catch (err) {
  // parseArgs' first sentence names the problem; the rest is advice about positionals.
  usageError(`${(err as Error).message.split(". ")[0]} (flags for byol_step go after --)`);
}
if (parsed.values.help) {
  console.log(USAGE);
  Deno.exit(0);
}
const names = parsed.positionals;
const unknown = names.filter((n) => !(n in BENCHES));
if (unknown.length > 0) {
  usageError(
    `unknown bench ${unknown.join(", ")}; expected some of ${Object.keys(BENCHES).join(", ")}`,
  );
}
const benchArgs = dash === -1 ? [] : Deno.args.slice(dash + 1);
const takers = (names.length > 0 ? names : ["byol_step"]).filter((n) => TAKE_ARGS.includes(n));
if (benchArgs.length > 0 && takers.length !== 1) {
  usageError(`arguments after -- go to one bench of ${TAKE_ARGS.join(" or ")}; name just one`);
}
const dir = new URL("./results/", import.meta.url);
await Deno.mkdir(dir, { recursive: true });
const chosen = names.length > 0
  ? names
  : Object.keys(BENCHES).filter((n) => !ON_REQUEST.includes(n));
for (const name of chosen) {
  console.log(`\n=== ${name} ===`);
  const figures = {
    bench: name,
    date: new Date().toISOString(),
    ...(await BENCHES[name](name === takers[0] ? benchArgs : [])),
  };
  const file = new URL(`${name}.json`, dir);
  await Deno.writeTextFile(file, JSON.stringify(figures, null, 2) + "\n");
  console.log(`wrote ${file.pathname}`);
}
