/**
 * The one TensorFlow.js instance this framework runs on, as `tf`: the `@tensorflow/tfjs` module
 * object itself (every op, `tf.memory()`, `tf.dispose`, ...), and under the same name the
 * tfjs types this package's API names (`tf.Tensor`, `tf.Tensor4D`, `tf.Scalar`, ...).
 *
 * Why a typed value and a namespace of type aliases, not `export * as tf from
 * "@tensorflow/tfjs"`: tensors only mix within one copy of tfjs (two copies are two engines
 * and two `Tensor` classes), so users take `tf` from here rather than importing tfjs a second
 * time; and `deno doc --lint` documents a namespace re-export of an npm package as this
 * package's own code (about 1,000 undocumented tfjs symbols), and counts tfjs's types in this
 * package's signatures as unexported types. The import below is `@internal` so that deno doc
 * does not follow it into tfjs's declarations; the framework's files take `tf` from this
 * module so that the types in their signatures are the aliases below.
 *
 * A type not listed here is imported as a type from `@tensorflow/tfjs` of the same version:
 * types are erased, so that never loads a second copy.
 *
 * @example
 * ```ts
 * import { tf, useBackend } from "@byol/tfjs";
 *
 * await useBackend("auto");
 * const x: tf.Tensor2D = tf.ones([2, 3]);
 * const y = tf.tidy(() => tf.relu(tf.sub(x, 0.5)));
 * console.log(y.shape, tf.memory().numTensors);
 * tf.dispose([x, y]);
 * ```
 *
 * @module
 */

/** @internal tfjs documents its own declarations (see the module doc). */
import * as tfjs from "@tensorflow/tfjs";

/**
 * TensorFlow.js (`@tensorflow/tfjs` 4.22), the instance this framework's tensors belong to.
 * Its API: https://js.tensorflow.org/api/4.22.0/.
 *
 * @example
 * ```ts
 * import { random, tf, useBackend } from "@byol/tfjs";
 *
 * await useBackend("auto");
 * const x = random.normal(random.key(0), [4, 3]);
 * const y: tf.Tensor = tf.tidy(() => tf.softmax(tf.matMul(x, tf.ones([3, 2]))));
 * console.log(await y.array(), tf.getBackend());
 * tf.dispose([x, y]);
 * ```
 */
export const tf: typeof tfjs = tfjs;

/** The tfjs types this package's API names, as `tf.Tensor4D` and so on. */
export declare namespace tf {
  /** A tensor of rank `R` (any rank by default). */
  export type Tensor<R extends Rank = Rank> = tfjs.Tensor<R>;
  /** A rank-0 tensor. */
  export type Scalar = tfjs.Scalar;
  /** A rank-1 tensor. */
  export type Tensor1D = tfjs.Tensor1D;
  /** A rank-2 tensor. */
  export type Tensor2D = tfjs.Tensor2D;
  /** A rank-3 tensor. */
  export type Tensor3D = tfjs.Tensor3D;
  /** A rank-4 tensor, e.g. a batch of images `[batch, height, width, channels]`. */
  export type Tensor4D = tfjs.Tensor4D;
  /** A tensor's rank, as tfjs's `Rank` enum (`"R0"` ... `"R6"`). */
  export type Rank = tfjs.Rank;
  /** The ranks one by one, for type arguments such as `tf.reshape<tf.Rank.R4>`. */
  export namespace Rank {
    /** Rank 0. */
    export type R0 = tfjs.Rank.R0;
    /** Rank 1. */
    export type R1 = tfjs.Rank.R1;
    /** Rank 2. */
    export type R2 = tfjs.Rank.R2;
    /** Rank 3. */
    export type R3 = tfjs.Rank.R3;
    /** Rank 4. */
    export type R4 = tfjs.Rank.R4;
    /** Rank 5. */
    export type R5 = tfjs.Rank.R5;
    /** Rank 6. */
    export type R6 = tfjs.Rank.R6;
  }
  /** A tensor's element type: `"float32"`, `"int32"`, `"bool"`, `"complex64"` or `"string"`. */
  export type DataType = tfjs.DataType;
  /** A mutable tensor (tfjs's optimizers' parameters). */
  export type Variable<R extends Rank = Rank> = tfjs.Variable<R>;
  /** What `tf.tensor` accepts: typed arrays, nested number arrays, ... */
  export type TensorLike = tfjs.TensorLike;
  /** What `tf.dispose` and `tf.tidy` walk: tensors in nested arrays and objects. */
  export type TensorContainer = tfjs.TensorContainer;
  /** Tensors by name. */
  export type NamedTensorMap = tfjs.NamedTensorMap;
  /** A kernel's view of a tensor: its data id, shape and dtype. */
  export type TensorInfo = tfjs.TensorInfo;
  /** A kernel's inputs by name. */
  export type NamedTensorInfoMap = tfjs.NamedTensorInfoMap;
  /** A kernel's attributes by name. */
  export type NamedAttrMap = tfjs.NamedAttrMap;
  /** A backend (wasm, WebGPU, cpu) that kernels run on. */
  export type KernelBackend = tfjs.KernelBackend;
  /** A kernel's implementation: inputs, backend and attributes in, tensor infos out. */
  export type KernelFunc = tfjs.KernelFunc;
  /** A kernel's registration: its name, backend and function. */
  export type KernelConfig = tfjs.KernelConfig;
  /** Saves tensors for a custom gradient (`tf.customGrad`). */
  export type GradSaveFunc = tfjs.GradSaveFunc;
  /** The types of tfjs's helpers for backends that the kernels here use. */
  export namespace backend_util {
    /** Padding per side of each NHWC dimension: `[[top, bottom], [left, right]]` and so on. */
    export type ExplicitPadding = tfjs.backend_util.ExplicitPadding;
  }
}
