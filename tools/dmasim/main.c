/*
 * tools/dmasim/main.c - the dmasim command: git-style subcommands for
 * teachers and testers (dmasim(1)).  Each subcommand is a file of its own
 * (cmd-*.c) and uses only the public API.
 *
 * Exit codes: 0 done, 1 the run failed, 2 bad arguments.
 */
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static int run_backends(int argc, char **argv);
static const struct tool_cmd cmd_backends = {
	"backends", "list the registered backends of each kind",
	"dmasim backends\n", run_backends,
};

static const struct tool_cmd *const cmds[] = {
	&cmd_machines, &cmd_dump, &cmd_map, &cmd_walk, &cmd_iova, &cmd_trace, &cmd_matrix, &cmd_backends,
};

static void usage(FILE *out)
{
	fputs("usage: dmasim COMMAND [ARGS]   (dmasim COMMAND --help for one command)\n\n", out);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(out, "  %-9s %s\n", cmds[i]->name, cmds[i]->summary);
	fputs("\n  --version   print the version\n"
	      "  --help      this text and every spec key\n"
	      "\nSPEC is a platform spec (docs/spec.md), e.g. \"iommu=on cache=noncoherent\" or\n"
	      "\"machine=iommu-lazy\"; DMASIM_SPEC is appended to it.  Exit status: 0 done,\n"
	      "1 the run failed, 2 bad arguments.\n", out);
}

static int run_backends(int argc, char **argv)
{
	static const char *const kinds[] = { "cache", "iova", "pgtable" };

	if (argc > 1) {
		if (tool_help(&cmd_backends, argv[1]))
			return EXIT_OK;
		return tool_usage_error(&cmd_backends, "unexpected argument '%s'", argv[1]);
	}
	for (unsigned int k = 0; k < DMASIM_BACKEND_NR_KINDS; k++) {
		char buf[512];

		dmasim_backend_list(k, buf, sizeof(buf));
		printf("%-8s %s\n", kinds[k], buf[0] ? buf : "(none in this release)");
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* The options of the first releases stay: --dump, --list-backends. */
	if (!strcmp(argv[1], "--dump"))
		argv[1] = (char *)"dump";
	else if (!strcmp(argv[1], "--list-backends"))
		argv[1] = (char *)"backends";
	else if (!strcmp(argv[1], "--list-machines"))
		argv[1] = (char *)"machines";
	if (!strcmp(argv[1], "--version")) {
		printf("dmasim %d.%d.%d\n", DMASIM_VERSION_MAJOR, DMASIM_VERSION_MINOR,
		       DMASIM_VERSION_PATCH);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		if (argc > 2 && strcmp(argv[1], "help") == 0) {
			for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
				if (!strcmp(cmds[i]->name, argv[2]))
					return tool_help(cmds[i], "--help") ? EXIT_OK : EXIT_USAGE;
		}
		usage(stdout);
		fputc('\n', stdout);
		dmasim_spec_help(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmds[i]->name, argv[1]))
			return cmds[i]->run(argc - 1, argv + 1);
	fprintf(stderr, "dmasim: '%s' is not a dmasim command\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
