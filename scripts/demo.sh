#!/usr/bin/env bash
# README command 1: set up the machine, build the WebAssembly app, assemble
# build/wasm/dist (page + modules + models) and serve it on 127.0.0.1.
#   bash scripts/demo.sh            (PORT=8080 by default; PORT=0 picks a free one)
# Idempotent: a second run rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export NODE_PATH=/usr/share/nodejs   # emscripten's optimiser needs Debian's acorn
cmake --preset wasm >/dev/null
cmake --build --preset wasm --target dist
# The threaded module, loaded when the page is cross-origin isolated (serve.mjs makes it so).
cmake --preset wasm-mt >/dev/null
cmake --build --preset wasm-mt
echo "demo: models in build/wasm/dist/models: $(ls build/wasm/dist/models | tr '\n' ' ')"
exec node web/serve.mjs build/wasm/dist --port "${PORT:-8080}"
