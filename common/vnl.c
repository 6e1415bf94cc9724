/* vnl.c - parsing Virtual Network Locators (see vnl.h). */
#include "vnl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(char *err, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
	return -1;
}

static int scheme_char(char c, int first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return 1;
	return !first && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.' || c == '_');
}

/* Where the address starts; the scheme copied out. */
static int split_scheme(const char *text, char *scheme, const char **rest, char *err, size_t errsize)
{
	const char *tag = strstr(text, "://");
	size_t n;

	if (!tag) {
		strcpy(scheme, "vde");
		*rest = text;
		return 0;
	}
	n = (size_t)(tag - text);
	if (n == 0)
		return fail(err, errsize, "no scheme before '://'");
	if (n > VNL_SCHEME_MAX)
		return fail(err, errsize, "scheme longer than %d characters", VNL_SCHEME_MAX);
	for (size_t i = 0; i < n; i++)
		if (!scheme_char(text[i], i == 0))
			return fail(err, errsize, "bad scheme '%.*s' (letters, digits, '+-._')", (int)n, text);
	memcpy(scheme, text, n);
	scheme[n] = 0;
	*rest = tag + 3;
	return 0;
}

int vnl_scheme(const char *text, char *scheme, char *err, size_t errsize)
{
	const char *rest;

	return split_scheme(text, scheme, &rest, err, errsize);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One logical character of the text, quotes and escapes undone. */
enum { SC_END, SC_LITERAL, SC_PLAIN, SC_ERROR };

struct scan {
	const char *p;
	char quote; /* 0, '\'' or '"' */
	const char *why;
};

static int scan_next(struct scan *s, char *c)
{
	for (;;) {
		char ch = *s->p;
		if (s->quote) {
			if (ch == 0)
				return s->why = "unterminated quote", SC_ERROR;
			s->p++;
			if (ch == s->quote) {
				s->quote = 0;
				continue;
			}
			*c = ch;
			return SC_LITERAL;
		}
		if (ch == 0)
			return SC_END;
		s->p++;
		if (ch == '\'' || ch == '"') {
			s->quote = ch;
			continue;
		}
		if (ch == '\\') {
			if (*s->p == 0)
				return s->why = "'\\' at the end", SC_ERROR;
			*c = *s->p++;
			return SC_LITERAL;
		}
		if (ch == '%' && hexval(s->p[0]) >= 0 && hexval(s->p[1]) >= 0) {
			int b = hexval(s->p[0]) * 16 + hexval(s->p[1]);
			if (b == 0)
				return s->why = "%00 (a NUL byte)", SC_ERROR;
			s->p += 2;
			*c = (char)b;
			return SC_LITERAL;
		}
		*c = ch;
		return SC_PLAIN;
	}
}

struct out {
	struct vnl *v;
	size_t len;       /* bytes used in v->buf */
	size_t start;     /* of the element being read */
	long eq;          /* offset of its first plain '=', or -1 */
};

static int put(struct out *o, char c)
{
	if (o->len >= sizeof(o->v->buf))
		return -1;
	o->v->buf[o->len++] = c;
	return 0;
}

static int end_element(struct out *o, char *err, size_t errsize)
{
	struct vnl *v = o->v;
	size_t n = o->len - o->start;

	if (n == 0) { /* "a//b" or "[]": nothing to record */
		o->eq = -1;
		return 0;
	}
	if (o->eq == (long)o->start)
		return fail(err, errsize, "option '%.*s' has no name", (int)n, v->buf + o->start);
	if (v->nopt == VNL_OPT_MAX)
		return fail(err, errsize, "more than %d options", VNL_OPT_MAX);
	if (put(o, 0) < 0)
		return fail(err, errsize, "too long");
	v->opt[v->nopt].key = v->buf + o->start;
	v->opt[v->nopt].val = NULL;
	if (o->eq >= 0) {
		v->buf[o->eq] = 0;
		v->opt[v->nopt].val = v->buf + o->eq + 1;
	}
	v->nopt++;
	o->start = o->len;
	o->eq = -1;
	return 0;
}

/* Options up to the end (slash suffixes) or to ']' (brackets). */
static int parse_opts(struct scan *s, struct out *o, int bracket, char *err, size_t errsize)
{
	char c;

	o->start = o->len;
	o->eq = -1;
	for (;;) {
		int t = scan_next(s, &c);
		if (t == SC_ERROR)
			return fail(err, errsize, "%s", s->why);
		if (t == SC_END) {
			if (bracket)
				return fail(err, errsize, "missing ']'");
			return end_element(o, err, errsize);
		}
		if (t == SC_PLAIN && (c == '/' || (bracket && c == ']'))) {
			if (end_element(o, err, errsize) < 0)
				return -1;
			if (c == ']')
				return 0;
			continue;
		}
		if (t == SC_PLAIN && c == '[')
			return fail(err, errsize, "'[' inside options");
		if (t == SC_PLAIN && c == '=' && o->eq < 0)
			o->eq = (long)o->len;
		if (put(o, c) < 0)
			return fail(err, errsize, "too long");
	}
}

int vnl_parse(const char *text, unsigned flags, struct vnl *v, char *err, size_t errsize)
{
	struct scan s = { 0 };
	struct out o = { .v = v, .eq = -1 };
	const char *rest;
	size_t n = strlen(text);
	char c;
	int t;

	memset(v, 0, offsetof(struct vnl, buf));
	v->buf[0] = 0;
	if (n > VNL_MAX)
		return fail(err, errsize, "longer than %d bytes (%zu)", VNL_MAX, n);
	if (split_scheme(text, v->scheme, &rest, err, errsize) < 0)
		return -1;
	v->implicit = rest == text;
	v->addr = v->buf;
	if (flags & VNL_RAW) {
		memcpy(v->buf, rest, strlen(rest) + 1);
		return 0;
	}
	s.p = rest;
	while ((t = scan_next(&s, &c)) != SC_END) {
		if (t == SC_ERROR)
			return fail(err, errsize, "%s", s.why);
		if (t == SC_PLAIN && (c == '[' || (c == '/' && (flags & VNL_SLASH) &&
						   (o.len > 0 || (flags & VNL_NOPATH)))))
			break;
		if (put(&o, c) < 0)
			return fail(err, errsize, "too long");
	}
	if (put(&o, 0) < 0)
		return fail(err, errsize, "too long");
	/* After the address: any number of [...] groups and /opt suffixes. */
	while (t != SC_END) {
		if (c == '[') {
			if (parse_opts(&s, &o, 1, err, errsize) < 0)
				return -1;
		} else {
			return parse_opts(&s, &o, 0, err, errsize); /* '/' to the end */
		}
		t = scan_next(&s, &c);
		if (t == SC_ERROR)
			return fail(err, errsize, "%s", s.why);
		if (t != SC_END && !(t == SC_PLAIN && (c == '[' || (c == '/' && (flags & VNL_SLASH)))))
			return fail(err, errsize, "text after ']'");
	}
	return 0;
}

const char *vnl_get(const struct vnl *v, const char *key)
{
	for (int i = v->nopt - 1; i >= 0; i--) /* the last one given wins */
		if (strcmp(v->opt[i].key, key) == 0)
			return v->opt[i].val ? v->opt[i].val : "";
	return NULL;
}

/* ---- defaults and VNL files ---- */

static int copy_out(const char *s, char *out, size_t outsize, char *err, size_t errsize)
{
	size_t n = strlen(s);

	if (n >= outsize || n > VNL_MAX)
		return fail(err, errsize, "VNL longer than %d bytes", VNL_MAX);
	memcpy(out, s, n + 1);
	return 0;
}

/* The first line of a regular file that holds a VNL. */
static int read_first_line(const char *path, char *out, size_t outsize, char *err, size_t errsize)
{
	char buf[VNL_MAX + 2];
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return fail(err, errsize, "open %s: %s", path, strerror(errno));
	while (got < sizeof(buf) - 1) {
		ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return fail(err, errsize, "read %s: %s", path, strerror(e));
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (memchr(buf, '\n', got))
			break;
	}
	close(fd);
	buf[got] = 0;
	if (memchr(buf, 0, got))
		return fail(err, errsize, "%s: a NUL byte in its first line", path);
	char *nl = strchr(buf, '\n');
	if (!nl && got > VNL_MAX)
		return fail(err, errsize, "%s: first line longer than %d bytes", path, VNL_MAX);
	if (nl)
		*nl = 0;
	size_t n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\r')
		buf[n - 1] = 0;
	return copy_out(buf, out, outsize, err, errsize);
}

int vnl_resolve(const char *text, char *out, size_t outsize, char *err, size_t errsize)
{
	char path[4096];
	const char *home = getenv("HOME");
	struct stat st;

	if (strstr(text, "://"))
		return copy_out(text, out, outsize, err, errsize);
	if (*text == 0) {
		text = "vde://";
		if (home && *home) {
			static const char *const names[] = { "/.vdeplug/default", "/.vde2/default.switch" };
			for (size_t i = 0; i < 2; i++) {
				int n = snprintf(path, sizeof(path), "%s%s", home, names[i]);
				if (n > 0 && (size_t)n < sizeof(path) && lstat(path, &st) == 0) {
					text = path;
					break;
				}
			}
		}
		if (text != path)
			return copy_out(text, out, outsize, err, errsize);
	}
	if (stat(text, &st) == 0 && S_ISREG(st.st_mode))
		return read_first_line(text, out, outsize, err, errsize);
	return copy_out(text, out, outsize, err, errsize);
}
