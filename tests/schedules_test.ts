import assert from "node:assert/strict";
import { constant, cosineDecay, join, linear, warmupCosine } from "../lib/schedules.ts";
import type { Schedule } from "../lib/schedules.ts";

function assertAt(schedule: Schedule, expected: Record<number, number>, what: string) {
  for (const [step, value] of Object.entries(expected)) {
    const got = schedule(Number(step));
    assert.ok(
      Math.abs(got - value) < 1e-12,
      `${what} at step ${step}: got ${got}, expected ${value}`,
    );
  }
}

Deno.test("constant is its value at every step", () => {
  assertAt(constant(0.3), { 0: 0.3, 1: 0.3, 1e6: 0.3 }, "constant");
});

Deno.test("linear goes from init to end over steps and stays there", () => {
  const lr = linear({ init: 1, end: 0.2, steps: 4 });
  assertAt(lr, { [-3]: 1, 0: 1, 1: 0.8, 2: 0.6, 4: 0.2, 5: 0.2, 100: 0.2 }, "linear");
  assertAt(linear({ init: 0, end: 3, steps: 3 }), { 0: 0, 1: 1, 3: 3, 9: 3 }, "increasing");
});

Deno.test("cosineDecay: init at 0, halfway at steps/2, alpha * init from steps on", () => {
  assertAt(cosineDecay({ init: 2, steps: 10 }), { 0: 2, 5: 1, 10: 0, 20: 0 }, "alpha 0");
  const withFloor = cosineDecay({ init: 2, steps: 10, alpha: 0.25 });
  const quarter = 0.5 * (1 + Math.cos(Math.PI / 4));
  assertAt(withFloor, { 0: 2, 5: 1.25, 10: 0.5, 11: 0.5 }, "alpha 0.25");
  assertAt(withFloor, { 2.5: 2 * (0.75 * quarter + 0.25) }, "alpha 0.25, quarter way");
});

Deno.test("warmupCosine: linear to peak at warmupSteps, cosine to end at totalSteps", () => {
  const lr = warmupCosine({ peak: 1, warmupSteps: 4, totalSteps: 14, init: 0.2, end: 0.1 });
  assertAt(lr, { 0: 0.2, 2: 0.6, 4: 1, 9: 0.55, 14: 0.1, 30: 0.1 }, "warmupCosine");
  const noWarmup = warmupCosine({ peak: 1, warmupSteps: 0, totalSteps: 10 });
  assertAt(noWarmup, { 0: 1, 5: 0.5, 10: 0 }, "no warmup");
});

Deno.test("join: each later schedule sees step - boundary", () => {
  const lr = join([constant(5), linear({ init: 1, end: 0, steps: 10 }), constant(7)], [3, 8]);
  assertAt(lr, { 0: 5, 2: 5, 3: 1, 4: 0.9, 7: 0.6, 8: 7, 100: 7 }, "join");
  assertAt(join([constant(1)], []), { 0: 1, 9: 1 }, "one schedule");
});

Deno.test("bad options get errors that name the option and the expected range", () => {
  assert.throws(() => linear({ init: 1, end: 0, steps: 0 }), {
    message: "linear: steps must be an integer >= 1, got 0",
  });
  assert.throws(() => cosineDecay({ init: 1, steps: 10, alpha: 2 }), {
    message: "cosineDecay: alpha must be in [0, 1], got 2",
  });
  assert.throws(() => warmupCosine({ peak: 1, warmupSteps: 10, totalSteps: 10 }), {
    message: "warmupCosine: totalSteps must be an integer >= 11, got 10",
  });
  assert.throws(() => constant(NaN), {
    message: "constant: value must be a finite number, got NaN",
  });
  assert.throws(() => join([constant(1), constant(2)], []), {
    message: "join: needs 1 boundaries for 2 schedules, got 0",
  });
  assert.throws(() => join([constant(1), constant(2), constant(3)], [5, 5]), {
    message: "join: boundaries[1] must be an integer >= 6, got 5",
  });
  assert.throws(() => linear({ init: 1, end: 0, steps: 3 })(NaN), {
    message: "linear schedule: step must be a number, got NaN",
  });
});
