// BYOL end to end: `deno task train --help` lists the flags. Everything lives in models/byol/train/.
import { trainMain } from "@byol/tfjs/train";

Deno.exit(await trainMain(Deno.args));
