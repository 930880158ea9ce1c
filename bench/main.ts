/**
 * `deno task bench`: every benchmark, one after another, each comparing side by side in one run;
 * results as JSON under bench/results/. Pass names to run some: `deno task bench byol_step`.
 * Arguments after `--` go to the BYOL step bench (e.g. `-- --pairs 7`).
 *
 * @module
 */
import { run as augment } from "./augment.ts";
import { run as byolStep } from "./byol_step.ts";
import { run as convGrad } from "./conv_grad.ts";
import { run as stepPhases } from "./step_phases.ts";

const dash = Deno.args.indexOf("--");
const names = dash === -1 ? Deno.args : Deno.args.slice(0, dash);
const stepArgs = dash === -1 ? [] : Deno.args.slice(dash + 1);
const benches: Record<string, () => Promise<Record<string, unknown>>> = {
  conv_grad: convGrad,
  augment,
  byol_step: () => byolStep(stepArgs),
  step_phases: () => stepPhases(),
};
const unknown = names.filter((n) => !(n in benches));
if (unknown.length > 0) {
  console.error(
    `unknown bench ${unknown.join(", ")}; expected some of ${Object.keys(benches).join(", ")}`,
  );
  Deno.exit(2);
}
const dir = new URL("./results/", import.meta.url);
await Deno.mkdir(dir, { recursive: true });
for (const name of names.length > 0 ? names : Object.keys(benches)) {
  console.log(`\n=== ${name} ===`);
  const figures = { bench: name, date: new Date().toISOString(), ...(await benches[name]()) };
  const file = new URL(`${name}.json`, dir);
  await Deno.writeTextFile(file, JSON.stringify(figures, null, 2) + "\n");
  console.log(`wrote ${file.pathname}`);
}
