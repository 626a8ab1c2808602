/*
 * lib/core/machines.c - the named machines (machines.def): the spec words
 * each name stands for, for machine=NAME and for tools that run a program
 * on every machine.  Machine layer (lib/core).
 */
#include <string.h>

#include "core/core.h"

static const struct dmasim_named_machine machines[] = {
#define DMASIM_MACHINE(name, spec, summary) { name, spec, summary },
#include "core/machines.def"
#undef DMASIM_MACHINE
};

const struct dmasim_named_machine *dmasim_machines(size_t *n)
{
	if (n)
		*n = sizeof(machines) / sizeof(machines[0]);
	return machines;
}

const struct dmasim_named_machine *dmasim_machine_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(machines) / sizeof(machines[0]); i++)
		if (!strcmp(machines[i].name, name))
			return &machines[i];
	return NULL;
}
