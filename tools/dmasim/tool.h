/*
 * tools/dmasim/tool.h - what the subcommands of the dmasim command share:
 * the command table, exit codes, argument parsing helpers, SVG output.
 * The tool uses only the public API (include/dmasim), as any user could.
 */
#ifndef DMASIM_TOOL_H
#define DMASIM_TOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <dmasim/dmasim.h>

/* Exit codes scripts can rely on (also in dmasim(1)). */
enum {
	EXIT_OK = 0,      /* done; for matrix: every machine passed */
	EXIT_FAIL = 1,    /* the run failed: a bad spec, a refused mapping, a failing machine */
	EXIT_USAGE = 2,   /* bad arguments: a message and the usage on stderr */
};

struct tool_cmd {
	const char *name;
	const char *summary;
	const char *usage;  /* the synopsis and options, for --help and errors */
	int (*run)(int argc, char **argv);
};

extern const struct tool_cmd cmd_machines, cmd_dump, cmd_map, cmd_walk, cmd_iova, cmd_trace, cmd_matrix;

/* Print "dmasim CMD: message" and the usage to stderr; returns EXIT_USAGE. */
int tool_usage_error(const struct tool_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print "dmasim CMD: message" to stderr; returns EXIT_FAIL. */
int tool_fail(const struct tool_cmd *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* True if @arg is -h or --help (then the usage went to stdout). */
bool tool_help(const struct tool_cmd *cmd, const char *arg);
/* Parse a size with an optional K/M/G suffix, or a number (0x allowed); false if bad. */
bool tool_parse_size(const char *s, uint64_t *out);
bool tool_parse_u64(const char *s, uint64_t *out);
const char *tool_dir_name(int dir);
bool tool_parse_dir(const char *s, int *dir);
/* "4 KiB", "1.5 MiB": human size into @buf. */
const char *tool_human(uint64_t size, char *buf, size_t len);

/* A platform for @spec (NULL = default, DMASIM_SPEC applies) with log=stderr. */
struct dmasim_platform *tool_platform(const struct tool_cmd *cmd, const char *spec);

/* ---- SVG ------------------------------------------------------------------------ */
struct svg {
	FILE *f;
	double w, h;
};
int svg_open(struct svg *s, const char *path, double w, double h, const char *title);
int svg_close(struct svg *s); /* 0, or -errno if the file could not be written */
void svg_rect(struct svg *s, double x, double y, double w, double h, const char *fill,
	      const char *stroke, const char *cls);
void svg_line(struct svg *s, double x1, double y1, double x2, double y2, const char *stroke,
	      double width, bool arrow);
void svg_path_arrow(struct svg *s, double x1, double y1, double x2, double y2, const char *stroke,
		    const char *cls);
/* Text with XML escaping; @anchor "start", "middle" or "end". */
void svg_text(struct svg *s, double x, double y, double size, const char *anchor, const char *fill,
	      const char *fmt, ...) __attribute__((format(printf, 7, 8)));

#endif

/*
 * A picture of address spaces side by side: columns (CPU virtual X,
 * physical Y, bus Z, ...), each a stack of boxes in address order (heights
 * grow with the logarithm of the size; gaps between boxes are drawn as
 * breaks), and arrows from box to box.
 */
struct aspace_box {
	int col;                 /* column index */
	uint64_t start, size;    /* the address range it stands for */
	const char *label;       /* first line (may be NULL) */
	const char *fill;        /* colour */
	int parent;              /* index of a box it sits inside (drawn over it), or -1 */
	char detail[96];         /* second line, e.g. the range in hex */
	const char *cls;         /* SVG class, for tests and styling */
};
struct aspace_arrow {
	int from, to;            /* box indices */
	const char *colour;
	const char *label;       /* may be NULL */
};
int svg_aspaces(const char *path, const char *title, const char *const *col_titles, int ncols,
		struct aspace_box *boxes, int nboxes, const struct aspace_arrow *arrows, int narrows,
		const char *const *notes, int nnotes);
