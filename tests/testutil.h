/*
 * tests/testutil.h - shared helpers for the CMocka tests: a platform whose
 * log is captured, so tests can assert on misuse reports.
 */
#ifndef DMASIM_TESTUTIL_H
#define DMASIM_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dmasim/dmasim.h>

#define TU_LOG_MAX 64

struct tu_log {
	char lines[TU_LOG_MAX][512];
	int n;
	int total;
};

extern struct tu_log tu_log;

/* Create a platform (DMASIM_SPEC is appended by the library) with the log captured. */
struct dmasim_platform *tu_platform(const char *spec);
/*
 * tu_platform() on the named machine preset (machine=@machine, then @spec's
 * words, which win).  Module tests written against the layout of one machine
 * (addresses, zones, where the swiotlb lands) pin it this way.
 */
struct dmasim_platform *tu_platform_on(const char *machine, const char *spec);
/* The machine most module tests pin: 256 MiB at 0x80000000 (the default before machine=pc). */
#define TU_SOC "arm64-soc"
/* Clear the captured log. */
void tu_log_clear(void);
/* Whether some captured line contains @needle. */
int tu_log_has(const char *needle);
/* Print the captured log (for debugging a failing test). */
void tu_log_dump(void);
/*
 * Whether @dev's accesses are confined to what was mapped for it: behind an
 * IOMMU always; without one only with DMA-API debugging on (with debug=off
 * a device reaches any RAM its bus window reaches, as hardware does).
 */
int tu_confined(struct device *dev);
/* Whether the effective platform spec contains @word (to adapt to DMASIM_SPEC). */
int tu_spec_has(struct dmasim_platform *p, const char *word);

/*
 * The test is about to touch freed simulated memory on purpose (a driver's
 * use after free that dmasim's own checks must see).  In an ASan build the
 * memory is poisoned (lib/mm/shadow.h): assert so, then unpoison it.
 */
void tu_touch_freed(const void *addr, size_t len);

#define assert_log_has(needle) \
	do { if (!tu_log_has(needle)) { tu_log_dump(); fail_msg("log lacks '%s'", needle); } } while (0)

#endif
