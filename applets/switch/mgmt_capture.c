/* mgmt_capture.c - console commands capture/start, capture/stop and
 * capture/print (capture.c does the capturing).
 *
 * A path is created with the console user's rights (mgmt_session_as_user:
 * the -M client's uid and groups), so a root switch makes no file its
 * user could not make, and the file is theirs; never over an existing
 * name (symlinks included).  "-" is the descriptor the client sent with
 * the command (SCM_RIGHTS; vde capture does so): no path at all. */
#include "capture.h"
#include "mgmt.h"
#include "sw.h"

#include <errno.h>
#include <string.h>

#define CAPTURE_WORDS 1040 /* a 1024-byte line has fewer words */

struct create_ctx {
	const char *path;
	int fd;
};

static int create_as_user(void *ctx)
{
	struct create_ctx *c = ctx;
	return capture_create(c->path, sw.mode, &c->fd);
}

/* The words after FILE: a format, snaplen=N, count=N, port numbers. */
static int parse_opts(char **w, int n, struct capture_opts *o, long *ports)
{
	long v;

	for (int i = 0; i < n; i++) {
		if (strcmp(w[i], "pcap") == 0)
			o->format = PCAP_CLASSIC;
		else if (strcmp(w[i], "pcapng") == 0)
			o->format = PCAP_NG;
		else if (strncmp(w[i], "snaplen=", 8) == 0 && !mgmt_num(w[i] + 8, 1, PCAP_SNAPLEN_MAX, &v))
			o->snaplen = (uint32_t)v;
		else if (strncmp(w[i], "count=", 6) == 0 && !mgmt_num(w[i] + 6, 1, 1L << 40, &v))
			o->count = (uint64_t)v;
		else if (!mgmt_num(w[i], 0, 65535, &v))
			ports[o->nports++] = v;
		else
			return EINVAL;
	}
	for (int i = 0; i < o->nports; i++)
		if (ports[i] > sw.numports)
			return ENXIO;
	o->ports = o->nports ? ports : NULL;
	return 0;
}

static int cmd_start(struct mgmt_session *s, char *arg)
{
	static char *w[CAPTURE_WORDS];
	static long ports[CAPTURE_WORDS];
	struct capture_opts o = { .format = PCAP_NG, .snaplen = PCAP_SNAPLEN_DEFAULT };
	struct create_ctx c = { .fd = -1 };
	int n = mgmt_words(arg, w, CAPTURE_WORDS), err;

	if (n < 1)
		return EINVAL;
	if ((err = parse_opts(w + 1, n - 1, &o, ports)))
		return err;
	if (capture_running())
		return EBUSY; /* before a file is made */
	c.path = w[0];
	if (strcmp(c.path, "-") == 0) {
		if ((c.fd = mgmt_session_take_fd(s)) < 0)
			return EBADF; /* nothing was sent with the command */
	} else if (c.path[0] != '/') {
		return EINVAL; /* the switch's working directory is not the user's */
	} else if ((err = mgmt_session_as_user(s, create_as_user, &c))) {
		return err;
	}
	return capture_start(c.fd, strcmp(w[0], "-") ? w[0] : "a descriptor from the console", &o);
}

static int cmd_stop(struct mgmt_session *s, char *arg)
{
	(void)s;
	return *arg ? EINVAL : capture_stop();
}

static int cmd_print(struct mgmt_session *s, char *arg)
{
	struct capture_stats st;

	if (*arg)
		return EINVAL;
	if (capture_stats(&st) < 0) {
		mgmt_printf(s, "no capture\n");
		return 0;
	}
	mgmt_printf(s, "capture to %s: %s, snaplen %u", st.name, st.format == PCAP_NG ? "pcapng" : "pcap",
		    (unsigned)st.snaplen);
	if (st.count)
		mgmt_printf(s, ", stops after %llu frames", (unsigned long long)st.count);
	mgmt_printf(s, "\nports:");
	if (st.all)
		mgmt_printf(s, " all");
	for (int i = 0; !st.all && i <= sw.numports; i++)
		if (capture_has_port(i))
			mgmt_printf(s, " %d", i);
	mgmt_printf(s, "\nframes %llu (%llu bytes), dropped %llu (%llu bytes), waiting %zu bytes\n",
		    (unsigned long long)st.frames, (unsigned long long)st.bytes, (unsigned long long)st.dropped,
		    (unsigned long long)st.dropped_bytes, st.waiting);
	return 0;
}

const struct mgmt_cmd mgmt_capture_cmds[] = {
	{ "capture", NULL, "LIVE CAPTURE (pcapng; tcpdump -r, wireshark -k -i)", NULL, 0 },
	{ "capture/start", "FILE|- [pcap] [snaplen=N] [count=N] [PORT...]",
	  "record the ports' frames in and out (all ports if none given)", cmd_start, 0 },
	{ "capture/stop", "", "stop the capture", cmd_stop, 0 },
	{ "capture/print", "", "what is captured where, frames, drops", cmd_print, MGMT_DATA },
	{ 0 }
};
