// A run's weights for PyTorch: `deno task export <run folder | checkpoint file> [--part P] [--format F]`.
import { exportMain } from "@byol/tfjs/train";

Deno.exit(await exportMain(Deno.args));
