/*
 * tools/dmasim.c - the dmasim command: list backends, show a platform's
 * memory map for a spec, or translate an address for teaching.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmasim/dmasim.h>

static void usage(FILE *out)
{
	fprintf(out,
		"usage: dmasim --list-backends\n"
		"       dmasim --list-machines    the named machines (machine=NAME) and their spec words\n"
		"       dmasim --dump [SPEC]      build a platform from SPEC (and DMASIM_SPEC) and print its memory map\n"
		"       dmasim --version\n"
		"       dmasim --help             this text and every spec key\n");
}

int main(int argc, char **argv)
{
	static const char *const kinds[] = { "cache", "iova", "pgtable" };

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--list-backends")) {
		for (unsigned int k = 0; k < DMASIM_BACKEND_NR_KINDS; k++) {
			char buf[512];

			dmasim_backend_list(k, buf, sizeof(buf));
			printf("%-8s %s\n", kinds[k], buf[0] ? buf : "(none in this release)");
		}
		return 0;
	}
	if (!strcmp(argv[1], "--list-machines")) {
		dmasim_machine_preset_list(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--dump")) {
		struct dmasim_platform *p = dmasim_platform_create(argc > 2 ? argv[2] : NULL);

		if (!p)
			return 1;
		dmasim_platform_dump(p, stdout);
		dmasim_platform_destroy(p);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("dmasim %d.%d.%d\n", DMASIM_VERSION_MAJOR, DMASIM_VERSION_MINOR,
		       DMASIM_VERSION_PATCH);
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		fputc('\n', stdout);
		dmasim_spec_help(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
