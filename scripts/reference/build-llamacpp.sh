#!/bin/sh
# Builds llama.cpp's reference tools from the source node-llama-cpp bundles (never a dependency of
# glassbox; DESIGN.md "Correctness method"). Output: bench/peers/llama.cpp/build/bin/{llama-quantize,
# llama-perplexity, llama-bench} and bench/peers/llama.cpp/build/bin/glassbox-llamacpp-logits (our
# small teacher-forcing/greedy driver, scripts/reference/llamacpp-logits.cpp). gguf-py is in
# bench/peers/llama.cpp/gguf-py. Takes a few minutes on 2 cores; re-running only rebuilds what changed.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
peers="$root/bench/peers"
if [ ! -d "$peers/llama/node_modules/node-llama-cpp" ]; then
  mkdir -p "$peers/llama"
  (cd "$peers/llama" && echo '{"name":"peers","private":true,"type":"module"}' > package.json && npm install node-llama-cpp@3)
fi
src="$peers/llama.cpp"
if [ ! -d "$src/.git" ]; then
  git clone -q "$peers/llama/node_modules/node-llama-cpp/llama/gitRelease.bundle" "$src"
fi
mkdir -p "$src/tools/glassbox"
cp "$root/scripts/reference/llamacpp-logits.cpp" "$src/tools/glassbox/llamacpp-logits.cpp"
cat > "$src/tools/glassbox/CMakeLists.txt" <<'CM'
add_executable(glassbox-llamacpp-logits llamacpp-logits.cpp)
target_link_libraries(glassbox-llamacpp-logits PRIVATE llama)
CM
grep -q "tools/glassbox" "$src/CMakeLists.txt" || echo 'add_subdirectory(tools/glassbox)' >> "$src/CMakeLists.txt"
cmake -S "$src" -B "$src/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF -DBUILD_SHARED_LIBS=OFF > "$src/build.log"
cmake --build "$src/build" -j 2 --target llama-quantize llama-perplexity llama-bench glassbox-llamacpp-logits >> "$src/build.log"
echo "built: $src/build/bin"
