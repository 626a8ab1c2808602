#!/usr/bin/env bash
# tests/compat-headers-check.sh CC SOURCE_DIR - every kernel header name that
# the system also has as a uapi header (include/dmasim/compat/uapi-clash.txt)
# must resolve to dmasim's header: either it compiles as dmasim's (its
# DMASIM_COMPAT_LINUX_* guard is defined) or it stops with dmasim's #error.
# Compiling silently as the system's uapi header fails the test.
set -euo pipefail
cc=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok=0 refused=0 fail=0
while read -r name; do
	case "$name" in '#'*|'') continue ;; esac
	guard=DMASIM_COMPAT_LINUX_$(echo "$name" | tr 'a-z/.-' 'A-Z___')
	printf '#include <linux/%s>\n#ifndef %s\n#error "SILENT-UAPI: <linux/%s> is not dmasim'"'"'s"\n#endif\nint dmasim_compat_check;\n' \
		"$name" "$guard" "$name" > "$tmp/t.c"
	if "$cc" -std=c11 -Wall -Werror -I"$src/include" -I"$src/include/dmasim/compat" \
		-c "$tmp/t.c" -o "$tmp/t.o" 2> "$tmp/err"; then
		ok=$((ok + 1))
	elif grep -q '#error "dmasim' "$tmp/err" && ! grep -q 'SILENT-UAPI' "$tmp/err"; then
		refused=$((refused + 1))
	else
		echo "compat-headers: <linux/$name> does not resolve to dmasim's header:"
		head -n 5 "$tmp/err"
		fail=$((fail + 1))
	fi
done < "$src/include/dmasim/compat/uapi-clash.txt"
echo "compat-headers: $ok implemented, $refused refused with dmasim's #error, $fail wrong"
[ "$fail" = 0 ] && echo "compat-headers: ok"
exit "$fail"
