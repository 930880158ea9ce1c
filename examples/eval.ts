// Evaluates a saved BYOL encoder: `deno task eval <run folder | checkpoint file> [--baselines]`.
import { evalMain } from "@byol/tfjs/train";

Deno.exit(await evalMain(Deno.args));
