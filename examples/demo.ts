// Serves a page that trains BYOL in the browser that opens it: `deno task demo [--port N]`
// (the task bundles the page script, models/byol/demo/app.ts, first).
import { demoMain } from "@byol/tfjs/train";

Deno.exit(await demoMain(Deno.args));
