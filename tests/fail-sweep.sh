#!/bin/sh
# fail-sweep.sh PROGRAM [SPEC] - fail every failure point of PROGRAM, one per
# run, as the kernel's fail_nth selftests do (issue 14 §2;
# docs/fault-injection.md, "Failing every point").
#
# First a run without failures: it must exit 0, and the misuse reports it
# makes (a demo may make one on purpose) are the only ones allowed later.
# Then run N fails the Nth failure point of any kind (DMASIM_SPEC="SPEC
# fail=any:nth=N"), for N = 1, 2, ... until a run reaches no Nth point: that
# run has counted the points.  Every run must end with no crash (signal,
# sanitizer report), no misuse report beyond the clean run's, and nothing
# left mapped or allocated: in its trace (trace=), each successful map has
# its unmap and each allocation its free.  In an ASan build LeakSanitizer
# checks the host memory too.  A failed run's exit status is not judged: a
# driver whose operation failed says so.
#
# The trace holds the last platform the program created (each opens it
# afresh), so a program with several platforms is checked on its last one.
#
# FAIL_SWEEP_CRASH_ONLY=1 is for test programs (the scenarios): their
# assertions fail when an operation they expect to work fails, and the
# test's leftovers are then reported and leaked, so only crashes and
# sanitizer reports other than leaks count; every platform the program
# makes fails its own Nth point, and the sweep ends at the first N where the
# program passes without a failure.  FAIL_SWEEP_MAX bounds N (default 1000);
# with FAIL_SWEEP_PARTIAL=1 a program with more points passes on its first
# FAIL_SWEEP_MAX (a device model that reads byte by byte has thousands).
prog=$1
base=${2:-}
max=${FAIL_SWEEP_MAX:-1000}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fail-sweep.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
bad=0
crash_only=${FAIL_SWEEP_CRASH_ONLY:-}
if [ -n "$crash_only" ]; then
	asan=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
else
	asan=${ASAN_OPTIONS:-detect_leaks=1}
fi

# run SPEC-WORDS: run the program once; sets rc, fails, reports, problem.
run() {
	rm -f "$tmp/trace"
	DMASIM_SPEC="$base $1 trace=$tmp/trace" ASAN_OPTIONS="$asan" "$prog" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ -f "$tmp/trace" ] || : >"$tmp/trace"
	fails=$(grep -c '"ev":"fail"' "$tmp/trace")
	grep '"ev":"report"' "$tmp/trace" | sed 's/.*"msg":"//; s/0x[0-9a-fA-F]*/0x/g' | sort >"$tmp/reports"
	reports=$(wc -l <"$tmp/reports")
	maps=$(grep '"ev":"map"' "$tmp/trace" | grep -vc '"ret":')
	unmaps=$(grep -c '"ev":"unmap"' "$tmp/trace")
	allocs=$(grep -c '"ev":"alloc"' "$tmp/trace")
	frees=$(grep -c '"ev":"free"' "$tmp/trace")
	problem=""
	if [ "$rc" -ge 128 ]; then
		problem="killed by signal $((rc - 128))"
	elif grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|WARNING: ThreadSanitizer' "$tmp/err"; then
		problem="sanitizer report"
	elif [ -n "$crash_only" ]; then
		:
	elif [ -f "$tmp/allowed" ] && [ -n "$(comm -23 "$tmp/reports" "$tmp/allowed")" ]; then
		problem="misuse report(s): $(comm -23 "$tmp/reports" "$tmp/allowed" | head -3)"
	elif [ "$maps" -ne "$unmaps" ]; then
		problem="$maps maps but $unmaps unmaps"
	elif [ "$allocs" -ne "$frees" ]; then
		problem="$allocs allocations but $frees frees"
	fi
}

show() {
	tail -15 "$tmp/err"
	tail -10 "$tmp/out"
}

run ""
if [ -n "$problem" ] || [ "$rc" -ne 0 ]; then
	echo "fail-sweep: $prog: the run without failures: exit $rc ${problem:-}"
	show
	exit 1
fi
cp "$tmp/reports" "$tmp/allowed"
n=1
while [ "$n" -le "$max" ]; do
	run "fail=any:nth=$n"
	if [ "$fails" -eq 0 ] && { [ -z "$crash_only" ] || [ "$rc" -eq 0 ]; }; then
		echo "fail-sweep: $prog: $((n - 1)) failure points, each failed once${base:+ on \"$base\"}: $([ $bad -eq 0 ] && echo ok || echo FAILED)"
		exit $bad
	fi
	what=$(grep -m1 '"ev":"fail"' "$tmp/trace" | sed -n 's/.*"call":"\([^"]*\)".*"msg":"\([^"]*\)".*/\2 in \1/p')
	if [ -n "$problem" ]; then
		echo "fail-sweep: $prog: point $n ($what, exit $rc): $problem"
		show
		bad=1
	else
		echo "fail-sweep: point $n ($what): exit $rc, clean"
	fi
	n=$((n + 1))
done
if [ -n "${FAIL_SWEEP_PARTIAL:-}" ]; then
	echo "fail-sweep: $prog: the first $max failure points, each failed once${base:+ on \"$base\"}: $([ $bad -eq 0 ] && echo ok || echo FAILED)"
	exit $bad
fi
echo "fail-sweep: $prog: more than $max failure points"
exit 1
