/**
 * What made a run, for its `config.json`: the command line, the git commit of the package's
 * checkout, and the versions of Deno, tfjs and this package. Never fails: what cannot be found
 * (no checkout, no permission to read it) is `null`. Needs Deno.
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { tf } from "../../../mod.ts";
import type { Provenance } from "./config.ts";

/** The package's root folder (where its deno.json is), when it is on this machine's disk. */
const ROOT = new URL("../../../", import.meta.url);

const granted = (descriptor: Deno.PermissionDescriptor) =>
  Deno.permissions.querySync(descriptor).state === "granted";

const readText = (path: string) => Deno.readTextFile(path).catch(() => null);

/** The commit `HEAD` names in git folder `gitDir` (a loose or a packed ref, or detached). */
async function headCommit(gitDir: string): Promise<string | null> {
  const head = (await readText(join(gitDir, "HEAD")))?.trim() ?? "";
  if (/^[0-9a-f]{40,64}$/.test(head)) return head;
  const ref = /^ref: (\S+)$/.exec(head)?.[1];
  if (ref === undefined) return null;
  // A worktree keeps its refs in the main checkout's git folder.
  const common = await readText(join(gitDir, "commondir"));
  for (const dir of new Set([gitDir, common ? resolve(gitDir, common.trim()) : gitDir])) {
    const loose = (await readText(join(dir, ref)))?.trim();
    if (loose) return loose;
    const packed = (await readText(join(dir, "packed-refs")))?.split("\n")
      .find((line) => line.endsWith(` ${ref}`));
    if (packed) return packed.split(" ")[0];
  }
  return null;
}

/**
 * The commit of the git checkout holding `dir`: `git rev-parse HEAD` where running git is
 * allowed, else read from the `.git` folder (the training task may read but not run programs);
 * `null` outside a checkout or without permission.
 */
async function gitCommit(dir: string): Promise<string | null> {
  try {
    if (granted({ name: "run", command: "git" })) {
      const out = await new Deno.Command("git", {
        args: ["rev-parse", "HEAD"],
        cwd: dir,
        stdout: "piped",
        stderr: "null",
      }).output();
      const commit = new TextDecoder().decode(out.stdout).trim();
      return out.success && /^[0-9a-f]{40,64}$/.test(commit) ? commit : null;
    }
    if (!granted({ name: "read", path: dir })) return null;
    for (let d = dir;; d = dirname(d)) {
      const dotGit = join(d, ".git");
      const info = await Deno.stat(dotGit).catch(() => null);
      if (info?.isFile) {
        const link = /^gitdir:\s*(.+)$/m.exec(await Deno.readTextFile(dotGit))?.[1];
        return link ? await headCommit(resolve(d, link.trim())) : null;
      }
      if (info?.isDirectory) return await headCommit(dotGit);
      if (dirname(d) === d) return null;
    }
  } catch {
    return null;
  }
}

/** This package's version from its deno.json, or `null` when that is out of reach. */
async function packageVersion(dir: string): Promise<string | null> {
  try {
    const path = join(dir, "deno.json");
    if (!granted({ name: "read", path })) return null;
    const version = JSON.parse(await Deno.readTextFile(path)).version;
    return typeof version === "string" ? version : null;
  } catch {
    return null;
  }
}

/**
 * The provenance of a run started now: `args` as the command line gave them (with the program,
 * `Deno.mainModule`; `null` for a run started from code), the git commit of the package's
 * checkout and the versions of Deno, tfjs and the package (`null` where not found).
 *
 * @example
 * ```ts
 * import { runProvenance } from "./provenance.ts";
 *
 * const { gitCommit, versions } = await runProvenance(["--epochs", "1"]);
 * console.log(gitCommit, versions.deno, versions.tfjs, versions.package);
 * ```
 */
export async function runProvenance(args: readonly string[] | undefined): Promise<Provenance> {
  const dir = ROOT.protocol === "file:" ? fileURLToPath(ROOT) : null;
  return {
    command: args === undefined ? null : { main: Deno.mainModule, args: [...args] },
    gitCommit: dir === null ? null : await gitCommit(dir),
    versions: {
      deno: Deno.version.deno,
      tfjs: tf.version_core,
      package: dir === null ? null : await packageVersion(dir),
    },
  };
}
