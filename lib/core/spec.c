/*
 * lib/core/spec.c - the one place options enter dmasim: "key=value" word lists.
 *
 * Used for the platform spec (plus DMASIM_SPEC), device specs and backend
 * options.  Pure parsing; the modules that own the keys interpret them.
 *
 * A spec's keys are one table (struct dmasim_spec_key: the platform's in
 * platform.c, the device's in device.c).  From it come the parsing (each key
 * routed to its layer's parser), the "unknown key" message, the normalised
 * spec (each key's formatter), dmasim_spec_help() and the rows of
 * docs/spec.md's key tables, which a test checks.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

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

/*
 * The one number scanner behind every numeric spec value (integers, sizes,
 * addresses, fault-injection counts and probabilities): digits of @base and
 * nothing else, so no sign, no space, no exponent, no "nan" or "inf" can get
 * in.  Scans from *@s while digits last and leaves *@s after them; @digits
 * counts them.  Return 0, or -ERANGE if the value does not fit in 64 bits.
 */
static int scan_digits(const char **s, unsigned int base, u64 *out, unsigned int *digits)
{
	u64 v = 0;

	*digits = 0;
	for (;; (*s)++) {
		int c = (unsigned char)**s, dv;

		if (c >= '0' && c <= '9')
			dv = c - '0';
		else if (base == 16 && isxdigit(c))
			dv = 10 + tolower(c) - 'a';
		else
			break;
		if (v > (UINT64_MAX - (u64)dv) / base)
			return -ERANGE;
		v = v * base + (u64)dv;
		(*digits)++;
	}
	*out = v;
	return 0;
}

/* An unsigned number at *@s: decimal, or hex with 0x (never octal: "010" is 10). */
static int scan_number(const char **s, u64 *out)
{
	unsigned int base = 10, digits;
	int ret;

	if ((*s)[0] == '0' && ((*s)[1] == 'x' || (*s)[1] == 'X')) {
		base = 16;
		*s += 2;
	}
	ret = scan_digits(s, base, out, &digits);
	if (ret)
		return ret;
	return digits ? 0 : -EINVAL;
}

int dmasim__parse_u64(const char *s, u64 *out)
{
	u64 v;
	int ret;

	if (!s)
		return -EINVAL;
	ret = scan_number(&s, &v);
	if (ret)
		return ret;
	if (*s)
		return -EINVAL;
	*out = v;
	return 0;
}

int dmasim__parse_size(const char *s, u64 *out)
{
	unsigned int shift = 0;
	u64 v;
	int ret;

	if (!s)
		return -EINVAL;
	ret = scan_number(&s, &v);
	if (ret)
		return ret;
	switch (toupper((unsigned char)*s)) {
	case 'K': shift = 10; s++; break;
	case 'M': shift = 20; s++; break;
	case 'G': shift = 30; s++; break;
	case 'T': shift = 40; s++; break;
	default: break;
	}
	if (shift && (!strcmp(s, "iB") || !strcmp(s, "B")))
		s += strlen(s);
	if (*s)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

int dmasim__parse_fraction(const char *s, u64 scale, u64 *out)
{
	unsigned int digits;
	u64 whole, frac = 0, unit = scale;
	int ret;

	if (!s || !scale)
		return -EINVAL;
	ret = scan_digits(&s, 10, &whole, &digits);
	if (ret || !digits)
		return ret ? ret : -EINVAL;
	if (whole > 1)
		return -ERANGE;
	if (*s == '.') {
		bool round_up = false, first_extra = true;

		s++;
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		/* Digits while they still count at @scale; the first one past decides rounding. */
		for (; isdigit((unsigned char)*s); s++) {
			if (whole && *s != '0')
				return -ERANGE; /* above 1, however little */
			if (unit >= 10) {
				unit /= 10;
				frac += (u64)(*s - '0') * unit;
			} else if (first_extra) {
				round_up = *s >= '5';
				first_extra = false;
			}
		}
		frac += round_up;
	}
	if (*s)
		return -EINVAL;
	if (whole * scale + frac > scale)
		return -ERANGE;
	*out = whole * scale + frac;
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

int dmasim__parse_choice(const char *key, const char *v, const char *no, const char *yes, bool *out,
			 char *err, size_t errlen)
{
	if (strcmp(v, no) && strcmp(v, yes)) {
		snprintf(err, errlen, "%s=%s: expected %s or %s", key, v, no, yes);
		return -EINVAL;
	}
	*out = !strcmp(v, yes);
	return 0;
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

/* ---- key tables ------------------------------------------------------------------ */

static const struct dmasim_spec_key *key_find(const struct dmasim_spec_key *keys, const char *key)
{
	for (const struct dmasim_spec_key *k = keys; k->key; k++)
		if (!strcmp(k->key, key))
			return k;
	return NULL;
}

int dmasim__spec_apply(const struct dmasim_spec *s, const struct dmasim_spec_key *keys,
		       const char *what, void *cfg, char *err, size_t errlen)
{
	for (size_t i = 0; i < s->n; i++) {
		size_t off;

		if (key_find(keys, s->kv[i].key))
			continue;
		off = (size_t)snprintf(err, errlen, "unknown key '%s' (%s keys:", s->kv[i].key, what);
		for (const struct dmasim_spec_key *k = keys; k->key && off < errlen; k++)
			off += (size_t)snprintf(err + off, errlen - off, " %s", k->key);
		if (off < errlen)
			snprintf(err + off, errlen - off, ")");
		return -EINVAL;
	}
	for (const struct dmasim_spec_key *k = keys; k->key; k++) {
		const char *v = dmasim__spec_get(s, k->key);
		int ret;

		if (!v || !k->parse)
			continue;
		ret = k->parse((char *)cfg + k->offset, k->key, v, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

char *dmasim__spec_format(const struct dmasim_spec_key *keys, const char *layer,
			  const void *obj, const void *cfg)
{
	char *out = NULL, *val;
	size_t len = 0, n;
	FILE *f = open_memstream(&out, &len);
	bool first = true;

	if (!f)
		return NULL;
	for (const struct dmasim_spec_key *k = keys; k->key; k++) {
		FILE *vf;
		bool shown;

		if (!k->format || (layer && strcmp(layer, k->layer)))
			continue;
		val = NULL;
		n = 0;
		vf = open_memstream(&val, &n);
		if (!vf)
			break;
		shown = k->format(obj, cfg ? (const char *)cfg + k->offset : NULL, k->key, vf);
		if (fclose(vf) || !val) {
			free(val);
			break;
		}
		if (shown) {
			fprintf(f, "%s%s=%s", first ? "" : " ", k->key, val);
			first = false;
		}
		free(val);
	}
	if (fclose(f) || !out) {
		free(out);
		return NULL;
	}
	return out;
}

/* @text without the Markdown backquotes. */
static void put_plain(const char *text, FILE *out)
{
	for (; *text; text++)
		if (*text != '`')
			fputc(*text, out);
}

void dmasim__spec_help(const struct dmasim_spec_key *keys, FILE *out)
{
	for (const struct dmasim_spec_key *k = keys; k->key; k++) {
		fprintf(out, "  %-13s ", k->key);
		put_plain(k->syntax, out);
		fputs("; default ", out);
		put_plain(k->dflt, out);
		fputs("\n                ", out);
		put_plain(k->help, out);
		fputc('\n', out);
	}
}

void dmasim_spec_help(FILE *out)
{
	if (!out)
		return;
	fputs("platform keys (dmasim_platform_create(), DMASIM_SPEC):\n", out);
	dmasim__spec_help(dmasim__platform_keys, out);
	fputs("device keys (dmasim_device_create()):\n", out);
	dmasim__spec_help(dmasim__device_keys, out);
}

void dmasim__spec_doc_row(const struct dmasim_spec_key *k, FILE *out)
{
	fprintf(out, "| `%s` | %s | %s | %s |", k->key, k->syntax, k->dflt, k->help);
}

int dmasim__spec_split(const char *key, const char *value, char *name, size_t namelen,
		       const char **opts, char *err, size_t errlen)
{
	const char *colon = strchr(value, ':');
	size_t n = colon ? (size_t)(colon - value) : strlen(value);

	if (n >= namelen) {
		snprintf(err, errlen, "%s=%s: name too long", key, value);
		return -EINVAL;
	}
	memcpy(name, value, n);
	name[n] = '\0';
	*opts = colon ? colon + 1 : "";
	return 0;
}
