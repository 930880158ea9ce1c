#!/usr/bin/env bash
# Runs the BYOL step bench on WebGPU on a GPU machine, from what bench/device/prepare.sh put in
# bench/device/build/ (carried to the machine): unpacks deno, finds a Vulkan loader and driver,
# and times the step. Writes into $OUT:
#   byol_step_webgpu.json  the bench's figures (bench/byol_step.ts --out), with the adapter
#   log.txt                everything the bench printed
#   env.txt                the machine: GPU, Vulkan loader and driver files, deno version
# It times the three configurations of bench/byol_step.ts (default preset at batch 64 and 256,
# ResNet-18 small stem width 0.5 at batch 256), 10 steps each after 3 warm-up steps, without the
# sweeps. Extra arguments go to the bench after these defaults (a later flag wins), e.g.
#   bash bench/device/run.sh --steps 3 --configs preset-b64
# It refuses figures from a software adapter (lavapipe/llvmpipe) unless BYOL_DEVICE_ALLOW_SOFTWARE=1,
# which a check on a machine without a GPU sets.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build="$root/bench/device/build"
: "${OUT:?run.sh: set OUT to the folder the figures go to (the device tool sets it)}"
for f in byol_step.js deno.xz lib/libvulkan.so.1; do
  [[ -f "$build/$f" ]] || {
    echo "run.sh: $build/$f is missing: run bench/device/prepare.sh first and carry bench/device/build" >&2
    exit 1
  }
done
mkdir -p "$OUT"

work=$(mktemp -d /tmp/byol-device.XXXXXX)
trap 'rm -rf "$work"' EXIT
deno="$work/deno"
if command -v xz >/dev/null; then
  xz -dc "$build/deno.xz" >"$deno"
else
  python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' \
    "$build/deno.xz" "$deno"
fi
chmod +x "$deno"

export XDG_RUNTIME_DIR="$work/xdg" DENO_DIR="$work/deno-dir" NO_COLOR=1
mkdir -p -m 700 "$XDG_RUNTIME_DIR"
# The machine's own Vulkan loader if it has one, else the carried one; NVIDIA's driver libraries
# and ICD file from the driver's mount when the loader would not find them by itself.
if ! ldconfig -p | grep 'libvulkan\.so\.1 ' >/dev/null; then
  export LD_LIBRARY_PATH="$build/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
for dir in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
  [[ -d "$dir" ]] && export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$dir"
done
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [[ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" && -f "$icd" ]] &&
  ! ls /usr/share/vulkan/icd.d/nvidia* /etc/vulkan/icd.d/nvidia* >/dev/null 2>&1; then
  export VK_DRIVER_FILES="$icd" VK_ICD_FILENAMES="$icd"
fi

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "deno: $("$deno" --version | head -1)"
  cat "$build/MANIFEST"
  echo "nvidia-smi: $(command -v nvidia-smi >/dev/null && nvidia-smi -L 2>&1 || echo none)"
  echo "system libvulkan: $(ldconfig -p | grep 'libvulkan\.so\.1 ' || echo none)"
  echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
  echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-}"
  echo "ICD files: $(ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d 2>/dev/null | tr '\n' ' ')"
} >"$OUT/env.txt" 2>&1
cat "$OUT/env.txt"

json="$OUT/byol_step_webgpu.json"
# The bench ends by printing its figures as JSON, which are in $json: the log leaves them out.
"$deno" run -A --no-config --no-lock "$build/byol_step.js" \
  --backends webgpu --no-pytorch --no-sweep --steps 10 --warmup 3 --out "$json" "$@" 2>&1 |
  { grep --line-buffered -v '^[]{}[ "]' || true; } | tee "$OUT/log.txt"

adapter=$("$deno" eval --no-config \
  'const { adapter: a } = JSON.parse(Deno.readTextFileSync(Deno.args[0])); console.log(`${a?.description} (software: ${a?.software})`);' \
  "$json")
echo "adapter: $adapter" | tee -a "$OUT/log.txt"
if [[ "$adapter" == *"software: true"* && "${BYOL_DEVICE_ALLOW_SOFTWARE:-}" != 1 ]]; then
  echo "run.sh: the WebGPU adapter is a software one: these are not GPU figures" | tee -a "$OUT/log.txt" >&2
  exit 1
fi
