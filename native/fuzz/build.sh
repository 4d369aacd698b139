#!/usr/bin/env bash
# Builds the libFuzzer harnesses in native/fuzz with clang and
# -fsanitize=fuzzer,address,undefined into native/fuzz/out/.
#   native/fuzz/build.sh            all harnesses
#   CXX=clang++-14 native/fuzz/build.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
CXX=${CXX:-clang++}
out=native/fuzz/out
mkdir -p "$out"
mapfile -t core < native/sources.txt
flags=(-std=c++17 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -Inative/core -Inative/include)
# The core once, as objects instrumented for coverage and sanitizers.
objs=()
for src in "${core[@]}"; do
  obj="$out/obj/$(basename "${src%.cc}").o"
  mkdir -p "$out/obj"
  # Rebuild when the source or any core header changed (a stale object links against old declarations).
  if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find native/core native/include -name '*.h' -newer "$obj" -print -quit)" ]; then
    "$CXX" "${flags[@]/-fsanitize=fuzzer,address,undefined/-fsanitize=fuzzer-no-link,address,undefined}" -c "$src" -o "$obj"
  fi
  objs+=("$obj")
done
for harness in native/fuzz/*_fuzzer.cc; do
  name=$(basename "${harness%.cc}")
  "$CXX" "${flags[@]}" "$harness" "${objs[@]}" -lpthread -o "$out/$name"
  echo "built $out/$name"
done
