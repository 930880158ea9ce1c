/**
 * Multi-layer perceptrons, e.g. BYOL's projector and predictor
 * (`linear → batch norm → relu → linear`).
 *
 * @module
 */
import * as nn from "../lib/nn/mod.ts";

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

/** Parameters of an {@link mlp}: `fc0`, `bn0`, …, and `out`. */
export type MlpParams = {
  readonly out: nn.LinearParams;
  readonly [layer: string]: nn.LinearParams | nn.BatchNormParams | null;
};

/** State of an {@link mlp}: the batch norms' running statistics under `bn0`, `bn1`, …. */
export type MlpState = { readonly [layer: string]: nn.BatchNormState | null };

/**
 * A multi-layer perceptron on `[batch, features]` inputs: for each hidden width a linear layer
 * `fc{i}`, then (with `batchNorm`) `bn{i}`, then the activation `act{i}`; finally the linear
 * layer `out`. Without batch norm, a `relu` activation is fused into its linear layer (same
 * results, no `act{i}` entry). Parameter paths read `fc0/w`, `bn0/scale`, `out/b`.
 *
 * @example
 * ```ts
 * const projector = mlp({ hidden: [4096], out: 256, batchNorm: true }); // BYOL's projector
 * const { params, state } = projector.init(random.key(0), [2048]);
 * const { y } = projector.apply(params, state, features, { training: true });
 * ```
 */
export function mlp(
  { hidden, out, activation = nn.relu, batchNorm = false }: MlpOptions,
): nn.Layer<MlpParams, MlpState> {
  const fuseRelu = activation === nn.relu && !batchNorm;
  const layers: Record<string, nn.Layer> = {};
  hidden.forEach((units, i) => {
    if (fuseRelu) {
      layers[`fc${i}`] = nn.linear({ units, activation: "relu" });
      return;
    }
    layers[`fc${i}`] = nn.linear({ units });
    if (batchNorm) layers[`bn${i}`] = nn.batchNorm();
    layers[`act${i}`] = activation;
  });
  layers.out = nn.linear({ units: out });
  return nn.sequential(layers) as nn.Layer as nn.Layer<MlpParams, MlpState>;
}
