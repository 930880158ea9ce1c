/**
 * Where the MNIST-style IDX datasets live and what their files are: names, published SHA-256
 * digests, download locations, class names and shapes. Plain data, used by `io/mnist.ts`.
 *
 * @module
 */

/** A dataset split. */
export type Split = "train" | "test";

/** One published file: its name (as downloaded, gzip) and SHA-256. */
export interface IdxFileSpec {
  /** The file name, e.g. `train-images-idx3-ubyte.gz`. */
  readonly name: string;
  /** The published SHA-256 of the gzip file, in lower-case hex. */
  readonly sha256: string;
}

/** Where an IDX dataset lives and what its files are. */
export interface IdxDatasetSpec {
  /** Display name, e.g. `Fashion-MNIST`. */
  readonly title: string;
  /** Directory name under the data root, e.g. `fashion-mnist`. */
  readonly name: string;
  /** Environment variable naming a directory with the files. */
  readonly envVar: string;
  /** Directories installed by system packages, tried after the data root. */
  readonly systemDirs: readonly string[];
  /** How to install the system package, for the final error (if there is one). */
  readonly installHint?: string;
  /** Download locations tried in order; each file name is appended. */
  readonly baseUrls: readonly string[];
  /** The name of each class, by label. */
  readonly classNames: readonly string[];
  /** The image and label files of each split. */
  readonly files: {
    readonly [S in Split]: { readonly images: IdxFileSpec; readonly labels: IdxFileSpec };
  };
  /** Expected `[count, height, width]` of each split's images. */
  readonly shapes: { readonly [S in Split]: readonly [number, number, number] };
}

// SHA-256s of the published gzip files, from TensorFlow Datasets:
// tensorflow_datasets/url_checksums/fashion_mnist.txt (files of 26421880, 29515, 4422102 and
// 5148 bytes). Debian's dataset-fashion-mnist ships the same compressed data in gzip headers
// without the original file name and timestamp (23-24 bytes shorter), so its files hash
// differently; putting those header fields back reproduces these digests exactly.
/**
 * Fashion-MNIST (Xiao et al. 2017): 28x28 grayscale clothing, 10 classes, 60k/10k images.
 *
 * @example
 * ```ts
 * import { data } from "@byol/tfjs";
 *
 * const { classNames, shapes, envVar } = data.FASHION_MNIST;
 * console.log(classNames[0], shapes.train); // T-shirt/top [60000, 28, 28]
 * console.log(Deno.env.get(envVar)); // the directory in $FASHION_MNIST_DIR, if set
 * ```
 */
export const FASHION_MNIST: IdxDatasetSpec = {
  title: "Fashion-MNIST",
  name: "fashion-mnist",
  envVar: "FASHION_MNIST_DIR",
  systemDirs: ["/usr/share/datasets/fashion-mnist"],
  installHint: "apt-get install dataset-fashion-mnist",
  baseUrls: ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
  classNames: [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
  ],
  files: {
    train: {
      images: {
        name: "train-images-idx3-ubyte.gz",
        sha256: "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
      },
      labels: {
        name: "train-labels-idx1-ubyte.gz",
        sha256: "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
      },
    },
    test: {
      images: {
        name: "t10k-images-idx3-ubyte.gz",
        sha256: "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
      },
      labels: {
        name: "t10k-labels-idx1-ubyte.gz",
        sha256: "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
      },
    },
  },
  shapes: { train: [60000, 28, 28], test: [10000, 28, 28] },
};

// SHA-256s from TensorFlow Datasets: tensorflow_datasets/url_checksums/mnist.txt, computed on
// the CVDF mirror (storage.googleapis.com/cvdf-datasets/mnist) of LeCun's original files.
/**
 * MNIST (LeCun et al. 1998): 28x28 grayscale digits, 10 classes, 60k/10k images.
 *
 * @example
 * ```ts
 * import { data } from "@byol/tfjs";
 *
 * const { name, sha256 } = data.MNIST.files.test.labels; // the published file and its digest
 * ```
 */
export const MNIST: IdxDatasetSpec = {
  title: "MNIST",
  name: "mnist",
  envVar: "MNIST_DIR",
  systemDirs: [],
  baseUrls: [
    "https://yann.lecun.com/exdb/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
  ],
  classNames: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
  files: {
    train: {
      images: {
        name: "train-images-idx3-ubyte.gz",
        sha256: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
      },
      labels: {
        name: "train-labels-idx1-ubyte.gz",
        sha256: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
      },
    },
    test: {
      images: {
        name: "t10k-images-idx3-ubyte.gz",
        sha256: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
      },
      labels: {
        name: "t10k-labels-idx1-ubyte.gz",
        sha256: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
      },
    },
  },
  shapes: { train: [60000, 28, 28], test: [10000, 28, 28] },
};
