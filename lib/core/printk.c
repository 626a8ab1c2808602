/*
 * lib/core/printk.c - the kernel's printk() for driver code (machine layer):
 * KERN_* levels onto the platform's log handler, the kernel's %p pointer
 * extensions (%pad, %pa, %pe, %pS, %pM, %*ph), ratelimiting, WARN()/BUG()
 * reports, might_sleep() and the kstrto*() parsers.  The compat headers
 * <linux/printk.h>, <linux/bug.h>, <linux/dev_printk.h> and
 * <linux/kernel.h> are the interface.
 */
#include <ctype.h>
#include <dlfcn.h>
#include <execinfo.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core.h"
#include <dmasim/printk.h>

/* ---- formatting with the kernel's %p extensions ------------------------------------ */

struct kbuf {
	char *buf;
	size_t size, len; /* len counts what would have been written */
};

static void put(struct kbuf *b, const char *s, size_t n)
{
	if (b->len < b->size) {
		size_t room = b->size - b->len - 1;

		memcpy(b->buf + b->len, s, n < room ? n : room);
		b->buf[b->len + (n < room ? n : room)] = '\0';
	}
	b->len += n;
}

static void putf(struct kbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct kbuf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* The kernel-only error names; the others come from the C library. */
static const char *errname(long err)
{
	static const struct { int code; const char *name; } kernel_only[] = {
		{ 512, "ERESTARTSYS" }, { 513, "ERESTARTNOINTR" }, { 514, "ERESTARTNOHAND" },
		{ 515, "ENOIOCTLCMD" }, { 516, "ERESTART_RESTARTBLOCK" }, { 517, "EPROBE_DEFER" },
		{ 518, "EOPENSTALE" }, { 519, "ENOPARAM" }, { 521, "EBADHANDLE" },
		{ 522, "ENOTSYNC" }, { 523, "EBADCOOKIE" }, { 524, "ENOTSUPP" },
		{ 525, "ETOOSMALL" }, { 526, "ESERVERFAULT" }, { 527, "EBADTYPE" },
		{ 528, "EJUKEBOX" }, { 529, "EIOCBQUEUED" }, { 530, "ERECALLCONFLICT" },
		{ 531, "ENOGRACE" },
	};
	long e = err < 0 ? -err : err;

	for (size_t i = 0; i < sizeof(kernel_only) / sizeof(kernel_only[0]); i++)
		if (kernel_only[i].code == e)
			return kernel_only[i].name;
	if (e > 0 && e < 512)
		return strerrorname_np((int)e);
	return NULL;
}

/* One %p<ext> conversion; returns how many extension characters it used. */
static size_t put_pointer(struct kbuf *b, const char *ext, const void *ptr, int width)
{
	if (ext[0] == 'a' && ext[1] == 'd') {
		putf(b, "0x%016llx", ptr ? (unsigned long long)*(const dma_addr_t *)ptr : 0ULL);
		return 2;
	}
	if (ext[0] == 'a') {
		putf(b, "0x%016llx", ptr ? (unsigned long long)*(const phys_addr_t *)ptr : 0ULL);
		return ext[1] == 'p' ? 2 : 1;
	}
	if (ext[0] == 'e') {
		long err = (long)(intptr_t)ptr;
		const char *name = errname(err);

		if (name)
			putf(b, "%s%s", err < 0 ? "-" : "", name);
		else
			putf(b, "%ld", err);
		return 1;
	}
	if (strchr("SsFfB", ext[0]) && ext[0]) {
		Dl_info info;
		size_t used = 1 + (ext[1] == 'R');

		if (ptr && dladdr(ptr, &info) && info.dli_sname) {
			if (ext[0] == 's' || ext[0] == 'f')
				putf(b, "%s", info.dli_sname);
			else
				putf(b, "%s+0x%lx", info.dli_sname,
				     (unsigned long)((const char *)ptr - (const char *)info.dli_saddr));
		} else {
			putf(b, "%p", ptr);
		}
		return used;
	}
	if (ext[0] == 'M' || ext[0] == 'm') {
		const unsigned char *m = ptr;
		const char *sep = ext[0] == 'M' ? ":" : "";

		if (!m) {
			put(b, "(null)", 6);
		} else {
			for (int i = 0; i < 6; i++)
				putf(b, "%s%02x", i ? sep : "", m[i]);
		}
		return 1 + (ext[1] == 'R' || ext[1] == 'F');
	}
	if (ext[0] == 'h') {
		const unsigned char *h = ptr;
		const char *sep = " ";
		size_t used = 1;

		if (ext[1] == 'C' || ext[1] == 'D' || ext[1] == 'N') {
			sep = ext[1] == 'C' ? ":" : ext[1] == 'D' ? "-" : "";
			used = 2;
		}
		if (width < 0)
			width = 1;
		if (width > 64)
			width = 64; /* the kernel's limit */
		for (int i = 0; h && i < width; i++)
			putf(b, "%s%02x", i ? sep : "", h[i]);
		return used;
	}
	/* %pK, %px and unknown extensions: the pointer, the extension letters consumed. */
	putf(b, "%p", ptr);
	{
		size_t n = 0;

		while (isalnum((unsigned char)ext[n]))
			n++;
		return n;
	}
}

int dmasim__vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct kbuf b = { buf, size, 0 };
	const char *p = fmt;

	if (size)
		buf[0] = '\0';
	while (*p) {
		char spec[64];
		size_t sn = 0;
		int width = -1, prec = -1, lng = 0;
		const char *lit = strchr(p, '%');

		if (!lit) {
			put(&b, p, strlen(p));
			break;
		}
		put(&b, p, (size_t)(lit - p));
		p = lit + 1;
		if (*p == '%') {
			put(&b, "%", 1);
			p++;
			continue;
		}
		spec[sn++] = '%';
		while (*p && strchr("-+ #0'", *p) && sn < 8)
			spec[sn++] = *p++;
		if (*p == '*') {
			width = va_arg(ap, int);
			sn += (size_t)snprintf(spec + sn, sizeof(spec) - sn, "%d", width);
			p++;
		} else {
			while (isdigit((unsigned char)*p) && sn < 20)
				spec[sn++] = *p++;
		}
		if (*p == '.') {
			spec[sn++] = *p++;
			if (*p == '*') {
				prec = va_arg(ap, int);
				sn += (size_t)snprintf(spec + sn, sizeof(spec) - sn, "%d", prec);
				p++;
			} else {
				while (isdigit((unsigned char)*p) && sn < 40)
					spec[sn++] = *p++;
			}
		}
		/* Length: 1 h, 2 hh, 3 l, 4 ll, 5 z, 6 j, 7 t, 8 L. */
		if (*p == 'h') {
			lng = p[1] == 'h' ? 2 : 1;
			p += lng;
		} else if (*p == 'l') {
			lng = p[1] == 'l' ? 4 : 3;
			p += lng - 2;
		} else if (*p == 'z' || *p == 'Z') {
			lng = 5;
			p++;
		} else if (*p == 'j') {
			lng = 6;
			p++;
		} else if (*p == 't') {
			lng = 7;
			p++;
		} else if (*p == 'L' || *p == 'q') {
			lng = 8;
			p++;
		}
		if (!*p)
			break;
		switch (*p) {
		case 'd':
		case 'i':
		case 'u':
		case 'o':
		case 'x':
		case 'X': {
			bool sgn = *p == 'd' || *p == 'i';

			/* Print everything as (unsigned) long long, after converting to the real type. */
			memcpy(spec + sn, "ll", 2);
			spec[sn + 2] = *p;
			spec[sn + 3] = '\0';
			if (sgn) {
				long long v;

				switch (lng) {
				case 1: v = (short)va_arg(ap, int); break;
				case 2: v = (signed char)va_arg(ap, int); break;
				case 3: v = va_arg(ap, long); break;
				case 4: case 8: v = va_arg(ap, long long); break;
				case 5: v = (long long)va_arg(ap, ssize_t); break;
				case 6: v = (long long)va_arg(ap, intmax_t); break;
				case 7: v = (long long)va_arg(ap, ptrdiff_t); break;
				default: v = va_arg(ap, int); break;
				}
				putf(&b, spec, v);
			} else {
				unsigned long long v;

				switch (lng) {
				case 1: v = (unsigned short)va_arg(ap, unsigned int); break;
				case 2: v = (unsigned char)va_arg(ap, unsigned int); break;
				case 3: v = va_arg(ap, unsigned long); break;
				case 4: case 8: v = va_arg(ap, unsigned long long); break;
				case 5: v = va_arg(ap, size_t); break;
				case 6: v = (unsigned long long)va_arg(ap, uintmax_t); break;
				case 7: v = (unsigned long long)va_arg(ap, ptrdiff_t); break;
				default: v = va_arg(ap, unsigned int); break;
				}
				putf(&b, spec, v);
			}
			break;
		}
		case 'c':
			spec[sn] = 'c';
			spec[sn + 1] = '\0';
			putf(&b, spec, va_arg(ap, int));
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);

			spec[sn] = 's';
			spec[sn + 1] = '\0';
			putf(&b, spec, s ? s : "(null)");
			break;
		}
		case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case 'a': case 'A':
			if (lng == 8) {
				spec[sn++] = 'L';
				spec[sn] = *p;
				spec[sn + 1] = '\0';
				putf(&b, spec, va_arg(ap, long double));
			} else {
				spec[sn] = *p;
				spec[sn + 1] = '\0';
				putf(&b, spec, va_arg(ap, double));
			}
			break;
		case 'p': {
			const void *ptr = va_arg(ap, const void *);

			p += put_pointer(&b, p + 1, ptr, width);
			break;
		}
		case 'n':
			(void)va_arg(ap, void *); /* never written, as in the kernel */
			break;
		default:
			put(&b, spec, sn);
			put(&b, p, 1);
			break;
		}
		p++;
	}
	return (int)(b.len > INT32_MAX ? INT32_MAX : b.len);
}

/* ---- printk -------------------------------------------------------------------- */

static int kern_level(const char **fmt)
{
	const char *f = *fmt;
	int level = DMASIM_LOG_INFO; /* no prefix: informational */

	while (f[0] == '\001' && f[1]) {
		if (f[1] >= '0' && f[1] <= '7') {
			int l = f[1] - '0';

			level = l <= 3 ? DMASIM_LOG_ERR : l == 4 ? DMASIM_LOG_WARN :
				l <= 6 ? DMASIM_LOG_INFO : DMASIM_LOG_DEBUG;
		}
		f += 2;
	}
	*fmt = f;
	return level;
}

int vprintk(const char *fmt, va_list args)
{
	struct dmasim_platform *p = dmasim_platform_current();
	char msg[900];
	int level = kern_level(&fmt);
	int n = dmasim__vsnprintf(msg, sizeof(msg), fmt, args);
	size_t len = strlen(msg);

	/* The log takes lines without their newline. */
	if (len && msg[len - 1] == '\n')
		msg[len - 1] = '\0';
	dmasim__log(p, level, "%s", msg);
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}

/* The kernel's DEFAULT_RATELIMIT_INTERVAL (5 s) and DEFAULT_RATELIMIT_BURST (10). */
#define RATELIMIT_INTERVAL_NS (5LL * 1000000000LL)
#define RATELIMIT_BURST 10

bool dmasim_ratelimit(struct dmasim_ratelimit_state *rs, const char *func)
{
	struct timespec ts;
	long long now;
	bool ok;

	/* As the kernel's ___ratelimit(): a busy state means "suppress", never wait. */
	if (__atomic_exchange_n(&rs->lock, 1, __ATOMIC_ACQUIRE))
		return false;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
	if (!rs->begin_ns)
		rs->begin_ns = now;
	if (now - rs->begin_ns >= RATELIMIT_INTERVAL_NS) {
		if (rs->missed)
			dmasim__log(dmasim_platform_current(), DMASIM_LOG_WARN,
				    "%s: %d callbacks suppressed", func, rs->missed);
		rs->begin_ns = now;
		rs->printed = 0;
		rs->missed = 0;
	}
	ok = rs->printed < RATELIMIT_BURST;
	if (ok)
		rs->printed++;
	else
		rs->missed++;
	__atomic_store_n(&rs->lock, 0, __ATOMIC_RELEASE);
	return ok;
}

void print_hex_dump(const char *level, const char *prefix_str, int prefix_type, int rowsize,
		    int groupsize, const void *buf, size_t len, bool ascii)
{
	const unsigned char *d = buf;
	int lvl = level ? kern_level(&level) : DMASIM_LOG_DEBUG;

	(void)groupsize;
	if (rowsize != 16 && rowsize != 32)
		rowsize = 16;
	for (size_t off = 0; off < len; off += (size_t)rowsize) {
		char line[256];
		struct kbuf b = { line, sizeof(line), 0 };
		size_t n = len - off < (size_t)rowsize ? len - off : (size_t)rowsize;

		line[0] = '\0';
		putf(&b, "%s", prefix_str ? prefix_str : "");
		if (prefix_type == 1)
			putf(&b, "%p: ", (const void *)(d + off));
		else if (prefix_type == 2)
			putf(&b, "%08zx: ", off);
		for (size_t i = 0; i < n; i++)
			putf(&b, "%s%02x", i ? " " : "", d[off + i]);
		if (ascii) {
			putf(&b, "%*s  ", (int)((size_t)rowsize - n) * 3, "");
			for (size_t i = 0; i < n; i++)
				putf(&b, "%c", isprint(d[off + i]) ? d[off + i] : '.');
		}
		dmasim__log(dmasim_platform_current(), lvl, "%s", line);
	}
}

void dump_stack(void)
{
	void *frames[16];
	int n = backtrace(frames, 16);
	struct dmasim_platform *p = dmasim_platform_current();

	dmasim__log(p, DMASIM_LOG_ERR, "Call Trace:");
	for (int i = 1; i < n; i++) {
		Dl_info info;

		if (dladdr(frames[i], &info) && info.dli_sname)
			dmasim__log(p, DMASIM_LOG_ERR, " %s+0x%lx", info.dli_sname,
				    (unsigned long)((char *)frames[i] - (char *)info.dli_saddr));
		else
			dmasim__log(p, DMASIM_LOG_ERR, " %p", frames[i]);
	}
}

/* ---- WARN, BUG ------------------------------------------------------------ */

void dmasim_warn(const char *file, int line, const char *func, const char *cond, const char *fmt,
		 ...)
{
	struct dmasim_platform *p = dmasim_platform_current();
	char msg[700] = "";

	if (fmt) {
		va_list ap;
		size_t len;

		va_start(ap, fmt);
		dmasim__vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		len = strlen(msg);
		if (len && msg[len - 1] == '\n')
			msg[len - 1] = '\0';
	}
	/* The kernel prints the message first, then "WARNING: ... at file:line". */
	if (fmt)
		dmasim__report(p, "WARNING: at %s:%d %s(): %s", file, line, func, msg);
	else
		dmasim__report(p, "WARNING: at %s:%d %s(): WARN_ON(%s)", file, line, func,
			       cond ? cond : "1");
}

void dmasim_bug(const char *file, int line, const char *func)
{
	struct dmasim_platform *p = dmasim_platform_current();

	dmasim__report(p, "kernel BUG at %s:%d! (in %s())", file, line, func);
	abort();
}

int dev_err_probe(const struct device *dev, int err, const char *fmt, ...)
{
	char msg[700];
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	dmasim__vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	len = strlen(msg);
	if (len && msg[len - 1] == '\n')
		msg[len - 1] = '\0';
	/* As drivers/base/core.c: a deferred probe is no error, only a debug note. */
	dmasim_dev_printk(err == -EPROBE_DEFER ? DMASIM_LOG_DEBUG : DMASIM_LOG_ERR, dev, "error %pe: %s",
			  (void *)(intptr_t)err, msg);
	return err;
}

/* ---- kstrto*(): include/linux/kstrtox.h ------------------------------------------------ */

/* The kernel's rules: whole string, an optional trailing newline, no sign for unsigned. */
int kstrtoull(const char *s, unsigned int base, unsigned long long *res)
{
	unsigned long long v = 0;
	const char *p = s;
	bool any = false;

	if (!s || !res || base == 1 || base > 16)
		return -EINVAL;
	if (*p == '+')
		p++;
	if (base == 0 || base == 16) {
		if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2])) {
			p += 2;
			base = 16;
		}
	}
	if (base == 0)
		base = (p[0] == '0' && p[1]) ? 8 : 10;
	for (; *p; p++) {
		unsigned int d;

		if (isdigit((unsigned char)*p))
			d = (unsigned int)(*p - '0');
		else if (isxdigit((unsigned char)*p))
			d = (unsigned int)(tolower((unsigned char)*p) - 'a' + 10);
		else
			break;
		if (d >= base)
			break;
		if (v > (~0ULL - d) / base)
			return -ERANGE;
		v = v * base + d;
		any = true;
	}
	if (*p == '\n')
		p++;
	if (!any || *p)
		return -EINVAL;
	*res = v;
	return 0;
}

int kstrtoll(const char *s, unsigned int base, long long *res)
{
	unsigned long long v;
	int ret;

	if (s && s[0] == '-') {
		ret = kstrtoull(s + 1, base, &v);
		if (ret)
			return ret;
		if (v > (unsigned long long)INT64_MAX + 1)
			return -ERANGE;
		*res = (long long)(0 - v);
		return 0;
	}
	ret = kstrtoull(s, base, &v);
	if (ret)
		return ret;
	if (v > (unsigned long long)INT64_MAX)
		return -ERANGE;
	*res = (long long)v;
	return 0;
}

int kstrtouint(const char *s, unsigned int base, unsigned int *res)
{
	unsigned long long v;
	int ret = kstrtoull(s, base, &v);

	if (ret)
		return ret;
	if (v > UINT32_MAX)
		return -ERANGE;
	*res = (unsigned int)v;
	return 0;
}

int kstrtoint(const char *s, unsigned int base, int *res)
{
	long long v;
	int ret = kstrtoll(s, base, &v);

	if (ret)
		return ret;
	if (v > INT32_MAX || v < INT32_MIN)
		return -ERANGE;
	*res = (int)v;
	return 0;
}
