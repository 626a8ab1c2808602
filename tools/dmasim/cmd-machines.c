/*
 * tools/dmasim/cmd-machines.c - `dmasim machines`: the named machines
 * (lib/core/machines.def) and what each shows.
 */
#include <string.h>

#include "tool.h"

static int run(int argc, char **argv)
{
	const struct dmasim_machine_preset *m;
	bool names = false, pairs = false;

	for (int i = 1; i < argc; i++) {
		if (tool_help(&cmd_machines, argv[i]))
			return EXIT_OK;
		if (!strcmp(argv[i], "--names"))
			names = true;
		else if (!strcmp(argv[i], "--pairs"))
			pairs = true;
		else
			return tool_usage_error(&cmd_machines, "unknown argument '%s'", argv[i]);
	}
	for (size_t i = 0; (m = dmasim_machine_preset_get(i)); i++) {
		if (names)
			printf("%s\n", m->name);
		else if (pairs)
			printf("%s=%s\n", m->name, m->spec);
		else
			printf("%-32s %s\n%-32s   %s%s\n", m->name, m->summary, "", m->spec, i ? "" : "  (the default)");
	}
	return EXIT_OK;
}

const struct tool_cmd cmd_machines = {
	"machines", "the named machines (machine=NAME) and what each shows",
	"dmasim machines [--names | --pairs]\n"
	"  --names   one name a line\n"
	"  --pairs   NAME=SPEC a line (the spec words each name stands for)\n",
	run,
};
