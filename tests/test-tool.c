/*
 * tests/test-tool.c - the dmasim command (tools/dmasim): each subcommand's
 * output on fixed machines, its pictures (well-formed SVG holding the
 * elements that carry the meaning), exit codes for bad arguments, and the
 * matrix runner reporting a failing machine.  The tool is run as a user
 * would; its path comes in DMASIM_TOOL.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dmasim/dmasim.h>

static char out[1 << 16];

/* Run `dmasim ARGS` (a shell word list) with DMASIM_SPEC cleared; its stdout+stderr into out. */
static int tool(const char *fmt, ...)
{
	char cmd[2048], args[1536];
	va_list ap;
	FILE *f;
	size_t n;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "DMASIM_SPEC= '%s' %s 2>&1", getenv("DMASIM_TOOL"), args);
	f = popen(cmd, "r");
	assert_non_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

#define assert_out_has(s) \
	do { if (!strstr(out, s)) fail_msg("output lacks \"%s\":\n%s", s, out); } while (0)

/* Well-formed XML: balanced tags, quoted attributes, known entities only. */
static int xml_check(const char *path, char *why, size_t len)
{
	FILE *f = fopen(path, "r");
	static char doc[1 << 20];
	char stack[64][32];
	int depth = 0, roots = 0;
	size_t n;
	const char *p;

	if (!f)
		return snprintf(why, len, "cannot open %s", path), -1;
	n = fread(doc, 1, sizeof(doc) - 1, f);
	fclose(f);
	doc[n] = '\0';
	p = doc;
	if (!strncmp(p, "<?xml", 5)) {
		p = strstr(p, "?>");
		if (!p)
			return snprintf(why, len, "unterminated declaration"), -1;
		p += 2;
	}
	while (*p) {
		if (*p == '&') {
			static const char *const ents[] = { "&lt;", "&gt;", "&amp;", "&quot;", "&apos;" };
			size_t i;

			for (i = 0; i < 5 && strncmp(p, ents[i], strlen(ents[i])); i++)
				;
			if (i == 5)
				return snprintf(why, len, "bad entity near %.20s", p), -1;
			p++;
			continue;
		}
		if (*p != '<') {
			if (!depth && !isspace((unsigned char)*p))
				return snprintf(why, len, "text outside the root"), -1;
			p++;
			continue;
		}
		if (p[1] == '/') {
			size_t l = strcspn(p + 2, ">");

			if (!depth || strncmp(stack[depth - 1], p + 2, l) || strlen(stack[depth - 1]) != l)
				return snprintf(why, len, "unbalanced </%.*s>", (int)l, p + 2), -1;
			depth--;
			p += 3 + l;
			continue;
		}
		{
			size_t l = strcspn(p + 1, " \t\n/>");
			const char *q = p + 1 + l;

			if (!l || l >= 32)
				return snprintf(why, len, "bad tag near %.20s", p), -1;
			while (*q && *q != '>' && !(q[0] == '/' && q[1] == '>')) {
				if (*q == '=') {
					char quote = q[1];
					const char *end;

					if (quote != '"' && quote != '\'')
						return snprintf(why, len, "unquoted attribute near %.20s", q), -1;
					end = strchr(q + 2, quote);
					if (!end || memchr(q + 2, '<', (size_t)(end - q - 2)))
						return snprintf(why, len, "bad attribute value near %.20s", q), -1;
					q = end + 1;
					continue;
				}
				q++;
			}
			if (!*q)
				return snprintf(why, len, "unterminated tag"), -1;
			if (!depth)
				roots++;
			if (*q == '>') {
				if (depth == 64)
					return snprintf(why, len, "too deep"), -1;
				snprintf(stack[depth++], sizeof(stack[0]), "%.*s", (int)l, p + 1);
				p = q + 1;
			} else {
				p = q + 2;
			}
		}
	}
	if (depth || roots != 1)
		return snprintf(why, len, "%d tags left open, %d roots", depth, roots), -1;
	return 0;
}

static void assert_svg(const char *path, const char *const *needles, size_t n)
{
	char why[128], *doc;
	FILE *f;
	long size;

	if (xml_check(path, why, sizeof(why)))
		fail_msg("%s is not well-formed XML: %s", path, why);
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	doc = calloc(1, (size_t)size + 1);
	assert_non_null(doc);
	assert_int_equal(fread(doc, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	assert_non_null(strstr(doc, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
	for (size_t i = 0; i < n; i++)
		if (!strstr(doc, needles[i]))
			fail_msg("%s lacks %s", path, needles[i]);
	free(doc);
}

static char tmp[64];

static void test_machines(void **state)
{
	size_t n = 0, lines = 0;
	const struct dmasim_machine_preset *m;

	(void)state;
	assert_int_equal(tool("machines"), 0);
	for (; (m = dmasim_machine_preset_get(n)); n++)
		assert_out_has(m->name);
	assert_int_equal(tool("machines --names"), 0);
	for (const char *p = out; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, n);
	assert_int_equal(tool("machines --pairs"), 0);
	assert_out_has("iommu-lazy=iommu=arm-lpae-4k iova=rbtree mode=lazy\n");
	/* --list-machines, the flag of the wording, is the same list. */
	assert_int_equal(tool("--list-machines --names"), 0);
	assert_out_has("noncoherent-iommu-lazy\n");
}

static void test_map_direct_bounce(void **state)
{
	char svg[96];
	static const char *const needles[] = { "class=\"x\"", "class=\"y\"", "class=\"z\"", "class=\"bounce\"",
					       "class=\"arrow\"", "swiotlb slot", "PAGE_OFFSET" };

	(void)state;
	snprintf(svg, sizeof(svg), "%s/map.svg", tmp);
	/* RAM above 4 GiB and a 32-bit device: the buffer bounces through swiotlb below 4 GiB. */
	assert_int_equal(tool("map 'ram=64M@0x80000000,256M@0x100000000' --svg %s", svg), 0);
	assert_out_has("device:  dev0, DMA mask 0xffffffff, no IOMMU: Z = Y - bus offset");
	assert_out_has("buffer:  single, 4 KiB, DMA_TO_DEVICE");
	assert_out_has("Y  physical     0x10c000000");
	assert_out_has("Z  bus          0x080000000  -> Y 0x080000000");
	assert_out_has("bounced: the device reaches a swiotlb slot at Y 0x80000000, not the driver's buffer at Y 0x10c000000");
	assert_out_has("0xffff88810c000000  (a kernel's linear map: PAGE_OFFSET 0xffff888000000000 + Y)");
	assert_out_has("struct page at 0xffffea0004300000");
	assert_svg(svg, needles, sizeof(needles) / sizeof(needles[0]));
}

static void test_map_iommu(void **state)
{
	(void)state;
	/* kernel dma-iommu.c: IOVAs are allocated top-down from the 32-bit limit, size-aligned. */
	assert_int_equal(tool("map 'iommu=on' --size 6000 --dir from"), 0);
	assert_out_has("behind the IOMMU: bus addresses are IOVAs");
	assert_out_has("buffer:  single, 5.9 KiB, DMA_FROM_DEVICE");
	assert_out_has("Z  bus          0x0ffffe000");
	assert_out_has("IOVA range 0xffffe000-0xfffff76f (single mapping of 6000 bytes)");
	assert_out_has("page-table entries (arm-lpae-4k");
	assert_out_has("Z 0x0fffff000: level 3 table");
	assert_out_has("not bounced");
	/* Every kind maps, behind the IOMMU and without. */
	for (int iommu = 0; iommu < 2; iommu++) {
		static const char *const kinds[] = { "single", "page", "sg", "coherent", "pool" };

		for (size_t k = 0; k < 5; k++) {
			if (tool("map %s --kind %s --size 2048", iommu ? "iommu=on" : "", kinds[k]))
				fail_msg("map --kind %s failed:\n%s", kinds[k], out);
			assert_out_has("  Z  bus ");
			assert_null(strstr(out, "DMA-API"));
		}
	}
	assert_int_equal(tool("map iommu=on --kind sg --nents 3"), 0);
	assert_out_has("entry 2:");
	/* Behind the IOMMU, dma_map_sg merges the scattered pages into one segment. */
	assert_out_has("Z  bus ");
	assert_null(strstr(out, "DMA segment 1"));
}

static void test_walk(void **state)
{
	char svg[96];
	static const char *const needles[] = { "class=\"table\"", "class=\"page\"", "level 3 table",
					       "page -&gt; 0x" };

	(void)state;
	snprintf(svg, sizeof(svg), "%s/walk.svg", tmp);
	assert_int_equal(tool("walk iommu=on --svg %s", svg), 0);
	assert_out_has("IOMMU page table: arm-lpae-4k, 4 levels, 48-bit IOVAs");
	assert_out_has("level 0: table Y");
	assert_out_has("table -> next-level table at 0x");
	assert_out_has("level 3: table Y");
	assert_out_has("page -> 0x");
	assert_out_has("AF SH=inner R W unpriv nG");
	assert_out_has("=> Y 0x");
	assert_svg(svg, needles, sizeof(needles) / sizeof(needles[0]));
	/* The two-level format says what its entries are too. */
	assert_int_equal(tool("walk machine=iommu-v7s"), 0);
	assert_out_has("table -> level-2 table at 0x");
	assert_out_has("small page -> 0x");
	/* An unmapped IOVA: the walk stops and says so. */
	assert_int_equal(tool("walk iommu=on 0x10000000"), 0);
	assert_out_has("invalid (bit 0 clear)");
	assert_out_has("not mapped: a device access here is a translation fault");
	/* No IOMMU: nothing to walk, said plainly. */
	assert_int_equal(tool("walk"), 0);
	assert_out_has("has no IOMMU in front of it");
	/* The CPU side: pgd, p4d (folded), pud, pmd, pte. */
	assert_int_equal(tool("walk --cpu"), 0);
	assert_out_has("pgd  table Y");
	assert_out_has("p4d  folded");
	assert_out_has("pud  table Y");
	assert_out_has("pmd  table Y");
	assert_out_has("pte  table Y");
	{
		/* The leaf is the buffer's page, wherever the allocator put it. */
		unsigned long long y;
		char want[96];

		assert_int_equal(sscanf(strstr(out, ", Y 0x"), ", Y 0x%llx", &y), 1);
		snprintf(want, sizeof(want), "P RW A D G NX -> page 0x%llx\n", y);
		assert_out_has(want);
		snprintf(want, sizeof(want), "=> physical 0x%09llx", y);
		assert_out_has(want);
	}
	assert_int_equal(tool("walk --cpu 0xffff888001001234"), 0);
	assert_out_has("offset [11:0]=0x234");
	assert_out_has("=> physical 0x001001234");
	/* The PC's PCI hole (2-4 GiB) is not RAM. */
	assert_int_equal(tool("walk --cpu 0xffff8880a0000000"), 1);
	assert_out_has("not RAM on this machine");
}

static void test_iova(void **state)
{
	char svg[96];
	static const char *const needles[] = { "class=\"allocated\"", "class=\"space\"", "largest hole" };

	(void)state;
	snprintf(svg, sizeof(svg), "%s/iova.svg", tmp);
	/* kernel iova.c: top-down below the 32-bit limit; half the buffers unmapped leave holes. */
	assert_int_equal(tool("iova iommu=on --maps 32 --svg %s", svg), 0);
	assert_out_has("32 maps of 4-64 KiB (seed 1), then every buffer but one in 2 unmapped");
	assert_out_has("holes between ranges");
	assert_out_has("fragmentation");
	assert_out_has("  0x0ff");
	assert_svg(svg, needles, sizeof(needles) / sizeof(needles[0]));
	/*
	 * The bitmap allocator fills from the bottom; with nothing unmapped,
	 * the holes are the size alignment's (kernel dma-iommu.c aligns an IOVA
	 * to its size rounded up to a power of two): 8 KiB first at 0x2000.
	 */
	assert_int_equal(tool("iova 'iommu=on iova=bitmap' --maps 8 --keep 1"), 0);
	assert_out_has("8 maps of 4-64 KiB (seed 1), none unmapped");
	assert_out_has("  0x000002000 +8192     mapped");
	assert_out_has("  0x000010000 +40960    mapped");
	assert_out_has(": 2 holes between ranges");
	/* No IOMMU: nothing to show, said plainly. */
	assert_int_equal(tool("iova"), 1);
	assert_out_has("use a spec with iommu=on");
}

static void test_dump(void **state)
{
	char svg[96];
	static const char *const needles[] = { "class=\"ram\"", "class=\"zone\"", "class=\"swiotlb\"",
					       "class=\"device\"", "class=\"linear\"", "reaches all" };

	(void)state;
	snprintf(svg, sizeof(svg), "%s/dump.svg", tmp);
	assert_int_equal(tool("dump 'ram=16M@0x0,256M@0x80000000 swiotlb=4M@0x400000' --dev 'name=isa mask=24' "
			      "--dev name=nic --svg %s", svg), 0);
	assert_out_has("zone DMA ");
	assert_out_has("device isa: mask 0xffffff");
	assert_out_has("device nic: mask 0xffffffff");
	assert_svg(svg, needles, sizeof(needles) / sizeof(needles[0]));
	/* The options of the first releases still work. */
	assert_int_equal(tool("--dump 'ram=64M@0x80000000'"), 0);
	assert_out_has("RAM 0: phys 0x080000000-0x083ffffff (64 MiB)");
}

static void test_trace(void **state)
{
	char path[96], svg[96];
	FILE *f;
	static const char *const needles[] = { "class=\"event\"", "class=\"lane\"", "nic0" };

	(void)state;
	snprintf(path, sizeof(path), "%s/t.jsonl", tmp);
	snprintf(svg, sizeof(svg), "%s/trace.svg", tmp);
	/* The tool's own map, traced. */
	{
		char cmd[512];

		snprintf(cmd, sizeof(cmd), "DMASIM_SPEC='trace=%s iommu=on' '%s' map --kind sg >/dev/null 2>&1", path,
			 getenv("DMASIM_TOOL"));
		assert_int_equal(system(cmd), 0);
	}
	assert_int_equal(tool("trace %s", path), 0);
	assert_out_has("events per kind and device:");
	assert_out_has("  map ");
	assert_out_has("live at the end: 0");
	/* A hand-made trace: a fault, a report, a mapping left live, bytes moved. */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"seq\":1,\"t_ns\":1000,\"ev\":\"map\",\"call\":\"dma_map_single\",\"dev\":\"nic0\",\"cpu\":\"0x7f00\",\"phys\":\"0x80000000\",\"bus\":\"0xfffff000\",\"size\":2048,\"dir\":\"DMA_FROM_DEVICE\"}\n"
	      "{\"seq\":2,\"t_ns\":2000,\"ev\":\"dev_write\",\"dev\":\"nic0\",\"bus\":\"0xfffff000\",\"size\":20}\n"
	      "{\"seq\":3,\"t_ns\":3000,\"ev\":\"fault\",\"call\":\"dmasim_dev_write\",\"dev\":\"nic0\",\"bus\":\"0xffffb000\",\"ret\":-1,\"msg\":\"permission denied by the mapping\"}\n"
	      "{\"seq\":4,\"t_ns\":4000,\"ev\":\"report\",\"dev\":\"nic0\",\"msg\":\"DMA-API: nic0: a \\\"quoted\\\" report\"}\n"
	      "{\"seq\":5,\"t_ns\":5000,\"ev\":\"map\",\"call\":\"dma_map_single\",\"dev\":\"disk\",\"bus\":\"0x1000\",\"size\":512,\"dir\":\"DMA_TO_DEVICE\",\"bounced\":true}\n"
	      "{\"seq\":6,\"t_ns\":6000,\"ev\":\"unmap\",\"call\":\"dma_unmap_single\",\"dev\":\"disk\",\"bus\":\"0x1000\",\"size\":512}\n"
	      "{\"seq\":7,\"t_ns\":7000,\"ev\":\"dev_read\",\"dev\":\"disk\",\"bus\":\"0x1000\",\"size\":64}\n"
	      "not json\n", f);
	fclose(f);
	assert_int_equal(tool("trace %s --svg %s", path, svg), 0);
	assert_out_has("7 events over 0.006 ms, 2 devices, 1 lines not understood");
	assert_out_has("bytes moved by devices: 64 read, 20 written");
	assert_out_has("faults: 1\n  #3 nic0 dmasim_dev_write bus 0xffffb000: permission denied by the mapping");
	assert_out_has("misuse reports: 1\n  #4 DMA-API: nic0: a \"quoted\" report");
	assert_out_has("live at the end: 1\n  nic0 bus 0xfffff000 2048 bytes DMA_FROM_DEVICE (dma_map_single, event #1)");
	assert_out_has("nic0         |M");
	assert_svg(svg, needles, sizeof(needles) / sizeof(needles[0]));
	assert_int_equal(tool("trace /nonexistent/t.jsonl"), 1);
	assert_out_has("cannot open /nonexistent/t.jsonl");
}

static void test_matrix(void **state)
{
	char junit[96];
	static const char *const needles[] = { "<testcase classname=\"dmasim.matrix\" name=\"iommu-lazy\"",
					       "<failure message=\"exit 3\"/>", "hello from iommu-lazy" };

	(void)state;
	snprintf(junit, sizeof(junit), "%s/junit.xml", tmp);
	/* A program that fails on one machine: the table says which, the exit status is 1. */
	assert_int_equal(tool("matrix --machines pc,iommu-lazy,arm-noncoherent -j 2 --junit %s -- "
			      "sh -c 'echo hello from $DMASIM_MACHINE; test \"$DMASIM_SPEC\" != machine=iommu-lazy || exit 3'",
			      junit), 1);
	assert_out_has("iommu-lazy                   exit 3");
	assert_out_has("pc                           pass");
	assert_out_has("3 machines: 2 passed, 1 failed");
	assert_out_has("    | hello from iommu-lazy");
	{
		char why[128];
		FILE *f = fopen(junit, "r");
		char buf[8192];
		size_t n;

		assert_int_equal(xml_check(junit, why, sizeof(why)), 0);
		assert_non_null(f);
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		fclose(f);
		for (size_t i = 0; i < 3; i++)
			if (!strstr(buf, needles[i]))
				fail_msg("junit lacks %s", needles[i]);
		assert_non_null(strstr(buf, "tests=\"3\" failures=\"1\""));
	}
	/* Misuse reports are counted from the program's output. */
	assert_int_equal(tool("matrix --machines none --spec mine=iommu=on -- sh -c 'echo DMA-API: x: y; echo DMA-API: x: z'"), 0);
	assert_out_has("mine                         pass              2");
	assert_out_has("1 machine: 1 passed, 0 failed");
	/* A real dmasim program on every machine. */
	assert_int_equal(tool("matrix -- '%s' map --dev mask=64", getenv("DMASIM_TOOL")), 0);
	{
		char want[64];
		size_t n = 0;

		while (dmasim_machine_preset_get(n))
			n++;
		snprintf(want, sizeof(want), "%zu machines: %zu passed, 0 failed", n, n);
		assert_out_has(want);
	}
}

static void test_bad_arguments(void **state)
{
	static const char *const bad[] = {
		"", "nosuch", "map --kind nope", "map --size 0", "map --size 2G", "map --dir sideways",
		"map --nents 99 --kind sg", "map a b", "walk 0x1000 0x2000", "walk --size x", "trace",
		"trace a b", "matrix", "matrix --machines nosuch -- true", "matrix -j 0 -- true",
		"matrix --spec bad -- true", "dump --bogus", "machines --bogus", "backends extra",
		"iova --maps 0", "iova --keep x", "iova a b",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = tool("%s", bad[i]);

		if (rc != 2)
			fail_msg("dmasim %s: exit %d, not 2:\n%s", bad[i], rc, out);
		if (!strstr(out, "usage:"))
			fail_msg("dmasim %s: no usage line:\n%s", bad[i], out);
	}
	/* A spec the library refuses is a failed run (1), with the library's message. */
	assert_int_equal(tool("dump 'ram=64M'"), 1);
	assert_out_has("ram: '64M' must be SIZE@ADDR");
	assert_int_equal(tool("map --dev 'mask=99'"), 1);
	/* --help of every subcommand: exit 0, on stdout. */
	{
		static const char *const cmds[] = { "machines", "dump", "map", "walk", "iova", "trace", "matrix",
						    "backends" };

		for (size_t i = 0; i < 8; i++) {
			assert_int_equal(tool("%s --help", cmds[i]), 0);
			assert_out_has("usage: dmasim ");
		}
	}
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/dmasim-tool-XXXXXX");
	return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_machines),  cmocka_unit_test(test_map_direct_bounce),
		cmocka_unit_test(test_map_iommu), cmocka_unit_test(test_walk),
		cmocka_unit_test(test_dump),      cmocka_unit_test(test_trace),
		cmocka_unit_test(test_iova),
		cmocka_unit_test(test_matrix),    cmocka_unit_test(test_bad_arguments),
	};

	if (!getenv("DMASIM_TOOL")) {
		fprintf(stderr, "test-tool: set DMASIM_TOOL to the dmasim command\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
