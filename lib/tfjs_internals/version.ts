/**
 * The one version gate for this folder. Everything in `lib/tfjs_internals/` drives private parts
 * of tfjs (the engine's tape, its backend registry, the wasm backend's heap and emscripten
 * bundle) that carry no compatibility promise, so each use first checks that the installed tfjs
 * is the release that code was written against.
 *
 * @module
 */
import { tf } from "../tf.ts";

/** The tfjs release whose internals `lib/tfjs_internals/` is written against. */
export const SUPPORTED_TFJS = "4.22.0";

/**
 * Why the installed tfjs does not match {@link SUPPORTED_TFJS}, or `null` when it does: tfjs-core,
 * and the backend packages in `packages` (name to version), which their users pass once they
 * have loaded them (importing a backend package registers it, so the core does not).
 *
 * @example
 * ```ts
 * import { version_wasm } from "@tensorflow/tfjs-backend-wasm";
 * import { tfjsMismatch } from "./version.ts";
 *
 * console.log(tfjsMismatch() ?? "tfjs-core's internals supported");
 * console.log(tfjsMismatch({ "tfjs-backend-wasm": version_wasm }) ?? "and the wasm backend's");
 * ```
 */
export function tfjsMismatch(packages: Readonly<Record<string, string>> = {}): string | null {
  const found = { "tfjs-core": tf.version_core, ...packages };
  const wrong = Object.entries(found).filter(([, v]) => v !== SUPPORTED_TFJS);
  if (wrong.length === 0) return null;
  return `byol-tfjs drives private internals of tfjs ${SUPPORTED_TFJS} (lib/tfjs_internals/: the ` +
    `engine's tape, the backend registry, the wasm heap and pthread bundle), but found ` +
    `${wrong.map(([name, v]) => `${name} ${v}`).join(" and ")}; pin @tensorflow/tfjs* to ` +
    `${SUPPORTED_TFJS} or port lib/tfjs_internals/ to the new release`;
}

/**
 * Throws {@link tfjsMismatch}'s message, naming `what` needed the internals, when the installed
 * tfjs-core or one of `packages` is not {@link SUPPORTED_TFJS}.
 *
 * @example
 * ```ts
 * import { requireSupportedTfjs } from "./version.ts";
 *
 * requireSupportedTfjs("my kernel");
 * ```
 */
export function requireSupportedTfjs(
  what: string,
  packages: Readonly<Record<string, string>> = {},
): void {
  const why = tfjsMismatch(packages);
  if (why !== null) throw new Error(`${what}: ${why}`);
}
