/*
 * lib/debug/stack.c - call-site capture for the DMA-API debugging layer:
 * the return addresses of the current stack, innermost first.
 *
 * With debug on, every mapping remembers where it was made, so this runs on
 * every map.  glibc's backtrace() looks up the unwind tables of every frame
 * afresh (thousands of instructions a frame); libunwind's unw_backtrace()
 * keeps a per-thread cache of what it learnt about each return address, so
 * a stack it has seen before costs a few dozen instructions a frame.
 *
 * libunwind is loaded at run time, RTLD_LOCAL, where it is installed
 * (libunwind8): linked the ordinary way it would put its own _Unwind_*
 * functions in front of libgcc's for the whole program (C++ exceptions, the
 * sanitizers' unwinders), which is not a library's business.  Without it,
 * in ThreadSanitizer builds (its per-thread cache is freed by a
 * thread-exit destructor that TSan no longer covers) and under valgrind's
 * memcheck (libunwind probes memory by handing addresses to write(2), which
 * memcheck reports), the capture uses glibc's backtrace().  Symbolising
 * happens only when a report prints a site (dladdr, in the caller).
 */
#include <dlfcn.h>
#include <execinfo.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "debug/debug.h"

#if defined(__SANITIZE_THREAD__)
#define NO_LIBUNWIND 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define NO_LIBUNWIND 1
#endif
#endif
#if !defined(DMASIM_LIBUNWIND)
#define NO_LIBUNWIND 1
#endif

static pthread_once_t setup_once = PTHREAD_ONCE_INIT;
static int (*unw_backtrace_fn)(void **frames, int max);

#ifndef NO_LIBUNWIND
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

/* valgrind preloads its tool's library into the program: vgpreload_memcheck-*.so. */
static bool under_memcheck(void)
{
	const char *preload = getenv("LD_PRELOAD");

	return RUNNING_ON_VALGRIND && preload && strstr(preload, "vgpreload_memcheck");
}
#endif

static void setup(void)
{
#ifndef NO_LIBUNWIND
	void *lib;

	if (under_memcheck())
		return;
	lib = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		return;
	/* Kept open for the life of the process: captures may run until exit. */
	*(void **)&unw_backtrace_fn = dlsym(lib, "unw_backtrace");
#endif
}

int dmasim__stack_capture(void **frames, int max)
{
	if (max <= 0)
		return 0;
	pthread_once(&setup_once, setup);
	if (unw_backtrace_fn)
		return unw_backtrace_fn(frames, max);
	return backtrace(frames, max);
}

const char *dmasim__stack_unwinder(void)
{
	pthread_once(&setup_once, setup);
	return unw_backtrace_fn ? "libunwind" : "backtrace";
}
