#!/usr/bin/env bash
# Prepares bench/device/build/, what a GPU machine needs to run the BYOL step bench on WebGPU
# (bench/device/run.sh): the bench bundled into one JavaScript file, this machine's deno binary
# compressed with xz, and the Vulkan loader (libvulkan.so.1) for a machine that lacks one. The
# GPU's own Vulkan driver is not carried: NVIDIA's is on the device machine. Prints the size of
# the folder and of everything that travels with it, and fails when that is over the device
# tool's 64 MiB.
#
# Usage: bench/device/prepare.sh   (from anywhere; needs deno, xz, ldconfig and git)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build="$root/bench/device/build"
limit=$((64 * 1024 * 1024))
cd "$root"

for tool in deno xz ldconfig git sha256sum; do
  command -v "$tool" >/dev/null || { echo "prepare.sh: $tool is needed and not on PATH" >&2; exit 1; }
done
mkdir -p "$build/lib"

# 1. The bench and everything it imports (npm packages included) as one file; only node:
# built-ins stay imports, which deno provides.
deno bundle --quiet --platform=deno --output "$build/byol_step.js" bench/byol_step.ts

# 2. deno itself, compressed (about 96 MB -> 30 MB; xz -9 takes a minute or two on 2 cores, so it
# is redone only when the binary changed).
deno_bin=$(readlink -f "$(command -v deno)")
deno_sum=$(sha256sum "$deno_bin" | cut -d' ' -f1)
if [[ ! -f "$build/deno.xz" || "$(cat "$build/deno.sha256" 2>/dev/null)" != "$deno_sum" ]]; then
  xz -T0 -9 -c "$deno_bin" >"$build/deno.xz.partial"
  mv "$build/deno.xz.partial" "$build/deno.xz"
  echo "$deno_sum" >"$build/deno.sha256"
fi

# 3. The Vulkan loader that deno's WebGPU opens; run.sh uses it only where the machine has none.
loader=$(ldconfig -p | awk '/libvulkan\.so\.1 .*x86-64/ { print $NF; exit }')
if [[ -z "$loader" ]]; then
  echo "prepare.sh: no libvulkan.so.1 here (apt-get install libvulkan1)" >&2
  exit 1
fi
cp -L "$loader" "$build/lib/libvulkan.so.1"

{
  echo "commit: $(git rev-parse HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "deno: $(deno --version | head -1)"
  echo "libvulkan.so.1: $(readlink -f "$loader")"
} >"$build/MANIFEST"

carried=$(du -sb "$build" | cut -f1)
# What travels besides: tracked files and untracked files git does not ignore.
tree_bytes=$(git ls-files -z --cached --others --exclude-standard |
  xargs -0 -r stat -c %s 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
total=$((carried + tree_bytes))
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo "bench/device/build: $(mib "$carried") ($(cd "$build" && du -b byol_step.js deno.xz lib/libvulkan.so.1 | awk '{ printf "%s%s %.1f MiB", sep, $2, $1 / 1048576; sep = ", " }'))"
echo "working tree: $(mib "$tree_bytes"); total that travels: $(mib "$total") of 64 MiB"
if ((total > limit)); then
  echo "prepare.sh: over the device tool's 64 MiB limit" >&2
  exit 1
fi
echo "ready: call the device tool's run with command 'bash bench/device/run.sh' and carry [\"bench/device/build\"]"
