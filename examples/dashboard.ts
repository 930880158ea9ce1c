// Charts the runs in a folder, live while they train:
// `deno task dashboard [RUNS_DIR] [--port N] [--host ADDRESS]`.
import { dashboardMain } from "@byol/tfjs/train";

Deno.exit(await dashboardMain(Deno.args));
