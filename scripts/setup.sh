#!/usr/bin/env bash
# Sets up a fresh Debian bookworm machine (as root) for sinkscope: apt packages,
# Dear ImGui 1.86 sources, utf8proc sources (for wasm), npm packages.
# Idempotent: every step skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

APT_PKGS=(
  cmake ninja-build g++ clang lld libclang-rt-14-dev pkg-config
  emscripten
  libglfw3-dev libgl-dev libeigen3-dev catch2 nlohmann-json3-dev
  libutf8proc-dev libstb-dev fonts-dejavu-core
  chromium xvfb x11-apps imagemagick xdotool
  nodejs dpkg-dev
  python3-onnx python3-numpy   # training/export_onnx.py: ONNX exports at build time (cmake/onnx.cmake)
)

need=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
# deb-src entries: Dear ImGui and utf8proc come as Debian sources. They are
# derived from the machine's own deb entries (whatever mirror it uses): deb822
# files (*.sources) get a Types: deb-src copy, one-line lists a deb-src line
# per deb line.
if ! grep -rqsE "^(deb-src|Types:.*deb-src)" /etc/apt/sources.list /etc/apt/sources.list.d/ ; then
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    sed 's/^Types: deb$/Types: deb-src/' "$f" > "/etc/apt/sources.list.d/sinkscope-src-$(basename "$f")"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    grep -E '^deb ' "$f" | sed 's/^deb /deb-src /' >> /etc/apt/sources.list.d/sinkscope-src.list || true
  done
  if ! grep -rqsE "^(deb-src|Types:.*deb-src)" /etc/apt/sources.list /etc/apt/sources.list.d/ ; then
    echo "setup: no apt source entries to derive deb-src from (needed for apt-get source imgui utf8proc)" >&2
    exit 1
  fi
  APT_UPDATE=1
fi
if [ ${#need[@]} -gt 0 ] || [ -n "${APT_UPDATE:-}" ]; then
  echo "setup: apt-get update"
  apt-get update -qq || apt-get update
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

mkdir -p third_party
# Dear ImGui 1.86 (MIT) from Debian's source package.
if [ ! -f third_party/imgui/imgui.cpp ]; then
  echo "setup: apt-get source imgui"
  tmp=$(mktemp -d); (cd "$tmp" && apt-get source -qq --download-only imgui >/dev/null && dpkg-source -x --no-check imgui_*.dsc src >/dev/null)
  rm -rf third_party/imgui && mv "$tmp/src" third_party/imgui && rm -rf "$tmp"
fi
# utf8proc (MIT) sources, compiled into the wasm build.
if [ ! -f third_party/utf8proc/utf8proc.c ]; then
  echo "setup: apt-get source utf8proc"
  tmp=$(mktemp -d); (cd "$tmp" && apt-get source -qq --download-only utf8proc >/dev/null && dpkg-source -x --no-check utf8proc_*.dsc src >/dev/null)
  rm -rf third_party/utf8proc && mv "$tmp/src" third_party/utf8proc && rm -rf "$tmp"
fi

# npm packages (playwright-core, onnxruntime-web, onnxruntime-node, ...) from the
# committed lock file. ONNXRUNTIME_NODE_INSTALL=skip: onnxruntime-node's install
# step would otherwise try to download a CUDA provider; its CPU binding ships
# in the package.
if [ -f package-lock.json ]; then
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "setup: npm ci"
    ONNXRUNTIME_NODE_INSTALL=skip ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm ci --no-audit --no-fund --loglevel=error
  fi
fi
echo "setup: ok"
