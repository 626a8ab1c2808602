/*
 * lib/core/trace.c - the event stream: what happened, with the device, the call
 * and the addresses in all three spaces, as one JSON object per line to a
 * file (spec "trace=PATH") and/or to a callback (dmasim_trace_set()).
 *
 * The modules call dmasim__trace() at the points where something happened;
 * when no one listens it costs one load and a branch.  The schema is
 * documented in docs/trace.md and only ever grows.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core.h"

/* The kernel's name of a direction, for reports and events (every layer's). */
const char *dmasim__dir_name(int dir)
{
	static const char *const names[] = { "DMA_BIDIRECTIONAL", "DMA_TO_DEVICE",
					     "DMA_FROM_DEVICE", "DMA_NONE" };

	return dir >= 0 && dir < 4 ? names[dir] : "invalid direction";
}

struct dmasim_trace {
	pthread_mutex_t lock;
	FILE *file;
	dmasim_trace_fn fn;
	void *ctx;
	unsigned long seq;
	u64 t0;
};

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

static struct dmasim_trace *get(struct dmasim_platform *p)
{
	struct dmasim_trace *t = p->trace;

	if (t)
		return t;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	pthread_mutex_init(&t->lock, NULL);
	t->t0 = now_ns();
	p->trace = t;
	return t;
}

int dmasim__trace_open(struct dmasim_platform *p, const char *path, char *err, size_t errlen)
{
	struct dmasim_trace *t = get(p);
	FILE *f;

	if (!t)
		return -ENOMEM;
	f = fopen(path, "w");
	if (!f) {
		snprintf(err, errlen, "trace=%s: cannot open: %s", path, strerror(errno));
		return -EINVAL;
	}
	setvbuf(f, NULL, _IOLBF, 0); /* whole lines, readable while the program runs */
	pthread_mutex_lock(&t->lock);
	if (t->file)
		fclose(t->file);
	t->file = f;
	__atomic_store_n(&p->tracing, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&t->lock);
	return 0;
}

void dmasim__trace_destroy(struct dmasim_platform *p)
{
	struct dmasim_trace *t = p->trace;

	if (!t)
		return;
	if (t->file)
		fclose(t->file);
	pthread_mutex_destroy(&t->lock);
	free(t);
	p->trace = NULL;
	p->tracing = false;
}

int dmasim_trace_set(struct dmasim_platform *p, dmasim_trace_fn fn, void *ctx)
{
	struct dmasim_trace *t;

	if (!p)
		return -EINVAL;
	t = get(p);
	if (!t)
		return -ENOMEM;
	pthread_mutex_lock(&t->lock);
	t->fn = fn;
	t->ctx = ctx;
	__atomic_store_n(&p->tracing, fn || t->file, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&t->lock);
	return 0;
}

/* JSON string body: quotes, backslashes and control characters escaped. */
static size_t json_str(char *out, size_t len, const char *s)
{
	size_t o = 0;

	for (; s && *s && o + 7 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20) {
			o += (size_t)snprintf(out + o, len - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return o;
}

void dmasim__trace(struct dmasim_platform *p, const struct dmasim_trace_event *in)
{
	struct dmasim_trace *t = p->trace;
	struct dmasim_trace_event ev = *in;
	char line[1400], msg[700];
	int n;

	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	ev.seq = ++t->seq;
	ev.t_ns = now_ns() - t->t0;
	if (t->file) {
		n = snprintf(line, sizeof(line), "{\"seq\":%lu,\"t_ns\":%llu,\"ev\":\"%s\"", ev.seq,
			     (unsigned long long)ev.t_ns, ev.ev);
		if (ev.call)
			n += snprintf(line + n, sizeof(line) - (size_t)n, ",\"call\":\"%s\"", ev.call);
		if (ev.dev) {
			json_str(msg, sizeof(msg), ev.dev); /* names are the user's: escape them */
			n += snprintf(line + n, sizeof(line) - (size_t)n, ",\"dev\":\"%s\"", msg);
		}
		if (ev.has_cpu)
			n += snprintf(line + n, sizeof(line) - (size_t)n, ",\"cpu\":\"%p\"", ev.cpu);
		if (ev.has_phys)
			n += snprintf(line + n, sizeof(line) - (size_t)n, ",\"phys\":\"0x%llx\"",
				      (unsigned long long)ev.phys);
		if (ev.has_bus)
			n += snprintf(line + n, sizeof(line) - (size_t)n, ",\"bus\":\"0x%llx\"",
				      (unsigned long long)ev.bus);
		if (ev.size)
			n += snprintf(line + n, sizeof(line) - (size_t)n, ",\"size\":%zu", ev.size);
		if (ev.has_dir && ev.dir >= 0 && ev.dir <= 3)
			n += snprintf(line + n, sizeof(line) - (size_t)n, ",\"dir\":\"%s\"",
				      dmasim__dir_name(ev.dir));
		if (ev.bounced)
			n += snprintf(line + n, sizeof(line) - (size_t)n, ",\"bounced\":true");
		if (ev.ret)
			n += snprintf(line + n, sizeof(line) - (size_t)n, ",\"ret\":%d", ev.ret);
		if (ev.has_val)
			n += snprintf(line + n, sizeof(line) - (size_t)n, ",\"val\":\"0x%llx\"",
				      (unsigned long long)ev.val);
		if (ev.msg) {
			json_str(msg, sizeof(msg), ev.msg);
			n += snprintf(line + n, sizeof(line) - (size_t)n, ",\"msg\":\"%s\"", msg);
		}
		if (n > 0 && (size_t)n < sizeof(line) - 2)
			fprintf(t->file, "%s}\n", line);
	}
	if (t->fn)
		t->fn(t->ctx, &ev);
	pthread_mutex_unlock(&t->lock);
}
