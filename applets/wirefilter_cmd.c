/* wirefilter_cmd.c - the console commands of wirefilter, as vde2 2.3.2
 * has them: the same names, data blocks ("0000 DATA END WITH '.'" ...
 * "."), and reply codes 1000 + errno.  Values are parsed by impair.c;
 * this file splits a line, calls one setter and prints.  vde2 takes any
 * command name's prefix and reports success for values it could not
 * read; here a name is a whole word and a bad value is 1022. */
#include "wirefilter.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"

const char wf_banner[] = "\nVDE wirefilter V." VDE_VERSION "\n(C) R.Davoli 2005,2006 - GPLv2\n";
const char wf_prompt[] = "\nVDEwf$ ";

static void out(struct wf_sess *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(struct wf_sess *s, const char *fmt, ...)
{
	char buf[WF_LINE_MAX + 200];
	va_list ap;
	int n;

	if (!s->out)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	s->out(s, buf, (size_t)n);
}

static void out_line(void *ctx, const char *line)
{
	out(ctx, "%s", line);
}

static int why(struct wf_sess *s, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int why(struct wf_sess *s, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
	return rc;
}

/* A whole decimal number in [min, max] (atoi would take "5x" and "") */
static int int_arg(const char *a, long min, long max, long *v)
{
	return parse_long(a, min, max, v);
}

struct cmd {
	const char *name;
	int (*fn)(const struct wf_wire *w, struct wf_sess *s, char *arg, uint64_t now);
	int data; /* replies in a data block */
};

static int value(const struct wf_wire *w, struct wf_sess *s, char *arg, int key)
{
	if (!*arg)
		return why(s, EINVAL, "a value is missing");
	return impair_set(w->im, key, arg, s->why, sizeof(s->why));
}

#define VALUE_CMD(fn, key)                                                             \
	static int fn(const struct wf_wire *w, struct wf_sess *s, char *arg, uint64_t now) \
	{                                                                              \
		(void)now;                                                             \
		return value(w, s, arg, key);                                          \
	}
VALUE_CMD(c_loss, IMP_LOSS)
VALUE_CMD(c_lostburst, IMP_LOSTBURST)
VALUE_CMD(c_delay, IMP_DELAY)
VALUE_CMD(c_dup, IMP_DUP)
VALUE_CMD(c_band, IMP_BAND)
VALUE_CMD(c_speed, IMP_SPEED)
VALUE_CMD(c_capacity, IMP_CAPACITY)
VALUE_CMD(c_noise, IMP_NOISE)
VALUE_CMD(c_mtu, IMP_MTU)

static int c_fifo(const struct wf_wire *w, struct wf_sess *s, char *arg, uint64_t now)
{
	long v;

	(void)now;
	if (int_arg(arg, 0, 1, &v) < 0)
		return why(s, EINVAL, "fifo takes 1 (in order) or 0 (frames may overtake)");
	impair_set_fifo(w->im, (int)v);
	return 0;
}

/* "" is the current node, else a node number */
static int node_arg(const struct wf_wire *w, struct wf_sess *s, const char *arg, long *node)
{
	*node = -1;
	if (*arg && int_arg(arg, 0, w->im->nnodes - 1, node) < 0)
		return why(s, EINVAL, "no Markov node '%.40s' (0..%d)", arg, w->im->nnodes - 1);
	return 0;
}

static int c_showinfo(const struct wf_wire *w, struct wf_sess *s, char *arg, uint64_t now)
{
	long node;

	(void)now;
	if (node_arg(w, s, arg, &node))
		return EINVAL;
	return impair_show(w->im, (int)node, w->ndirs, out_line, s);
}

static int c_showedges(const struct wf_wire *w, struct wf_sess *s, char *arg, uint64_t now)
{
	long node;

	(void)now;
	if (node_arg(w, s, arg, &node))
		return EINVAL;
	return impair_show_edges(w->im, (int)node, out_line, s);
}

static int c_showcurrent(const struct wf_wire *w, struct wf_sess *s, char *arg, uint64_t now)
{
	const struct impair *im = w->im;

	(void)arg;
	(void)now;
	out(s, "Current Markov Node %d \"%s\" (0,..,%d)", im->cur, im->nodes[im->cur].name,
	    im->nnodes - 1);
	return 0;
}

static int c_numnodes(const struct wf_wire *w, struct wf_sess *s, char *arg, uint64_t now)
{
	long n;

	if (int_arg(arg, 1, IMPAIR_NODES_MAX, &n) < 0)
		return why(s, EINVAL, "markov-numnodes takes 1..%d", IMPAIR_NODES_MAX);
	return impair_markov_resize(w->im, (int)n, now);
}

static int c_setnode(const struct wf_wire *w, struct wf_sess *s, char *arg, uint64_t now)
{
	long n;

	(void)now;
	if (int_arg(arg, 0, w->im->nnodes - 1, &n) < 0)
		return why(s, EINVAL, "no Markov node '%.40s'", arg);
	return impair_markov_setnode(w->im, (int)n);
}

/* "N,NAME" (vde2 also takes "N NAME"); no name clears it */
static int c_name(const struct wf_wire *w, struct wf_sess *s, char *arg, uint64_t now)
{
	size_t digits = strspn(arg, "0123456789");
	const char *name = arg + digits + strspn(arg + digits, " \t");
	char num[12];
	long n;

	(void)now;
	if (*name == ',')
		name++;
	if (!digits || digits >= sizeof(num))
		return why(s, EINVAL, "markov-name takes N,NAME with a node N");
	memcpy(num, arg, digits);
	num[digits] = 0;
	if (int_arg(num, 0, w->im->nnodes - 1, &n) < 0)
		return why(s, EINVAL, "markov-name: no node %.12s", num);
	if (impair_markov_name(w->im, (int)n, name))
		return why(s, EINVAL, "a node's name is up to %d printable bytes", IMPAIR_NAME_MAX);
	return 0;
}

/* A plain decimal number "30", "12.5" for the Markov commands (no
 * sign, exponent, inf or nan, which strtod alone would take). */
static int plain_number(const char *a, double *v)
{
	size_t n = strspn(a, "0123456789");

	if (a[n] == '.')
		n += 1 + strspn(a + n + 1, "0123456789");
	if (!n || a[n] || n > 30 || !strpbrk(a, "0123456789"))
		return EINVAL;
	*v = strtod(a, NULL);
	return 0;
}

static int c_time(const struct wf_wire *w, struct wf_sess *s, char *arg, uint64_t now)
{
	double ms;

	if (plain_number(arg, &ms) || impair_markov_time(w->im, ms, now))
		return why(s, EINVAL, "markov-time takes 1 to 86400000 milliseconds");
	return 0;
}

static int c_setedge(const struct wf_wire *w, struct wf_sess *s, char *arg, uint64_t now)
{
	char *a = arg, *b, *c;
	long from, to;
	double weight;

	(void)now;
	b = strchr(a, ',');
	c = b ? strchr(b + 1, ',') : NULL;
	if (!c)
		return why(s, EINVAL, "setedge takes N1,N2,WEIGHT");
	*b++ = 0;
	*c++ = 0;
	if (int_arg(a, 0, w->im->nnodes - 1, &from) < 0 || int_arg(b, 0, w->im->nnodes - 1, &to) < 0 ||
	    plain_number(c, &weight) ||
	    impair_markov_edge(w->im, (int)from, (int)to, weight))
		return why(s, EINVAL, "setedge takes two other nodes and a weight 0..100 "
			   "(all weights from a node add up to 100 at most)");
	return 0;
}

static int c_debug(const struct wf_wire *w, struct wf_sess *s, char *arg, uint64_t now)
{
	long n = 0;

	(void)w;
	(void)now;
	if (*arg && int_arg(arg, 0, 127, &n) < 0)
		return why(s, EINVAL, "markov-debug takes a level 0..127");
	if (!s->out)
		return why(s, EINVAL, "markov-debug is for a console session");
	s->debug = (int)n;
	return 0;
}

static int c_logout(const struct wf_wire *w, struct wf_sess *s, char *arg, uint64_t now)
{
	(void)w;
	(void)arg;
	(void)now;
	s->logout = 1;
	return 0;
}

static int c_shutdown(const struct wf_wire *w, struct wf_sess *s, char *arg, uint64_t now)
{
	(void)w;
	(void)arg;
	(void)now;
	s->shutdown = 1;
	return 0;
}

static int c_help(const struct wf_wire *w, struct wf_sess *s, char *arg, uint64_t now);
static int c_load(const struct wf_wire *w, struct wf_sess *s, char *arg, uint64_t now);

/* vde2's commands in its order; help prints its own help lines. */
static const struct cmd cmds[] = {
	{ "help", c_help, 1 },
	{ "showinfo", c_showinfo, 1 },
	{ "load", c_load, 1 },
	{ "delay", c_delay, 0 },
	{ "loss", c_loss, 0 },
	{ "lostburst", c_lostburst, 0 },
	{ "dup", c_dup, 0 },
	{ "bandwidth", c_band, 0 },
	{ "band", c_band, 0 },
	{ "speed", c_speed, 0 },
	{ "chanbufsize", c_capacity, 0 },
	{ "capacity", c_capacity, 0 },
	{ "noise", c_noise, 0 },
	{ "mtu", c_mtu, 0 },
	{ "fifo", c_fifo, 0 },
	{ "markov-numnodes", c_numnodes, 0 },
	{ "markov-setnode", c_setnode, 0 },
	{ "markov-name", c_name, 0 },
	{ "markov-time", c_time, 0 },
	{ "setedge", c_setedge, 0 },
	{ "showedges", c_showedges, 1 },
	{ "showcurrent", c_showcurrent, 1 },
	{ "markov-debug", c_debug, 0 },
	{ "logout", c_logout, 0 },
	{ "shutdown", c_shutdown, 0 },
};

/* Byte for byte the help of Debian's wirefilter 2.3.2 (capacity is a
 * second name of chanbufsize, band of bandwidth, as there). */
static const char *const help_lines[] = {
	"COMMAND      HELP",
	"------------ ------------",
	"help         print a summary of mgmt commands",
	"load         load a configuration file",
	"showinfo     show status and parameter values",
	"loss         set loss percentage",
	"lostburst    mean length of lost packet bursts",
	"delay        set delay ms",
	"dup          set dup packet percentage",
	"bandwidth    set channel bandwidth bytes/sec",
	"speed        set interface speed bytes/sec",
	"noise        set noise factor bits/Mbyte",
	"mtu          set channel MTU (bytes)",
	"chanbufsize  set channel buffer size (bytes)",
	"fifo         set channel fifoness",
	"shutdown     shut the channel down",
	"logout       log out from this mgmt session",
	"markov-numnodes n  markov mode: set number of states",
	"markov-setnode n   markov mode: set current state",
	"markov-name n,name markov mode: set state's name",
	"markov-time ms     markov mode: transition period",
	"setedge n1,n2,w    markov mode: set edge weight",
	"showinfo n         markov mode: show parameter values",
	"showedges n        markov mode: show edge weights",
	"showcurrent        markov mode: show current state",
	"markov-debug n     markov mode: set debug level",
};

static int c_help(const struct wf_wire *w, struct wf_sess *s, char *arg, uint64_t now)
{
	(void)w;
	(void)arg;
	(void)now;
	for (size_t i = 0; i < ARRAY_LEN(help_lines); i++)
		out(s, "%s", help_lines[i]);
	return 0;
}

/* A file of commands, with the rights of whoever asked: only root, our
 * own user, the stdin console and -f may (a -M socket open to others
 * must not read our files and echo them back). */
static int c_load(const struct wf_wire *w, struct wf_sess *s, char *arg, uint64_t now)
{
	char line[WF_LINE_MAX + 2];
	struct stat st;
	FILE *f;
	int fd, lineno = 0, rc = 0;

	if (!*arg)
		return why(s, EINVAL, "load takes a file");
	if (!s->trusted)
		return why(s, EPERM, "load is for root and the wirefilter's own user");
	if (s->depth >= WF_LOAD_DEPTH)
		return why(s, ELOOP, "loads nest %d deep at most", WF_LOAD_DEPTH);
	fd = open(arg, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return why(s, errno, "open %.100s: %s", arg, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > WF_LOAD_SIZE) {
		close(fd);
		return why(s, EINVAL, "%.100s: not a regular file of at most 1 MiB", arg);
	}
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return why(s, ENOMEM, "out of memory");
	}
	s->depth++;
	while (!s->logout && !s->shutdown && fgets(line, sizeof(line), f)) {
		int r;
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) { /* too long: skip the rest */
			int c;
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			line[0] = 0;
			rc = why(s, EINVAL, "%.100s line %d: longer than %d bytes", arg, lineno,
				 WF_LINE_MAX);
			if (!s->out)
				break;
			continue;
		}
		line[strcspn(line, "\r\n")] = 0;
		out(s, "%s (%.200s) %s", wf_prompt, arg, line);
		r = wf_command(w, s, line, now);
		/* An rc file stops at its first error, with the line named. */
		if (r > 0 && !s->out) {
			char inner[sizeof(s->why)];
			snprintf(inner, sizeof(inner), "%s", s->why);
			rc = why(s, r, "%.60s line %d: %s", arg, lineno, inner);
			break;
		}
	}
	s->depth--;
	fclose(f);
	return rc;
}

int wf_command(const struct wf_wire *w, struct wf_sess *s, const char *text, uint64_t now)
{
	char line[WF_LINE_MAX + 1], *arg, *end;
	size_t n = strlen(text);
	const struct cmd *c = NULL;
	int rc;

	s->why[0] = 0;
	while (n && strchr(" \t\r\n", text[n - 1]))
		n--;
	while (n && strchr(" \t\r\n", *text))
		text++, n--;
	if (!n || *text == '#')
		return -1;
	if (n > WF_LINE_MAX) {
		rc = why(s, EINVAL, "a command is %d bytes at most", WF_LINE_MAX);
		out(s, "1%03d %s", rc, strerror(rc));
		return rc;
	}
	memcpy(line, text, n);
	line[n] = 0;
	end = line + strcspn(line, " \t");
	arg = end + strspn(end, " \t");
	*end = 0;
	for (size_t i = 0; i < ARRAY_LEN(cmds); i++)
		if (strcmp(cmds[i].name, line) == 0)
			c = &cmds[i];
	if (!c) {
		rc = why(s, ENOSYS, "no command '%.40s' (help lists them)", line);
	} else {
		if (c->data)
			out(s, "0000 DATA END WITH '.'");
		rc = c->fn(w, s, arg, now);
		if (c->data)
			out(s, ".");
	}
	/* logout and shutdown end the session without a reply (vde2 prints
	 * "1-01 Unknown error -1" for logout) */
	if (s->logout || s->shutdown)
		return 0;
	if (rc == 0)
		out(s, "1000 Success");
	else
		out(s, "1%03d %s", rc, strerror(rc));
	return rc;
}
