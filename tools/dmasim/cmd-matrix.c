/*
 * tools/dmasim/cmd-matrix.c - `dmasim matrix -- COMMAND`: run any program
 * once per named machine (DMASIM_SPEC set to the machine's words), several
 * at a time, and tabulate machine x result x misuse reports x time; JUnit
 * XML for CI systems.  The program needs nothing from dmasim but to create
 * its platforms after start-up (DMASIM_SPEC is read then).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tool.h"

struct job {
	const char *name, *spec;
	char *spec_buf;           /* for --spec NAME=SPEC entries */
	pid_t pid;
	char out_path[64];
	double start, secs;
	int status;               /* wait status */
	bool done, timed_out, spawn_failed;
	unsigned long reports;
};

/* A named machine runs as DMASIM_SPEC="machine=NAME": the library expands it. */
static void add_machine(struct job *j, const struct dmasim_machine_preset *m)
{
	*j = (struct job){ .name = m->name };
	if (asprintf(&j->spec_buf, "machine=%s", m->name) < 0)
		j->spec_buf = NULL;
	j->spec = j->spec_buf ? j->spec_buf : m->spec;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool passed(const struct job *j)
{
	return !j->spawn_failed && !j->timed_out && WIFEXITED(j->status) && WEXITSTATUS(j->status) == 0;
}

static void result_text(const struct job *j, char *buf, size_t len)
{
	if (j->spawn_failed)
		snprintf(buf, len, "cannot run");
	else if (j->timed_out)
		snprintf(buf, len, "timeout");
	else if (WIFSIGNALED(j->status))
		snprintf(buf, len, "signal %d", WTERMSIG(j->status));
	else if (WEXITSTATUS(j->status))
		snprintf(buf, len, "exit %d", WEXITSTATUS(j->status));
	else
		snprintf(buf, len, "pass");
}

static int start(struct job *j, char **cmd)
{
	int fd;

	snprintf(j->out_path, sizeof(j->out_path), "/tmp/dmasim-matrix-XXXXXX");
	fd = mkstemp(j->out_path);
	if (fd < 0)
		return -errno;
	j->start = now();
	j->pid = fork();
	if (j->pid < 0) {
		close(fd);
		return -errno;
	}
	if (!j->pid) {
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0)
			dup2(null, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		setenv("DMASIM_SPEC", j->spec, 1);
		setenv("DMASIM_MACHINE", j->name, 1);
		execvp(cmd[0], cmd);
		fprintf(stderr, "dmasim matrix: cannot run %s: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	close(fd);
	return 0;
}

static void finish(struct job *j)
{
	FILE *f = fopen(j->out_path, "r");
	char *line = NULL;
	size_t cap = 0;

	j->secs = now() - j->start;
	j->done = true;
	if (WIFEXITED(j->status) && WEXITSTATUS(j->status) == 127)
		j->spawn_failed = true;
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0)
		if (strstr(line, "DMA-API: "))
			j->reports++;
	free(line);
	fclose(f);
}

/* The last @n lines of the job's output, indented. */
static void tail(const struct job *j, int n, FILE *out)
{
	FILE *f = fopen(j->out_path, "r");
	char **ring = calloc((size_t)n, sizeof(*ring));
	char *line = NULL;
	size_t cap = 0;
	long count = 0;

	if (!f || !ring) {
		if (f)
			fclose(f);
		free(ring);
		return;
	}
	while (getline(&line, &cap, f) > 0) {
		free(ring[count % n]);
		ring[count % n] = strdup(line);
		count++;
	}
	for (long i = count > n ? count - n : 0; i < count; i++)
		fprintf(out, "    | %s", ring[i % n] ? ring[i % n] : "\n");
	for (int i = 0; i < n; i++)
		free(ring[i]);
	free(ring);
	free(line);
	fclose(f);
}

static void xml_text(FILE *out, FILE *in)
{
	int c;

	while ((c = fgetc(in)) != EOF) {
		if (c == '<')
			fputs("&lt;", out);
		else if (c == '>')
			fputs("&gt;", out);
		else if (c == '&')
			fputs("&amp;", out);
		else if (c == '"')
			fputs("&quot;", out);
		else if (c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c != 0x7f))
			fputc(c, out);
	}
}

static int junit(const char *path, struct job *jobs, int n, char **cmd)
{
	FILE *f = fopen(path, "w");
	int failures = 0;
	double total = 0;

	if (!f)
		return -errno;
	for (int i = 0; i < n; i++) {
		failures += !passed(&jobs[i]);
		total += jobs[i].secs;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites><testsuite name=\"dmasim matrix: ");
	for (char **a = cmd; *a; a++) {
		FILE *m = fmemopen(*a, strlen(*a), "r");

		if (m) {
			xml_text(f, m);
			fclose(m);
		}
		fputc(a[1] ? ' ' : '"', f);
	}
	fprintf(f, " tests=\"%d\" failures=\"%d\" time=\"%.3f\">\n", n, failures, total);
	for (int i = 0; i < n; i++) {
		struct job *j = &jobs[i];
		char res[32];
		FILE *o;

		result_text(j, res, sizeof(res));
		fprintf(f, "  <testcase classname=\"dmasim.matrix\" name=\"%s\" time=\"%.3f\">\n", j->name, j->secs);
		fprintf(f, "    <properties><property name=\"DMASIM_SPEC\" value=\"");
		{
			FILE *m = fmemopen((void *)j->spec, strlen(j->spec) + 1, "r");

			if (m) {
				xml_text(f, m);
				fclose(m);
			}
		}
		fprintf(f, "\"/><property name=\"misuse_reports\" value=\"%lu\"/></properties>\n", j->reports);
		if (!passed(j))
			fprintf(f, "    <failure message=\"%s\"/>\n", res);
		o = fopen(j->out_path, "r");
		if (o) {
			fputs("    <system-out>", f);
			xml_text(f, o);
			fputs("</system-out>\n", f);
			fclose(o);
		}
		fputs("  </testcase>\n", f);
	}
	fputs("</testsuite></testsuites>\n", f);
	return fclose(f) ? -errno : 0;
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "machines", required_argument, NULL, 'm' }, { "spec", required_argument, NULL, 's' },
		{ "jobs", required_argument, NULL, 'j' },     { "junit", required_argument, NULL, 'u' },
		{ "timeout", required_argument, NULL, 't' },  { "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },           { 0 },
	};
	size_t nm = 0;
	struct job *jobs;
	const char *list = "all", *junit_path = NULL;
	char *extra[64];
	int nextra = 0, n = 0, c, running = 0, next = 0, finished = 0, failed = 0, ret = EXIT_OK;
	uint64_t par = 2, timeout = 600;
	bool verbose = false, tty = isatty(2);
	char **cmd;

	while (dmasim_machine_preset_get(nm))
		nm++;
	jobs = calloc(nm + 64, sizeof(*jobs));
	if (!jobs)
		return tool_fail(&cmd_matrix, "out of memory");
	par = (uint64_t)sysconf(_SC_NPROCESSORS_ONLN);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+hj:m:v", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			list = optarg;
			break;
		case 's':
			if (!strchr(optarg, '=') || optarg[0] == '=' || nextra == 64) {
				free(jobs);
				return tool_usage_error(&cmd_matrix, "--spec %s: expected NAME=SPEC", optarg);
			}
			extra[nextra++] = optarg;
			break;
		case 'j':
			if (!tool_parse_u64(optarg, &par) || !par || par > 256) {
				free(jobs);
				return tool_usage_error(&cmd_matrix, "-j %s: expected 1 to 256", optarg);
			}
			break;
		case 'u':
			junit_path = optarg;
			break;
		case 't':
			if (!tool_parse_u64(optarg, &timeout) || !timeout) {
				free(jobs);
				return tool_usage_error(&cmd_matrix, "--timeout %s: expected seconds", optarg);
			}
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			free(jobs);
			tool_help(&cmd_matrix, "--help");
			return EXIT_OK;
		default:
			free(jobs);
			return tool_usage_error(&cmd_matrix, "bad option");
		}
	}
	if (optind >= argc) {
		free(jobs);
		return tool_usage_error(&cmd_matrix, "which program?  dmasim matrix [OPTIONS] -- COMMAND [ARGS]");
	}
	cmd = argv + optind;
	/* The machines: names (or all), then --spec entries. */
	if (strcmp(list, "none")) {
		char *copy = strdup(list), *save = NULL;

		for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
			if (!strcmp(name, "all")) {
				for (size_t i = 0; i < nm; i++)
					add_machine(&jobs[n++], dmasim_machine_preset_get(i));
				continue;
			}
			{
				const struct dmasim_machine_preset *m = dmasim_machine_preset_find(name);

				if (!m) {
					int rc = tool_usage_error(&cmd_matrix, "no machine called '%s' (dmasim machines lists them)",
								  name);

					free(copy);
					free(jobs);
					return rc;
				}
				if (n == (int)nm + 32) {
					free(copy);
					free(jobs);
					return tool_usage_error(&cmd_matrix, "too many machines");
				}
				add_machine(&jobs[n++], m);
			}
		}
		free(copy);
	}
	for (int i = 0; i < nextra; i++) {
		char *eq = strchr(extra[i], '=');

		*eq = '\0';
		jobs[n++] = (struct job){ .name = extra[i], .spec = eq + 1 };
	}
	if (!n) {
		free(jobs);
		return tool_usage_error(&cmd_matrix, "no machines to run on");
	}
	while (finished < n) {
		while (running < (int)par && next < n) {
			int err = start(&jobs[next], cmd);

			if (err) {
				jobs[next].spawn_failed = jobs[next].done = true;
				finished++;
			} else {
				running++;
			}
			next++;
		}
		for (int i = 0; i < next; i++) {
			struct job *j = &jobs[i];

			if (j->done || j->pid <= 0)
				continue;
			if (waitpid(j->pid, &j->status, WNOHANG) == j->pid) {
				finish(j);
				running--;
				finished++;
				failed += !passed(j);
				if (tty)
					fprintf(stderr, "\r\033[K[%d/%d] %s: %s%s", finished, n, j->name,
						passed(j) ? "pass" : "FAIL", finished == n ? "\n" : "");
			} else if (now() - j->start > (double)timeout) {
				kill(j->pid, SIGKILL);
				waitpid(j->pid, &j->status, 0);
				j->timed_out = true;
				finish(j);
				running--;
				finished++;
				failed++;
			}
		}
		if (finished < n) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	printf("%-28s %-10s %8s %9s\n", "machine", "result", "reports", "time");
	for (int i = 0; i < n; i++) {
		char res[32];

		result_text(&jobs[i], res, sizeof(res));
		printf("%-28s %-10s %8lu %7.2f s\n", jobs[i].name, res, jobs[i].reports, jobs[i].secs);
	}
	printf("%d machine%s: %d passed, %d failed\n", n, n == 1 ? "" : "s", n - failed, failed);
	for (int i = 0; i < n; i++)
		if (!passed(&jobs[i]) || (verbose && jobs[i].reports)) {
			printf("\n%s (DMASIM_SPEC=\"%s\"), last lines of its output:\n", jobs[i].name, jobs[i].spec);
			fflush(stdout);
			tail(&jobs[i], verbose ? 200 : 12, stdout);
		}
	if (junit_path) {
		int err = junit(junit_path, jobs, n, cmd);

		if (err)
			ret = tool_fail(&cmd_matrix, "cannot write %s: %s", junit_path, strerror(-err));
	}
	for (int i = 0; i < n; i++) {
		if (jobs[i].out_path[0])
			unlink(jobs[i].out_path);
		free(jobs[i].spec_buf);
	}
	free(jobs);
	return failed ? EXIT_FAIL : ret;
}

const struct tool_cmd cmd_matrix = {
	"matrix", "run any program once per named machine and tabulate pass/fail, reports, time",
	"dmasim matrix [--machines LIST] [--spec NAME=SPEC]... [-j N] [--timeout S] [--junit FILE]\n"
	"              [--verbose] -- COMMAND [ARGS]\n"
	"  --machines LIST   comma-separated machine names (dmasim machines), or all (the default),\n"
	"                    or none (only --spec entries)\n"
	"  --spec NAME=SPEC  also run on a machine of your own\n"
	"  -j N              how many runs at a time (default: the number of CPUs)\n"
	"  --timeout S       kill a run after S seconds (default 600)\n"
	"  --junit FILE      also write the results as JUnit XML\n"
	"  --verbose         show the whole output of failing runs, and of runs with reports\n"
	"Each run gets DMASIM_SPEC (and DMASIM_MACHINE, the name).  Misuse reports are the\n"
	"output lines holding \"DMA-API: \".  Exit status: 0 if every run exited 0, else 1.\n",
	run,
};
