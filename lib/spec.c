/*
 * lib/spec.c - the one place options enter dmasim: "key=value" word lists.
 *
 * Used for the platform spec (plus DMASIM_SPEC), device specs and backend
 * options.  Pure parsing; the modules that own the keys interpret them.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void dmasim__spec_free(struct dmasim_spec *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->kv[i].key);
		free(s->kv[i].val);
	}
	free(s->kv);
	s->kv = NULL;
	s->n = 0;
}

static int add_word(struct dmasim_spec *s, const char *w, size_t len, char *err, size_t errlen)
{
	const char *eq = memchr(w, '=', len);
	struct dmasim_kv *kv;

	if (!eq || eq == w) {
		snprintf(err, errlen, "'%.*s' is not of the form key=value", (int)len, w);
		return -EINVAL;
	}
	kv = realloc(s->kv, (s->n + 1) * sizeof(*kv));
	if (!kv)
		return -ENOMEM;
	s->kv = kv;
	kv[s->n].key = strndup(w, (size_t)(eq - w));
	kv[s->n].val = strndup(eq + 1, len - (size_t)(eq - w) - 1);
	if (!kv[s->n].key || !kv[s->n].val) {
		free(kv[s->n].key);
		free(kv[s->n].val);
		return -ENOMEM;
	}
	s->n++;
	return 0;
}

int dmasim__spec_parse(struct dmasim_spec *s, const char *text, char *err, size_t errlen)
{
	const char *p = text;

	if (!text)
		return 0;
	while (*p) {
		const char *start;
		int ret;

		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		start = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		ret = add_word(s, start, (size_t)(p - start), err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

const char *dmasim__spec_get(const struct dmasim_spec *s, const char *key)
{
	/* Later words win, so DMASIM_SPEC (appended) overrides the program. */
	for (size_t i = s->n; i-- > 0;)
		if (!strcmp(s->kv[i].key, key))
			return s->kv[i].val;
	return NULL;
}

const char *dmasim__spec_unknown(const struct dmasim_spec *s, const char *const *known)
{
	for (size_t i = 0; i < s->n; i++) {
		const char *const *k;

		for (k = known; *k; k++)
			if (!strcmp(*k, s->kv[i].key))
				break;
		if (!*k)
			return s->kv[i].key;
	}
	return NULL;
}

/* Decimal, or hex with 0x: base 0 would read a leading 0 as octal ("010" = 8). */
static int num_base(const char *s)
{
	return s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10;
}

int dmasim__parse_u64(const char *s, u64 *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, num_base(s));
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int dmasim__parse_size(const char *s, u64 *out)
{
	char *end;
	unsigned long long v;
	unsigned int shift = 0;

	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, num_base(s));
	if (errno || end == s)
		return -EINVAL;
	switch (toupper((unsigned char)*end)) {
	case 'K': shift = 10; end++; break;
	case 'M': shift = 20; end++; break;
	case 'G': shift = 30; end++; break;
	case 'T': shift = 40; end++; break;
	default: break;
	}
	if (shift && (!strcmp(end, "iB") || !strcmp(end, "B")))
		end += strlen(end);
	if (*end)
		return -EINVAL;
	if (shift && v > (~0ULL >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

int dmasim__parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "on", "yes", "true" };
	static const char *const no[] = { "0", "off", "no", "false" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

const char *dmasim__format_size(u64 size, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (u < 3 && size && !(size & 1023)) {
		size >>= 10;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%llu", (unsigned long long)size);
	else
		snprintf(buf, len, "%llu%c", (unsigned long long)size, units[u]);
	return buf;
}
