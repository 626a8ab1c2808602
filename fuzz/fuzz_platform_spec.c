/*
 * fuzz/fuzz_platform_spec.c - the platform spec parser
 * (dmasim_platform_create(), lib/core/spec.c and every layer's key parser).
 *
 * The input is a spec string.  Whatever it is, creation either fails
 * cleanly (NULL) or makes a machine whose normalised spec, passed back to
 * dmasim_platform_create() once it is destroyed, makes a machine with the
 * same normalised spec
 * (docs/spec.md: "The string can be passed back ... to rebuild the same
 * machine").  The machine is dumped and destroyed; ASan/UBSan/LSan watch.
 */
#include <stdlib.h>

#include <dmasim/dmasim.h>

#include "fuzz-common.h"

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	unsetenv("DMASIM_SPEC");
	devnull = fopen("/dev/null", "w");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A small machine unless the input says otherwise (later words win): 8x faster. */
	static const char small[] = "ram=32M@0x80000000 ";
	char *spec, *again;
	struct dmasim_platform *p, *q;

	if (size > 4096)
		return 0;
	spec = malloc(sizeof(small) + size);
	if (!spec)
		return 0;
	memcpy(spec, small, sizeof(small) - 1);
	memcpy(spec + sizeof(small) - 1, data, size);
	spec[sizeof(small) - 1 + size] = '\0';
	if (fuzz_spec_skip(spec) || fuzz_nan_prob(spec)) {
		free(spec);
		return 0;
	}
	p = dmasim_platform_create(spec);
	if (p) {
		dmasim_platform_dump(p, devnull);
		again = strdup(dmasim_platform_spec(p));
		/* First p goes: a machine of terabytes may leave no host address space for two. */
		dmasim_platform_destroy(p);
		q = dmasim_platform_create(again);
		FUZZ_CHECK(q, "spec \"%s\" normalised to \"%s\", which is refused", spec, again);
		FUZZ_CHECK(!strcmp(dmasim_platform_spec(q), again),
			   "spec \"%s\" normalised to \"%s\", which normalises to \"%s\"", spec, again,
			   dmasim_platform_spec(q));
		dmasim_platform_destroy(q);
		free(again);
	}
	free(spec);
	return 0;
}
