#!/bin/bash -eu
# fuzz/build.sh - build every fuzz target the way OSS-Fuzz and ClusterFuzzLite
# expect: compilers and flags from $CC/$CFLAGS, the engine from
# $LIB_FUZZING_ENGINE, one binary per target in $OUT, each with its seed
# corpus ($OUT/<binary>_seed_corpus.zip) and dictionary ($OUT/<binary>.dict).
# Needs cmake, pkg-config, libbsd-dev (.clusterfuzzlite/Dockerfile installs them).
#
# Locally, with clang:  CC=clang CFLAGS="-fsanitize=address,fuzzer-no-link" \
#   LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=/tmp/out fuzz/build.sh
SRC=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-$(mktemp -d)}
: "${OUT:?set OUT}" "${LIB_FUZZING_ENGINE:?set LIB_FUZZING_ENGINE}"

cmake -S "$SRC" -B "$WORK/dmasim-fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCMAKE_C_COMPILER="${CC:-clang}" -DCMAKE_C_FLAGS="${CFLAGS:-}" \
	-DDMASIM_FUZZ=ON -DDMASIM_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" \
	-DDMASIM_TESTS=OFF -DDMASIM_EXAMPLES=OFF -DBUILD_SHARED_LIBS=OFF -DDMASIM_WERROR=OFF
for src in "$SRC"/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	target=${name#fuzz_}
	cmake --build "$WORK/dmasim-fuzz" -j"$(nproc)" --target "$name"
	cp "$WORK/dmasim-fuzz/fuzz/$name" "$OUT/"
	if [ -n "$(ls -A "$SRC/fuzz/corpus/$target" 2>/dev/null)" ]; then
		(cd "$SRC/fuzz/corpus/$target" && zip -q -r "$OUT/${name}_seed_corpus.zip" .)
	fi
	if [ -f "$SRC/fuzz/$target.dict" ]; then
		cp "$SRC/fuzz/$target.dict" "$OUT/$name.dict"
	fi
done
