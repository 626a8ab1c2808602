/*
 * lib/core/machine.c - the named machines (machines.def): `machine=NAME`
 * expands to spec words that the rest of the spec (and DMASIM_SPEC) may
 * override.  The default machine is the first one, "pc".  A machine's
 * words may start from another's (machine=BASE); without one, from the
 * default's.  Layer: machine.
 */
#include <string.h>

#include "core/core.h"

static const struct dmasim_machine_preset machines[] = {
#define DMASIM_MACHINE(name, spec, summary) { name, spec, summary },
#include "core/machines.def"
#undef DMASIM_MACHINE
	{ NULL, NULL, NULL },
};

const struct dmasim_machine_preset *dmasim_machine_preset_get(size_t i)
{
	return i < ARRAY_SIZE(machines) - 1 ? &machines[i] : NULL;
}

const struct dmasim_machine_preset *dmasim_machine_preset_find(const char *name)
{
	for (size_t i = 0; name && machines[i].name; i++)
		if (!strcmp(machines[i].name, name))
			return &machines[i];
	return NULL;
}

void dmasim_machine_preset_list(FILE *out)
{
	if (!out)
		return;
	for (size_t i = 0; machines[i].name; i++)
		fprintf(out, "%-16s %s\n%-16s   %s\n", machines[i].name, machines[i].spec, "",
			machines[i].summary);
}

int dmasim__machine_words(const struct dmasim_machine_preset *m, struct dmasim_spec *out, char *err,
			  size_t errlen)
{
	struct dmasim_spec own = { 0 };
	const char *base;
	int ret;

	/* machines.def is ours: a base is at most a few levels deep and never cyclic (a test checks). */
	ret = dmasim__spec_parse(&own, m->spec, err, errlen);
	base = ret ? NULL : dmasim__spec_get(&own, "machine");
	/* Without a base, a machine is the default one (pc) with its words over it. */
	if (!ret && !base && m != &machines[0])
		base = machines[0].name;
	if (!ret && base) {
		const struct dmasim_machine_preset *b = dmasim_machine_preset_find(base);

		if (!b || b == m) {
			snprintf(err, errlen, "machine %s: bad base machine '%s'", m->name, base);
			ret = -EINVAL;
		} else {
			ret = dmasim__machine_words(b, out, err, errlen);
		}
	}
	for (size_t i = 0; !ret && i < own.n; i++) {
		char word[512];

		if (!strcmp(own.kv[i].key, "machine"))
			continue;
		snprintf(word, sizeof(word), "%s=%s", own.kv[i].key, own.kv[i].val);
		ret = dmasim__spec_parse(out, word, err, errlen);
	}
	dmasim__spec_free(&own);
	return ret;
}
