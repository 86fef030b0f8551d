#!/usr/bin/env bash
# Refresh the in-browser runtime from the npm registry: ONNX Runtime Web, pinned to VERSION.
#   bash static/live/vendor/refresh.sh            # the version in VERSION
#   bash static/live/vendor/refresh.sh 1.31.1     # another one (then run the tests: tests/test_live.py)
# Keeps only what the Draw page loads: the WebAssembly bundle (ES module), its .wasm, and package.json
# (its version and licence field: MIT; the licence text, which the package does not carry, is
# LICENSE-onnxruntime-web beside this script, from the onnxruntime repository). Writes SHA256SUMS, which tests/test_live.py checks the shipped files against.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="${1:-$(cat "$here/VERSION")}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "onnxruntime-web@$version" >/dev/null && tar -xzf onnxruntime-web-*.tgz)
target="$here/onnxruntime-web"
rm -rf "$target" && mkdir -p "$target"
for file in dist/ort.wasm.bundle.min.mjs dist/ort-wasm-simd-threaded.wasm package.json; do
    cp "$work/package/$file" "$target/"
done
echo "$version" > "$here/VERSION"
(cd "$target" && sha256sum ort.wasm.bundle.min.mjs ort-wasm-simd-threaded.wasm package.json) > "$here/SHA256SUMS"
echo "onnxruntime-web $version in $target"
