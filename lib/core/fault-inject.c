/*
 * lib/core/fault-inject.c - failing on purpose, so that a driver's error paths
 * get run: the Nth call, every Nth call, or calls at random (seeded, so a
 * run repeats), of one kind of operation, for one device or all.
 *
 * Rules come from the platform spec ("fail=RULE[,RULE...]") or from
 * dmasim_fail_set().  The modules that can fail ask dmasim__should_fail()
 * at the point where a real resource would run out, and fail exactly as they
 * would then; this file only decides.
 */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

#define MAX_RULES 16

struct fail_rule {
	enum dmasim_fail_kind kind;
	char dev[64];          /* "" = every device */
	unsigned long nth;     /* fail the nth matching call (1 = first) */
	unsigned long every;   /* fail every Nth matching call */
	unsigned int prob_ppm; /* fail with this probability, in millionths */
	unsigned long times;   /* stop after this many failures (0 = no limit) */
	unsigned long seen;    /* matching calls so far */
	unsigned long failed;  /* failures injected so far */
};

struct dmasim_fail {
	pthread_mutex_t lock;
	struct fail_rule rules[MAX_RULES];
	int n;
	u64 rng;
	atomic_ulong injected;
};

static const char *const kind_names[] = {
	[FAIL_MAP] = "map", [FAIL_ALLOC] = "alloc", [FAIL_POOL] = "pool",
	[FAIL_PAGES] = "pages", [FAIL_KMALLOC] = "kmalloc", [FAIL_IOVA] = "iova",
	[FAIL_SWIOTLB] = "swiotlb", [FAIL_ACCESS] = "access",
};

const char *dmasim__fail_kind_name(enum dmasim_fail_kind k)
{
	return (unsigned int)k < ARRAY_SIZE(kind_names) ? kind_names[k] : "?";
}

/* xorshift64*: small, fast, and the same sequence for the same seed. */
static u64 next_random(u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static int parse_rule(const char *text, struct fail_rule *r, char *err, size_t errlen)
{
	char buf[160], *save = NULL, *w;
	bool have_when = false;

	memset(r, 0, sizeof(*r));
	if (strlen(text) >= sizeof(buf)) {
		snprintf(err, errlen, "fail rule '%s' is too long", text);
		return -EINVAL;
	}
	strcpy(buf, text);
	w = strtok_r(buf, ":", &save);
	for (r->kind = 0; r->kind < DMASIM_FAIL_NR_KINDS; r->kind++)
		if (w && !strcmp(w, kind_names[r->kind]))
			break;
	if (r->kind == DMASIM_FAIL_NR_KINDS) {
		snprintf(err, errlen,
			 "fail rule '%s': unknown kind (map, alloc, pool, pages, kmalloc, iova, swiotlb, access)",
			 text);
		return -EINVAL;
	}
	while ((w = strtok_r(NULL, ":", &save)) != NULL) {
		char *eq = strchr(w, '=');
		u64 v;

		if (!eq)
			goto bad;
		*eq++ = '\0';
		if (!strcmp(w, "dev")) {
			if (!*eq || strlen(eq) >= sizeof(r->dev))
				goto bad;
			strcpy(r->dev, eq);
		} else if (!strcmp(w, "prob")) {
			/* A decimal fraction, counted in millionths: no NaN or infinity to convert. */
			if (dmasim__parse_fraction(eq, 1000000, &v))
				goto bad;
			r->prob_ppm = (unsigned int)v;
			have_when = true;
		} else if (!dmasim__parse_u64(eq, &v) && v) {
			if (!strcmp(w, "nth"))
				r->nth = v;
			else if (!strcmp(w, "every"))
				r->every = v;
			else if (!strcmp(w, "times"))
				r->times = v;
			else
				goto bad;
			have_when |= strcmp(w, "times") != 0;
		} else {
			goto bad;
		}
	}
	if (!have_when)
		r->nth = 1; /* "fail=map" fails the next mapping */
	if (r->dev[0] && (r->kind == FAIL_PAGES || r->kind == FAIL_KMALLOC || r->kind == FAIL_IOVA)) {
		/* These happen for no device: such a rule could never fire. */
		snprintf(err, errlen, "fail rule '%s': dev= does not apply to %s", text,
			 kind_names[r->kind]);
		return -EINVAL;
	}
	return 0;
bad:
	snprintf(err, errlen,
		 "fail rule '%s': expected KIND[:nth=N|:every=N|:prob=P][:times=N][:dev=NAME]", text);
	return -EINVAL;
}

/* "RULE[,RULE...]" into @parsed (room for MAX_RULES); how many, or -EINVAL with @err. */
static int parse_rules(const char *rules, struct fail_rule *parsed, char *err, size_t errlen)
{
	char *copy, *save = NULL, *w;
	int n = 0, ret = 0;

	copy = strdup(rules ? rules : "");
	if (!copy)
		return -ENOMEM;
	for (w = strtok_r(copy, ",", &save); w && !ret; w = strtok_r(NULL, ",", &save)) {
		if (n == MAX_RULES) {
			snprintf(err, errlen, "fail: at most %d rules", MAX_RULES);
			ret = -EINVAL;
		} else {
			ret = parse_rule(w, &parsed[n++], err, errlen);
		}
	}
	free(copy);
	return ret ? ret : n;
}

/* The spec key fail=: the rules are checked as the spec is read, installed once the machine exists. */
int dmasim__fail_check(void *cfg, const char *key, const char *rules, char *err, size_t errlen)
{
	struct fail_rule parsed[MAX_RULES];
	int n = parse_rules(rules, parsed, err, errlen);

	(void)key;
	if (n < 0)
		return n;
	*(const char **)cfg = rules;
	return 0;
}

int dmasim__fail_parse(struct dmasim_platform *p, const char *rules, char *err, size_t errlen)
{
	struct dmasim_fail *f = p->fail;
	struct fail_rule parsed[MAX_RULES];
	int n;

	n = parse_rules(rules, parsed, err, errlen);
	if (n < 0)
		return n;
	if (!f) {
		f = calloc(1, sizeof(*f));
		if (!f)
			return -ENOMEM;
		pthread_mutex_init(&f->lock, NULL);
		f->rng = p->seed * 0x9e3779b97f4a7c15ULL + 1;
		p->fail = f;
	}
	pthread_mutex_lock(&f->lock);
	memcpy(f->rules, parsed, (size_t)n * sizeof(parsed[0]));
	__atomic_store_n(&f->n, n, __ATOMIC_RELEASE);
	__atomic_store_n(&p->fail_rules, n, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&f->lock);
	return 0;
}

void dmasim__fail_destroy(struct dmasim_platform *p)
{
	if (!p->fail)
		return;
	__atomic_store_n(&p->fail_rules, 0, __ATOMIC_RELEASE);
	pthread_mutex_destroy(&p->fail->lock);
	free(p->fail);
	p->fail = NULL;
}

bool dmasim__should_fail_rules(struct dmasim_platform *p, enum dmasim_fail_kind kind,
			       const struct dmasim_device *d, const char *call)
{
	struct dmasim_fail *f = p->fail;
	bool fail = false;
	int i;

	if (!f || !__atomic_load_n(&f->n, __ATOMIC_RELAXED))
		return false;
	pthread_mutex_lock(&f->lock);
	for (i = 0; i < f->n && !fail; i++) {
		struct fail_rule *r = &f->rules[i];

		if (r->kind != kind || (r->dev[0] && (!d || strcmp(r->dev, d->name))))
			continue;
		r->seen++;
		if (r->times && r->failed >= r->times)
			continue;
		if (r->nth)
			fail = r->seen == r->nth;
		else if (r->every)
			fail = r->seen % r->every == 0;
		else
			fail = next_random(&f->rng) % 1000000 < r->prob_ppm;
		if (fail)
			r->failed++;
	}
	pthread_mutex_unlock(&f->lock);
	if (fail) {
		atomic_fetch_add(&f->injected, 1);
		if (DMASIM_TRACING(p))
			dmasim__trace(p, &(struct dmasim_trace_event){
						 .ev = "fail", .call = call, .dev = d ? d->name : NULL,
						 .msg = kind_names[kind] });
		dmasim__log(p, DMASIM_LOG_INFO, "%s%s%s: fault injection: failing this %s (rule %d)",
			    d ? d->name : "", d ? ": " : "", call, kind_names[kind], i);
	}
	return fail;
}

int dmasim_fail_set(struct dmasim_platform *p, const char *rules)
{
	char err[256] = "";
	int ret;

	if (!p)
		return -EINVAL;
	ret = dmasim__fail_parse(p, rules, err, sizeof(err));
	if (ret)
		dmasim__report(p, "dmasim_fail_set: %s", err[0] ? err : "out of memory");
	return ret;
}

unsigned long dmasim_fail_injected(struct dmasim_platform *p)
{
	return p && p->fail ? atomic_load(&p->fail->injected) : 0;
}
