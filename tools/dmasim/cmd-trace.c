/*
 * tools/dmasim/cmd-trace.c - `dmasim trace FILE`: a summary of a JSON-lines
 * trace (docs/trace.md): events per kind and device, bytes moved, bounces,
 * faults and reports, the mappings still live at the end, and a timeline
 * per device (text, or SVG with --svg).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

struct event {
	unsigned long seq;
	unsigned long long t_ns;
	char ev[24], call[48], dev[64], dir[24], msg[400];
	unsigned long long cpu, phys, bus, size;
	bool has_bus, bounced;
	long ret;
};

#define MAX_DEVS 32
#define MAX_KINDS 24

struct live {
	char dev[64], call[48], dir[24];
	unsigned long long bus, size;
	unsigned long seq;
	bool bounced, alloc;
};

struct sum {
	unsigned long n, bad_lines;
	unsigned long long t_first, t_last;
	char devs[MAX_DEVS][64];
	int ndev;
	const char *kinds[MAX_KINDS];
	int nkind;
	unsigned long count[MAX_KINDS][MAX_DEVS + 1]; /* last column: no device */
	unsigned long long rd_bytes, wr_bytes, bounce_bytes;
	unsigned long bounces;
	struct event *faults, *reports;
	size_t nfaults, nreports;
	struct live *live;
	size_t nlive, cap_live;
	struct event *all;
	size_t nall, cap_all;
};

static const char *const known_kinds[] = { "map", "unmap", "sync_for_cpu", "sync_for_device", "alloc",
					   "free", "bounce", "dev_read", "dev_write", "fault",
					   "iotlb_flush", "fail", "report" };

/* Parse one flat JSON object of our own writer: string, number and boolean values. */
static const char *json_string(const char *p, char *out, size_t len)
{
	size_t o = 0;

	if (*p != '"')
		return NULL;
	for (p++; *p && *p != '"'; p++) {
		char c = *p;

		if (c == '\\') {
			p++;
			switch (*p) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'u': c = '?'; p += 4; break;
			case '\0': return NULL;
			default: c = *p; break;
			}
		}
		if (o + 1 < len)
			out[o++] = c;
	}
	if (len)
		out[o] = '\0';
	return *p == '"' ? p + 1 : NULL;
}

static bool parse_line(const char *line, struct event *e)
{
	const char *p = line;

	memset(e, 0, sizeof(*e));
	while (*p == ' ')
		p++;
	if (*p++ != '{')
		return false;
	while (*p && *p != '}') {
		char key[32], sval[400];
		bool is_str;

		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '}')
			break;
		p = json_string(p, key, sizeof(key));
		if (!p || *p++ != ':')
			return false;
		is_str = *p == '"';
		if (is_str) {
			p = json_string(p, sval, sizeof(sval));
			if (!p)
				return false;
		} else {
			size_t o = 0;

			while (*p && *p != ',' && *p != '}' && o + 1 < sizeof(sval))
				sval[o++] = *p++;
			sval[o] = '\0';
		}
#define STR(f) (strncpy(e->f, sval, sizeof(e->f) - 1), e->f[sizeof(e->f) - 1] = '\0')
		if (!strcmp(key, "seq")) e->seq = strtoul(sval, NULL, 0);
		else if (!strcmp(key, "t_ns")) e->t_ns = strtoull(sval, NULL, 0);
		else if (!strcmp(key, "ev")) STR(ev);
		else if (!strcmp(key, "call")) STR(call);
		else if (!strcmp(key, "dev")) STR(dev);
		else if (!strcmp(key, "dir")) STR(dir);
		else if (!strcmp(key, "msg")) STR(msg);
		else if (!strcmp(key, "cpu")) e->cpu = strtoull(sval, NULL, 0);
		else if (!strcmp(key, "phys")) e->phys = strtoull(sval, NULL, 0);
		else if (!strcmp(key, "bus")) { e->bus = strtoull(sval, NULL, 0); e->has_bus = true; }
		else if (!strcmp(key, "size")) e->size = strtoull(sval, NULL, 0);
		else if (!strcmp(key, "bounced")) e->bounced = !strcmp(sval, "true");
		else if (!strcmp(key, "ret")) e->ret = strtol(sval, NULL, 0);
#undef STR
	}
	return *p == '}' && e->ev[0];
}

static int dev_index(struct sum *s, const char *dev)
{
	if (!dev[0])
		return MAX_DEVS;
	for (int i = 0; i < s->ndev; i++)
		if (!strcmp(s->devs[i], dev))
			return i;
	if (s->ndev == MAX_DEVS)
		return MAX_DEVS;
	snprintf(s->devs[s->ndev], sizeof(s->devs[0]), "%s", dev);
	return s->ndev++;
}

static int kind_index(struct sum *s, const char *ev)
{
	for (int i = 0; i < s->nkind; i++)
		if (!strcmp(s->kinds[i], ev))
			return i;
	if (s->nkind == MAX_KINDS)
		return -1;
	for (size_t k = 0; k < sizeof(known_kinds) / sizeof(known_kinds[0]); k++)
		if (!strcmp(known_kinds[k], ev)) {
			s->kinds[s->nkind] = known_kinds[k];
			return s->nkind++;
		}
	s->kinds[s->nkind] = strdup(ev);
	return s->kinds[s->nkind] ? s->nkind++ : -1;
}

static void *push(void *arr, size_t *n, size_t *cap, size_t elem)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		void *na = realloc(arr, nc * elem);

		if (!na)
			return NULL;
		arr = na;
		*cap = nc;
	}
	(*n)++;
	return arr;
}

static int add(struct sum *s, const struct event *e)
{
	int d = dev_index(s, e->dev), k = kind_index(s, e->ev);
	size_t cap_f = s->nfaults, cap_r = s->nreports;

	if (!s->n)
		s->t_first = e->t_ns;
	s->t_last = e->t_ns;
	s->n++;
	if (k >= 0)
		s->count[k][d]++;
	s->all = push(s->all, &s->nall, &s->cap_all, sizeof(*e));
	if (!s->all)
		return -ENOMEM;
	s->all[s->nall - 1] = *e;
	if (!strcmp(e->ev, "dev_read") && !e->ret)
		s->rd_bytes += e->size;
	else if (!strcmp(e->ev, "dev_write") && !e->ret)
		s->wr_bytes += e->size;
	else if (!strcmp(e->ev, "bounce")) {
		s->bounces++;
		s->bounce_bytes += e->size;
	} else if (!strcmp(e->ev, "fault")) {
		s->faults = realloc(s->faults, ++cap_f * sizeof(*e));
		if (!s->faults)
			return -ENOMEM;
		s->faults[s->nfaults++] = *e;
	} else if (!strcmp(e->ev, "report")) {
		s->reports = realloc(s->reports, ++cap_r * sizeof(*e));
		if (!s->reports)
			return -ENOMEM;
		s->reports[s->nreports++] = *e;
	} else if ((!strcmp(e->ev, "map") || !strcmp(e->ev, "alloc")) && !e->ret && e->has_bus) {
		struct live *l;

		s->live = push(s->live, &s->nlive, &s->cap_live, sizeof(*s->live));
		if (!s->live)
			return -ENOMEM;
		l = &s->live[s->nlive - 1];
		memset(l, 0, sizeof(*l));
		snprintf(l->dev, sizeof(l->dev), "%s", e->dev);
		snprintf(l->call, sizeof(l->call), "%s", e->call);
		snprintf(l->dir, sizeof(l->dir), "%s", e->dir);
		l->bus = e->bus;
		l->size = e->size;
		l->seq = e->seq;
		l->bounced = e->bounced;
		l->alloc = !strcmp(e->ev, "alloc");
	} else if ((!strcmp(e->ev, "unmap") || !strcmp(e->ev, "free")) && e->has_bus) {
		for (size_t i = s->nlive; i-- > 0;)
			if (s->live[i].bus == e->bus && !strcmp(s->live[i].dev, e->dev) &&
			    s->live[i].alloc == !strcmp(e->ev, "free")) {
				s->live[i] = s->live[--s->nlive];
				break;
			}
	}
	return 0;
}

/* One character per event kind on the timeline; a column shows the most telling event in it. */
static char glyph(const char *ev, int *rank)
{
	static const struct {
		const char *ev;
		char c;
		int rank;
	} g[] = {
		{ "report", '!', 9 }, { "fault", 'X', 8 },  { "fail", 'f', 7 },    { "map", 'M', 5 },
		{ "unmap", 'U', 5 },  { "alloc", 'A', 5 },  { "free", 'F', 5 },    { "bounce", 'b', 4 },
		{ "dev_write", 'w', 3 }, { "dev_read", 'r', 3 }, { "sync_for_cpu", 'c', 2 },
		{ "sync_for_device", 'd', 2 }, { "iotlb_flush", 'i', 1 },
		/* device models (docs/trace.md): registers, interrupts, the device's own work */
		{ "irq", 'q', 4 }, { "irq_raise", 'q', 3 }, { "irq_lower", 'q', 1 },
		{ "mmio_write", 'm', 2 }, { "pio_write", 'm', 2 }, { "mmio_read", 'm', 1 },
		{ "pio_read", 'm', 1 }, { "dev_work", 'k', 1 },
	};

	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++)
		if (!strcmp(g[i].ev, ev)) {
			*rank = g[i].rank;
			return g[i].c;
		}
	*rank = 0;
	return '.';
}

#define COLS 64

static void timeline(const struct sum *s, int d, char *row)
{
	int rank[COLS] = { 0 };
	unsigned long first = s->all[0].seq, last = s->all[s->nall - 1].seq;

	memset(row, ' ', COLS);
	row[COLS] = '\0';
	for (size_t i = 0; i < s->nall; i++) {
		const struct event *e = &s->all[i];
		int r, col;
		char c;

		if (dev_index((struct sum *)s, e->dev) != d)
			continue;
		col = last > first ? (int)((e->seq - first) * (COLS - 1) / (last - first)) : 0;
		c = glyph(e->ev, &r);
		if (r >= rank[col]) {
			rank[col] = r;
			row[col] = c;
		}
	}
}

static int draw(const char *path, const struct sum *s, const char *file)
{
	struct svg g;
	double left = 140, w = 1000, row_h = 36, top = 70;
	int lanes = s->ndev + 1, ret;
	unsigned long first = s->all[0].seq, last = s->all[s->nall - 1].seq;
	static const struct {
		const char *ev, *colour;
	} colours[] = {
		{ "map", "#27ae60" },       { "unmap", "#7f8c8d" },  { "alloc", "#16a085" },
		{ "free", "#95a5a6" },      { "sync_for_cpu", "#2980b9" }, { "sync_for_device", "#8e44ad" },
		{ "dev_read", "#f39c12" },  { "dev_write", "#d35400" }, { "bounce", "#e84393" },
		{ "fault", "#c0392b" },     { "report", "#e74c3c" }, { "iotlb_flush", "#34495e" },
		{ "fail", "#6c3483" },      { "mmio_read", "#aeb6bf" }, { "mmio_write", "#5d6d7e" },
		{ "irq", "#a569bd" },       { "dev_work", "#a04000" },
	};
	const int nc = (int)(sizeof(colours) / sizeof(colours[0]));

	ret = svg_open(&g, path, left + w + 40, top + lanes * row_h + 110, "dmasim trace timeline");
	if (ret)
		return ret;
	svg_text(&g, (left + w) / 2, 24, 16, "middle", "#222", "dmasim trace: %s (%lu events)", file, s->n);
	svg_text(&g, left, 50, 11, "start", "#555", "event %lu", first);
	svg_text(&g, left + w, 50, 11, "end", "#555", "event %lu", last);
	for (int d = 0; d < lanes; d++) {
		double y = top + d * row_h;

		svg_rect(&g, left, y, w, row_h - 6, d % 2 ? "#fbfcfc" : "#f2f3f4", "#ccc", "lane");
		svg_text(&g, left - 8, y + row_h / 2, 12, "end", "#222", "%s", d < s->ndev ? s->devs[d] : "(platform)");
	}
	for (size_t i = 0; i < s->nall; i++) {
		const struct event *e = &s->all[i];
		int d = dev_index((struct sum *)s, e->dev);
		double x = left + (last > first ? (double)(e->seq - first) * w / (double)(last - first) : 0);
		double y = top + (d == MAX_DEVS ? s->ndev : d) * row_h;
		const char *colour = "#000";

		for (int c = 0; c < nc; c++) {
			const char *ev = e->ev;

			if (!strcmp(ev, "pio_read"))
				ev = "mmio_read";
			else if (!strcmp(ev, "pio_write"))
				ev = "mmio_write";
			else if (!strncmp(ev, "irq_", 4))
				ev = "irq";
			if (!strcmp(colours[c].ev, ev))
				colour = colours[c].colour;
		}
		fprintf(g.f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"3\" height=\"%.1f\" fill=\"%s\" class=\"event\"><title>#%lu %s %s</title></rect>\n",
			x, y + 3, row_h - 12, colour, e->seq, e->ev, e->call);
	}
	for (int c = 0; c < nc; c++) {
		double x = left + (c % 7) * 140, y = top + lanes * row_h + 20 + (c / 7) * 20;

		svg_rect(&g, x, y - 10, 10, 10, colours[c].colour, NULL, NULL);
		svg_text(&g, x + 14, y, 11, "start", "#222", "%s", colours[c].ev);
	}
	return svg_close(&g);
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "svg", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *svg = NULL, *path;
	struct sum *s;
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	int c, ret = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 's')
			svg = optarg;
		else if (c == 'h') {
			tool_help(&cmd_trace, "--help");
			return EXIT_OK;
		} else
			return tool_usage_error(&cmd_trace, "bad option");
	}
	if (optind + 1 != argc)
		return tool_usage_error(&cmd_trace, optind < argc ? "one FILE only" : "which trace file?");
	path = argv[optind];
	f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f)
		return tool_fail(&cmd_trace, "cannot open %s: %s", path, strerror(errno));
	s = calloc(1, sizeof(*s));
	if (!s)
		return tool_fail(&cmd_trace, "out of memory");
	while (getline(&line, &cap, f) > 0) {
		struct event e;

		if (line[0] == '\n')
			continue;
		if (!parse_line(line, &e)) {
			s->bad_lines++;
			continue;
		}
		if (add(s, &e)) {
			ret = tool_fail(&cmd_trace, "out of memory");
			break;
		}
	}
	free(line);
	if (f != stdin)
		fclose(f);
	if (ret == EXIT_OK && !s->n)
		ret = tool_fail(&cmd_trace, "%s holds no trace events%s", path,
				s->bad_lines ? " (no line is a dmasim event)" : "");
	if (ret == EXIT_OK) {
		printf("trace %s: %lu events over %.3f ms, %d device%s", path, s->n,
		       (double)(s->t_last - s->t_first) / 1e6, s->ndev, s->ndev == 1 ? "" : "s");
		if (s->bad_lines)
			printf(", %lu lines not understood", s->bad_lines);
		printf("\n\nevents per kind and device:\n  %-16s", "");
		for (int d = 0; d < s->ndev; d++)
			printf(" %10.10s", s->devs[d]);
		printf(" %10s %7s\n", "(none)", "total");
		for (int k = 0; k < s->nkind; k++) {
			unsigned long total = 0;

			printf("  %-16s", s->kinds[k]);
			for (int d = 0; d <= s->ndev; d++) {
				unsigned long n = s->count[k][d == s->ndev ? MAX_DEVS : d];

				printf(" %10lu", n);
				total += n;
			}
			printf(" %7lu\n", total);
		}
		printf("\nbytes moved by devices: %llu read, %llu written\n", s->rd_bytes, s->wr_bytes);
		printf("bounces through swiotlb: %lu (%llu bytes copied)\n", s->bounces, s->bounce_bytes);
		printf("\nfaults: %zu\n", s->nfaults);
		for (size_t i = 0; i < s->nfaults; i++)
			printf("  #%lu %s %s bus 0x%llx: %s\n", s->faults[i].seq, s->faults[i].dev,
			       s->faults[i].call, s->faults[i].bus, s->faults[i].msg);
		printf("misuse reports: %zu\n", s->nreports);
		for (size_t i = 0; i < s->nreports; i++)
			printf("  #%lu %s\n", s->reports[i].seq, s->reports[i].msg);
		printf("\nlive at the end: %zu\n", s->nlive);
		for (size_t i = 0; i < s->nlive; i++)
			printf("  %s bus 0x%llx %llu bytes %s%s (%s, event #%lu)\n", s->live[i].dev,
			       s->live[i].bus, s->live[i].size, s->live[i].dir, s->live[i].bounced ? " bounced" : "",
			       s->live[i].call, s->live[i].seq);
		printf("\ntimeline (events #%lu..#%lu; M map, U unmap, A alloc, F free, c/d sync for cpu/device,\n"
		       "          r/w device read/write, b bounce, i IOTLB flush, X fault, ! report, f injected failure,\n"
		       "          m register access, q interrupt, k device work):\n",
		       s->all[0].seq, s->all[s->nall - 1].seq);
		for (int d = 0; d <= s->ndev; d++) {
			char row[COLS + 1];

			timeline(s, d == s->ndev ? MAX_DEVS : d, row);
			if (d == s->ndev && !strpbrk(row, "!XfMUAFcdrwbimqk"))
				continue;
			printf("  %-12.12s |%s|\n", d < s->ndev ? s->devs[d] : "(platform)", row);
		}
		if (svg) {
			int err = draw(svg, s, path);

			if (err)
				ret = tool_fail(&cmd_trace, "cannot write %s: %s", svg, strerror(-err));
		}
	}
	for (int k = 0; k < s->nkind; k++) {
		bool builtin = false;

		for (size_t j = 0; j < sizeof(known_kinds) / sizeof(known_kinds[0]); j++)
			builtin |= s->kinds[k] == known_kinds[j];
		if (!builtin)
			free((char *)s->kinds[k]);
	}
	free(s->faults);
	free(s->reports);
	free(s->live);
	free(s->all);
	free(s);
	return ret;
}

const struct tool_cmd cmd_trace = {
	"trace", "summarise a JSON-lines trace (trace=PATH): counts, bytes, faults, reports, timeline",
	"dmasim trace FILE [--svg FILE]\n"
	"  FILE         a trace written with the spec word trace=PATH (docs/trace.md); - reads stdin\n"
	"  --svg FILE   also draw a timeline per device\n",
	run,
};
