/**
 * Multi-layer perceptrons, e.g. BYOL's projector and predictor
 * (`linear → batch norm → relu → linear`).
 *
 * @module
 */
import { nn } from "../mod.ts";

/** Options for {@link mlp}. */
export interface MlpOptions {
  /** Widths of the hidden layers, in order (may be empty for a single linear layer). */
  readonly hidden: readonly number[];
  /** Width of the output layer (no activation after it). */
  readonly out: number;
  /** Activation after each hidden layer (default `nn.relu`). */
  readonly activation?: nn.StatelessLayer;
  /** Batch norm between each hidden linear layer and its activation (default `false`). */
  readonly batchNorm?: boolean;
}

/** Parameters of an {@link mlp}: `fc0`, `bn0` (with batch norm), `act0`, …, and `out`. */
export type MlpParams = {
  readonly [fc: `fc${number}`]: nn.LinearParams;
  readonly [bn: `bn${number}`]: nn.BatchNormParams;
  readonly [act: `act${number}`]: null;
  readonly out: nn.LinearParams;
};

/** State of an {@link mlp}: the batch norms' running statistics under `bn0`, `bn1`, …. */
export type MlpState = {
  readonly [fc: `fc${number}`]: null;
  readonly [bn: `bn${number}`]: nn.BatchNormState;
  readonly [act: `act${number}`]: null;
  readonly out: null;
};

/**
 * A multi-layer perceptron on `[batch, features]` inputs: for each hidden width a linear layer
 * `fc{i}`, then (with `batchNorm`) `bn{i}`, then the activation `act{i}`; finally the linear
 * layer `out`. Without batch norm, a `relu` activation is fused into its linear layer (same
 * results, no `act{i}` entry). Parameter paths read `fc0/w`, `bn0/scale`, `out/b`.
 *
 * @example
 * ```ts
 * import { random, tree } from "@byol/tfjs";
 * import { mlp } from "@byol/tfjs/models";
 *
 * const projector = mlp({ hidden: [4096], out: 256, batchNorm: true }); // BYOL's projector
 * const { params, state } = projector.init(random.key(0), [2048]);
 * const features = random.normal(random.key(1), [8, 2048]);
 * const { y, state: next } = projector.apply(params, state, features, { training: true });
 * console.log(params.bn0.scale.shape, params.out.w.shape); // [4096] [4096, 256]
 * tree.dispose(params, state, features, y, next);
 * ```
 */
export function mlp(
  { hidden, out, activation = nn.relu, batchNorm = false }: MlpOptions,
): nn.Layer<MlpParams, MlpState> {
  const fuseRelu = activation === nn.relu && !batchNorm;
  const hiddenLayers: {
    [fc: `fc${number}`]: nn.Layer<nn.LinearParams, null>;
    [bn: `bn${number}`]: nn.Layer<nn.BatchNormParams, nn.BatchNormState>;
    [act: `act${number}`]: nn.StatelessLayer;
  } = {};
  hidden.forEach((units, i) => {
    if (fuseRelu) {
      hiddenLayers[`fc${i}`] = nn.linear({ units, activation: "relu" });
      return;
    }
    hiddenLayers[`fc${i}`] = nn.linear({ units });
    if (batchNorm) hiddenLayers[`bn${i}`] = nn.batchNorm();
    hiddenLayers[`act${i}`] = activation;
  });
  return nn.sequential({ ...hiddenLayers, out: nn.linear({ units: out }) });
}
