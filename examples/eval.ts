// Evaluates a saved BYOL encoder: `deno task eval <run folder | checkpoint file> [--baselines]`.
import { evalMain } from "../models/byol/train/mod.ts";

Deno.exit(await evalMain(Deno.args));
