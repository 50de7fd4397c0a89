#!/usr/bin/env bash
# The WebGPU backend on a real GPU (bench/gpu/run.mjs): the parity table with
# every tap, kernel and forward timings, written to test-results/gpu-bench.json.
#
#   bash scripts/gpu_bench.sh [run.mjs args]   on a machine with a GPU and this repo set up
#                                              (scripts/setup.sh): installs Dawn's node binding
#                                              into bench/gpu/node_modules, builds the wasm
#                                              preset's headless module, runs.
#   bash scripts/gpu_bench.sh --pack DIR       packs what a GPU machine WITHOUT node needs into
#                                              DIR (node itself, Dawn's binding for linux-x64,
#                                              the headless module, the Vulkan loader's .deb
#                                              files); DIR/device.sh then runs there from the
#                                              repo root:  bash DIR/device.sh OUTDIR [args]
# Dawn finds the GPU through Vulkan: libvulkan.so.1 and the vendor's driver
# (its ICD file). Without them it reports no adapter and the run says so.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export NODE_PATH=/usr/share/nodejs  # Debian's emscripten (docs/toolchain.md)

install_dawn() {
  [ -f bench/gpu/node_modules/webgpu/index.js ] && return
  echo "gpu_bench: npm ci in bench/gpu (Dawn's node binding, 51 MB)"
  npm ci --prefix bench/gpu --no-audit --no-fund --loglevel=error
}

build_headless() {
  [ -d build/wasm ] || cmake --preset wasm >/dev/null
  cmake --build --preset wasm --target sinkscope_headless
}

if [ "${1:-}" = "--pack" ]; then
  DIR=${2:?usage: --pack DIR}
  install_dawn
  build_headless
  rm -rf "$DIR" && mkdir -p "$DIR/webgpu/dist/linux-x64" "$DIR/headless" "$DIR/debs"
  echo "gpu_bench: packing node $(node --version) (xz)"
  xz -T2 -6 -c "$(command -v node)" > "$DIR/node.xz"
  cp bench/gpu/node_modules/webgpu/index.js bench/gpu/node_modules/webgpu/package.json "$DIR/webgpu/"
  xz -T2 -6 -c bench/gpu/node_modules/webgpu/dist/linux-x64/dawn.node > "$DIR/webgpu/dist/linux-x64/dawn.node.xz"
  cp build/wasm/sinkscope_headless.js build/wasm/sinkscope_headless.wasm "$DIR/headless/"
  # The Vulkan loader (and libglvnd, which NVIDIA's driver needs), as .deb
  # files of this machine's Debian, unpacked there with dpkg -x.
  (cd "$DIR/debs" && apt-get download libvulkan1 libglvnd0 libglx0 libgl1 libegl1 libopengl0 libgles2 2>&1 | grep -v unsandboxed || true)
  cat > "$DIR/device.sh" <<'EOS'
#!/usr/bin/env bash
# Runs bench/gpu/run.mjs on a GPU machine without node (made by
# scripts/gpu_bench.sh --pack). From the repo root: bash PACK/device.sh OUTDIR [run.mjs args]
set -uo pipefail
PACK=$(cd "$(dirname "$0")" && pwd)
OUTDIR=${1:?usage: device.sh OUTDIR [args]}; shift
mkdir -p "$OUTDIR" /tmp/ssgpu/bin
for f in "$PACK"/debs/*.deb; do dpkg -x "$f" /tmp/ssgpu/root; done
export LD_LIBRARY_PATH=/tmp/ssgpu/root/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
# NVIDIA's Vulkan driver file, where the container runtime mounts it.
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
           /etc/vulkan/icd.d/nvidia_icd.json; do
  [ -f "$icd" ] && export VK_DRIVER_FILES=$icd && break
done
xz -dc "$PACK/node.xz" > /tmp/ssgpu/bin/node && chmod +x /tmp/ssgpu/bin/node
mkdir -p /tmp/ssgpu/webgpu/dist/linux-x64
cp "$PACK"/webgpu/index.js "$PACK"/webgpu/package.json /tmp/ssgpu/webgpu/
xz -dc "$PACK/webgpu/dist/linux-x64/dawn.node.xz" > /tmp/ssgpu/webgpu/dist/linux-x64/dawn.node
echo "node $(/tmp/ssgpu/bin/node --version), VK_DRIVER_FILES=${VK_DRIVER_FILES:-none}"
SINKSCOPE_WEBGPU=/tmp/ssgpu/webgpu/index.js SINKSCOPE_WASM_BUILD="$PACK/headless" \
  /tmp/ssgpu/bin/node bench/gpu/run.mjs --out "$OUTDIR/gpu-bench.json" "$@"
EOS
  du -sh "$DIR"
  echo "gpu_bench: on the GPU machine, from the repo root: bash $DIR/device.sh OUTDIR"
  exit 0
fi

install_dawn
build_headless
node bench/gpu/run.mjs "$@"
