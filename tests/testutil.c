/* tests/testutil.c - log capture for the CMocka tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
#endif

struct tu_log tu_log;

static void capture(void *ctx, int level, const char *msg)
{
	(void)ctx;
	(void)level;
	if (getenv("DMASIM_TEST_VERBOSE"))
		fprintf(stderr, "[log] %s\n", msg);
	tu_log.total++;
	if (tu_log.n < TU_LOG_MAX)
		snprintf(tu_log.lines[tu_log.n++], sizeof(tu_log.lines[0]), "%s", msg);
}

struct dmasim_platform *tu_platform(const char *spec)
{
	struct dmasim_platform *p = dmasim_platform_create(spec);

	if (p)
		dmasim_set_log_handler(p, capture, NULL);
	tu_log_clear();
	return p;
}

struct dmasim_platform *tu_platform_on(const char *machine, const char *spec)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "machine=%s %s", machine, spec ? spec : "");
	return tu_platform(buf);
}

void tu_log_clear(void)
{
	tu_log.n = 0;
	tu_log.total = 0;
}

int tu_log_has(const char *needle)
{
	for (int i = 0; i < tu_log.n; i++)
		if (strstr(tu_log.lines[i], needle))
			return 1;
	return 0;
}

void tu_log_dump(void)
{
	for (int i = 0; i < tu_log.n; i++)
		fprintf(stderr, "  log[%d]: %s\n", i, tu_log.lines[i]);
}

int tu_spec_has(struct dmasim_platform *p, const char *word)
{
	const char *s = dmasim_platform_spec(p);

	return s && strstr(s, word) != NULL;
}

int tu_confined(struct device *dev)
{
	struct dmasim_bus_window w;

	if (dmasim_dev_bus_window(dev, &w))
		return 1;
	return w.iommu || !tu_spec_has(dmasim_device_platform(dev), "debug=off");
}

void tu_touch_freed(const void *addr, size_t len)
{
#ifdef __SANITIZE_ADDRESS__
	assert_non_null(__asan_region_is_poisoned((void *)(uintptr_t)addr, len));
	__asan_unpoison_memory_region(addr, len);
#else
	(void)addr;
	(void)len;
#endif
}
