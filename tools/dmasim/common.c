/*
 * tools/dmasim/common.c - helpers the subcommands share: messages, number
 * parsing, and a small SVG writer (plain SVG 1.1, no dependencies).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

int tool_usage_error(const struct tool_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "dmasim %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s", cmd->usage);
	return EXIT_USAGE;
}

int tool_fail(const struct tool_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "dmasim %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAIL;
}

bool tool_help(const struct tool_cmd *cmd, const char *arg)
{
	if (strcmp(arg, "-h") && strcmp(arg, "--help"))
		return false;
	printf("dmasim %s - %s\n\nusage: %s", cmd->name, cmd->summary, cmd->usage);
	return true;
}

bool tool_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

bool tool_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned int shift = 0;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return false;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: break;
	}
	if (shift && (*end == 'i' || *end == 'I'))
		end++;
	if (shift && (*end == 'b' || *end == 'B'))
		end++;
	if (*end || (shift && v > (~0ULL >> shift)))
		return false;
	*out = v << shift;
	return true;
}

static const char *const dir_names[] = { "DMA_BIDIRECTIONAL", "DMA_TO_DEVICE", "DMA_FROM_DEVICE",
					  "DMA_NONE" };

const char *tool_dir_name(int dir)
{
	return dir >= 0 && dir < 4 ? dir_names[dir] : "?";
}

bool tool_parse_dir(const char *s, int *dir)
{
	static const struct {
		const char *name;
		int dir;
	} words[] = {
		{ "bidi", DMA_BIDIRECTIONAL }, { "bidirectional", DMA_BIDIRECTIONAL },
		{ "to", DMA_TO_DEVICE },       { "to-device", DMA_TO_DEVICE },
		{ "from", DMA_FROM_DEVICE },   { "from-device", DMA_FROM_DEVICE },
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcasecmp(s, words[i].name)) {
			*dir = words[i].dir;
			return true;
		}
	for (int d = 0; d < 3; d++)
		if (!strcasecmp(s, dir_names[d])) {
			*dir = d;
			return true;
		}
	return false;
}

const char *tool_human(uint64_t size, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;
	uint64_t v = size;

	while (u < 4 && v >= 1024 && !(v % 1024)) {
		v /= 1024;
		u++;
	}
	if (u == 0 && size >= 1024) {
		double d = (double)size;

		for (u = 0; u < 4 && d >= 1024; u++)
			d /= 1024;
		snprintf(buf, len, "%.1f %s", d, units[u]);
	} else {
		snprintf(buf, len, "%llu %s", (unsigned long long)v, units[u]);
	}
	return buf;
}

struct dmasim_platform *tool_platform(const struct tool_cmd *cmd, const char *spec)
{
	struct dmasim_platform *p = dmasim_platform_create(spec);

	if (!p)
		fprintf(stderr, "dmasim %s: cannot build the machine \"%s\" (message above)\n", cmd->name,
			spec ? spec : "");
	return p;
}

/* ---- SVG ------------------------------------------------------------------------ */

static void xml_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f); break;
		}
	}
}

int svg_open(struct svg *s, const char *path, double w, double h, const char *title)
{
	s->f = fopen(path, "w");
	if (!s->f)
		return -errno;
	s->w = w;
	s->h = h;
	fprintf(s->f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" height=\"%.0f\" "
		"viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans Mono, monospace\">\n"
		"<title>", w, h, w, h);
	xml_escaped(s->f, title);
	fprintf(s->f, "</title>\n"
		"<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
		"markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" "
		"fill=\"context-stroke\"/></marker></defs>\n"
		"<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"white\"/>\n", w, h);
	return 0;
}

int svg_close(struct svg *s)
{
	fputs("</svg>\n", s->f);
	if (ferror(s->f)) {
		fclose(s->f);
		return -EIO;
	}
	return fclose(s->f) ? -errno : 0;
}

void svg_rect(struct svg *s, double x, double y, double w, double h, const char *fill,
	      const char *stroke, const char *cls)
{
	fprintf(s->f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" stroke=\"%s\"",
		x, y, w, h, fill, stroke ? stroke : "none");
	if (cls)
		fprintf(s->f, " class=\"%s\"", cls);
	fputs("/>\n", s->f);
}

void svg_line(struct svg *s, double x1, double y1, double x2, double y2, const char *stroke,
	      double width, bool arrow)
{
	fprintf(s->f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%.1f\"%s/>\n",
		x1, y1, x2, y2, stroke, width, arrow ? " marker-end=\"url(#arrow)\"" : "");
}

void svg_path_arrow(struct svg *s, double x1, double y1, double x2, double y2, const char *stroke,
		    const char *cls)
{
	double mx = (x1 + x2) / 2;

	fprintf(s->f, "<path d=\"M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"none\" stroke=\"%s\" "
		"stroke-width=\"1.6\" marker-end=\"url(#arrow)\"", x1, y1, mx, y1, mx, y2, x2, y2, stroke);
	if (cls)
		fprintf(s->f, " class=\"%s\"", cls);
	fputs("/>\n", s->f);
}

void svg_text(struct svg *s, double x, double y, double size, const char *anchor, const char *fill,
	      const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(s->f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.1f\" text-anchor=\"%s\" fill=\"%s\">", x, y,
		size, anchor, fill);
	xml_escaped(s->f, buf);
	fputs("</text>\n", s->f);
}

/* ---- address spaces side by side ------------------------------------------------- */

#define COL_W 250.0
#define COL_GAP 130.0
#define TOP 70.0

static double box_height(uint64_t size)
{
	double h = 36.0;

	for (uint64_t s = size; s > 4096; s >>= 1)
		h += 4.0;
	return h > 160.0 ? 160.0 : h;
}

struct placed {
	double y, h;
};

static int cmp_boxes_by_start(const void *a, const void *b, void *ctx)
{
	const struct aspace_box *boxes = ctx;
	const struct aspace_box *x = &boxes[*(const int *)a], *y = &boxes[*(const int *)b];

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->size > y->size ? -1 : x->size < y->size;
}

int svg_aspaces(const char *path, const char *title, const char *const *col_titles, int ncols,
		struct aspace_box *boxes, int nboxes, const struct aspace_arrow *arrows, int narrows,
		const char *const *notes, int nnotes)
{
	struct placed *pl = calloc((size_t)nboxes + 1, sizeof(*pl));
	int *order = calloc((size_t)nboxes + 1, sizeof(*order));
	double bottom = TOP, w = ncols * COL_W + (ncols - 1) * COL_GAP + 40;
	size_t max_chars = (size_t)((w - 40) / 7.3);
	int note_lines = 0;
	struct svg s;
	int ret;

	if (!pl || !order) {
		free(pl);
		free(order);
		return -ENOMEM;
	}
	/* Lay out each column: top-level boxes stacked in address order, children inside. */
	for (int c = 0; c < ncols; c++) {
		int n = 0;
		double y = TOP + 10;
		uint64_t prev_end = 0;
		bool first = true;

		for (int i = 0; i < nboxes; i++)
			if (boxes[i].col == c && boxes[i].parent < 0)
				order[n++] = i;
		qsort_r(order, (size_t)n, sizeof(*order), cmp_boxes_by_start, boxes);
		for (int k = 0; k < n; k++) {
			struct aspace_box *b = &boxes[order[k]];

			if (!first && b->start > prev_end)
				y += 26; /* a break: addresses not drawn */
			pl[order[k]].y = y;
			pl[order[k]].h = box_height(b->size);
			y += pl[order[k]].h + 4;
			prev_end = b->start + b->size;
			first = false;
		}
		if (y > bottom)
			bottom = y;
	}
	/*
	 * Children: in address order inside their parent, below the parent's
	 * two text lines, at their proportional place unless that would
	 * overlap the previous child; at least 30 px tall (two lines of their
	 * own).  Parents grow to hold them.
	 */
	for (int par = 0; par < nboxes; par++) {
		int n = 0;
		double top = pl[par].y + 32, room, prev_end = top - 2;

		for (int i = 0; i < nboxes; i++)
			if (boxes[i].parent == par)
				order[n++] = i;
		if (!n)
			continue;
		qsort_r(order, (size_t)n, sizeof(*order), cmp_boxes_by_start, boxes);
		if (pl[par].h < 34 + n * 32.0 + 4)
			pl[par].h = 34 + n * 32.0 + 4;
		room = pl[par].h - 36;
		for (int k = 0; k < n; k++) {
			const struct aspace_box *b = &boxes[order[k]], *p = &boxes[par];
			double frac = p->size ? (double)(b->start - p->start) / (double)p->size : 0;
			double h = p->size ? room * (double)b->size / (double)p->size : 30;
			double y;

			if (h < 30)
				h = 30;
			y = top + frac * room;
			if (y < prev_end + 2)
				y = prev_end + 2;
			pl[order[k]].y = y;
			pl[order[k]].h = h;
			prev_end = y + h;
		}
		if (prev_end + 4 > pl[par].y + pl[par].h)
			pl[par].h = prev_end + 4 - pl[par].y;
	}
	/* Parents that grew push the boxes under them down. */
	for (int c = 0; c < ncols; c++) {
		int n = 0;
		double y = TOP + 10;
		uint64_t prev_end = 0;

		for (int i = 0; i < nboxes; i++)
			if (boxes[i].col == c && boxes[i].parent < 0)
				order[n++] = i;
		qsort_r(order, (size_t)n, sizeof(*order), cmp_boxes_by_start, boxes);
		for (int k = 0; k < n; k++) {
			double dy;

			if (k && boxes[order[k]].start > prev_end)
				y += 26;
			dy = y - pl[order[k]].y;
			pl[order[k]].y = y;
			for (int i = 0; i < nboxes; i++)
				if (boxes[i].parent == order[k])
					pl[i].y += dy;
			y += pl[order[k]].h + 4;
			prev_end = boxes[order[k]].start + boxes[order[k]].size;
		}
		if (y > bottom)
			bottom = y;
	}
	for (int n = 0; n < nnotes; n++)
		note_lines += (int)(strlen(notes[n]) / (max_chars - 20)) + 1;
	ret = svg_open(&s, path, w, bottom + 40 + 18.0 * note_lines, title);
	if (ret) {
		free(pl);
		free(order);
		return ret;
	}
	svg_text(&s, w / 2, 24, 16, "middle", "#222", "%s", title);
	for (int c = 0; c < ncols; c++) {
		double x = 20 + c * (COL_W + COL_GAP);

		svg_text(&s, x + COL_W / 2, 52, 14, "middle", "#222", "%s", col_titles[c]);
		svg_line(&s, x, TOP, x + COL_W, TOP, "#999", 1, false);
	}
	/* Parents first, then children over them. */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < nboxes; i++) {
			const struct aspace_box *b = &boxes[i];
			double x = 20 + b->col * (COL_W + COL_GAP), bw = COL_W;

			if ((b->parent >= 0) != pass)
				continue;
			if (pass) {
				x += 40;
				bw -= 40;
			}
			svg_rect(&s, x, pl[i].y, bw, pl[i].h, b->fill, "#333", b->cls);
			if (b->label)
				svg_text(&s, x + 6, pl[i].y + 13, 11, "start", "#000", "%s", b->label);
			if (b->detail[0] && pl[i].h >= 28)
				svg_text(&s, x + 6, pl[i].y + 26, 10, "start", "#333", "%s", b->detail);
		}
	for (int a = 0; a < narrows; a++) {
		const struct aspace_arrow *ar = &arrows[a];
		const struct aspace_box *f = &boxes[ar->from], *t = &boxes[ar->to];
		double fx = 20 + f->col * (COL_W + COL_GAP), tx = 20 + t->col * (COL_W + COL_GAP);
		double fy = pl[ar->from].y + pl[ar->from].h / 2, ty = pl[ar->to].y + pl[ar->to].h / 2;
		double x1, x2;

		if (f->col == t->col) {
			/* Within a column: a loop out to the right of it. */
			x1 = fx + COL_W;
			x2 = tx + COL_W;
			fprintf(s.f, "<path d=\"M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"none\" stroke=\"%s\" "
				"stroke-width=\"1.6\" stroke-dasharray=\"5,3\" marker-end=\"url(#arrow)\" class=\"arrow\"/>\n",
				x1, fy, x1 + 70, fy, x2 + 70, ty, x2, ty, ar->colour);
			if (ar->label && a == 0)
				svg_text(&s, x1 + 56, (fy + ty) / 2, 10, "start", ar->colour, "%s", ar->label);
			else if (ar->label) {
				int e;

				for (e = 0; e < a; e++)
					if (arrows[e].label && !strcmp(arrows[e].label, ar->label))
						break;
				if (e == a)
					svg_text(&s, x1 + 56, (fy + ty) / 2, 10, "start", ar->colour, "%s", ar->label);
			}
			continue;
		}
		if (f->col < t->col) {
			x1 = fx + COL_W;
			x2 = tx + (t->parent >= 0 ? 40 : 0);
		} else {
			x1 = fx + (f->parent >= 0 ? 40 : 0);
			x2 = tx + COL_W;
		}
		svg_path_arrow(&s, x1, fy, x2, ty, ar->colour, "arrow");
		for (int e = 0; e < a && ar->label; e++)
			if (arrows[e].label && !strcmp(arrows[e].label, ar->label))
				goto drawn; /* one label says it for all */
		if (ar->label)
			svg_text(&s, (x1 + x2) / 2, (fy + ty) / 2 - 6, 10, "middle", ar->colour, "%s", ar->label);
drawn:;
	}
	{
		int line = 0;

		for (int n = 0; n < nnotes; n++) {
			const char *t = notes[n];

			while (*t) {
				size_t len = strlen(t), cut = len;

				if (len > max_chars) {
					cut = max_chars;
					while (cut > 0 && t[cut] != ' ')
						cut--;
					if (!cut)
						cut = max_chars;
				}
				svg_text(&s, 20, bottom + 30 + 18.0 * line++, 12, "start", "#222", "%.*s", (int)cut, t);
				t += cut;
				while (*t == ' ')
					t++;
			}
		}
	}
	free(pl);
	free(order);
	return svg_close(&s);
}
