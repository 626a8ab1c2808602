/*
 * lib/debug/stack.c - call-site capture for the DMA-API debugging layer:
 * the return addresses of the current stack, innermost first.
 *
 * With debug on, every mapping remembers where it was made, so this runs on
 * every map.  glibc's backtrace() looks up the unwind tables of every frame
 * afresh (thousands of instructions a frame); libunwind's unw_backtrace()
 * keeps a per-thread cache of what it learnt about each return address, so
 * a stack it has seen before costs a few dozen instructions a frame.  It is
 * used where the build found it (DMASIM_HAVE_LIBUNWIND); without it the
 * capture falls back to backtrace().  Under valgrind's memcheck it falls
 * back too: libunwind probes whether an address is readable by handing it to
 * write(2), which memcheck reports as a read of uninitialised bytes (other
 * valgrind tools, callgrind among them, keep libunwind, so instruction
 * counts measure what a program runs).  Symbolising
 * happens only when a report prints a site (dladdr, in the caller).
 */
#include <execinfo.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#ifdef DMASIM_HAVE_LIBUNWIND
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

static pthread_once_t setup_once = PTHREAD_ONCE_INIT;
static bool use_libunwind;

/* valgrind preloads its tool's library into the program: vgpreload_memcheck-*.so. */
static bool under_memcheck(void)
{
	const char *preload = getenv("LD_PRELOAD");

	return RUNNING_ON_VALGRIND && preload && strstr(preload, "vgpreload_memcheck");
}

static void setup(void)
{
	use_libunwind = !under_memcheck();
	/* Per-thread caches: threads mapping at once never share a lock. */
	if (use_libunwind)
		unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
}
#endif

int dmasim__stack_capture(void **frames, int max)
{
	if (max <= 0)
		return 0;
#ifdef DMASIM_HAVE_LIBUNWIND
	pthread_once(&setup_once, setup);
	if (use_libunwind)
		return unw_backtrace(frames, max);
#endif
	return backtrace(frames, max);
}
