/* vep_vde.c - vde://DIR[PORT]: a port of a VDE switch, the vde2
 * handshake (spec §1, common/request.c's vde_open) and one datagram per
 * frame on the data socket.
 *
 *   vde:///tmp/sw          any free port of the switch at /tmp/sw
 *   vde:///tmp/sw[5]       port 5 (also [port=5]); [0] is port 0
 *   vde:///tmp/sw[group=G/mode=660]   our data socket's group and mode
 *   vde://  or  /tmp/sw    the default switch, or plain /tmp/sw
 * The path may be a switch directory or a VDE1-style socket file. */
#include "vep.h"
#include "log.h"
#include "request.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct vde_ep {
	char path[PATH_MAX];
};

/* Options of the VNL against those of the command line: both may say
 * the same, never two different things. */
static int vnl_port(struct vep *e, const struct vnl *v, int *port)
{
	const char *s = vnl_get(v, "port");
	long n;

	if (!s)
		s = vnl_get(v, "portgroup");
	for (int i = 0; i < v->nopt && !s; i++)
		if (!v->opt[i].val && strcmp(v->opt[i].key, "port") && strcmp(v->opt[i].key, "portgroup"))
			s = v->opt[i].key; /* a bare word: [5] */
	if (!s)
		return 0;
	if (parse_long(s, 0, 0xffffff, &n) < 0) {
		log_err("%s: bad port '%s' (0..16777215)", e->name, s);
		return -1;
	}
	n = n == 0 ? VEP_PORT0 : n;
	if (*port && *port != n) {
		log_err("%s: port %s in the VNL contradicts the port option (%d)", e->name, s,
			*port == VEP_PORT0 ? 0 : *port);
		return -1;
	}
	*port = (int)n;
	return 0;
}

static int check_opts(struct vep *e, const struct vnl *v)
{
	static const char *const known[] = { "port", "portgroup", "group", "mode" };
	int bare = 0;

	for (int i = 0; i < v->nopt; i++) {
		size_t k;
		for (k = 0; k < ARRAY_LEN(known); k++)
			if (strcmp(v->opt[i].key, known[k]) == 0)
				break;
		if (k < ARRAY_LEN(known))
			continue;
		if (v->opt[i].val || bare++) {
			log_err("%s: unknown option '%s' (vde:// has port, group, mode)", e->name,
				v->opt[i].key);
			return -1;
		}
	}
	return 0;
}

static int vde_ep_open(struct vep *e, const struct vnl *v, const struct vep_args *a)
{
	struct vde_ep *d = e->priv;
	unsigned granted = 0;
	struct vde_open_opts o = { .descr = a->descr, .port = a->port, .group = a->group, .mode = a->mode,
				   .timeout_ms = a->timeout_ms, .ext = a->ext, .granted = &granted };
	const char *g = vnl_get(v, "group"), *m = vnl_get(v, "mode");
	int ctl, data;

	if (check_opts(e, v) < 0 || vnl_port(e, v, &o.port) < 0)
		return -1;
	if (g) {
		if (a->group && strcmp(a->group, g)) {
			log_err("%s: group %s in the VNL contradicts the group option (%s)", e->name, g, a->group);
			return -1;
		}
		o.group = g;
	}
	if (m) {
		mode_t mode;
		if (parse_mode(m, &mode) < 0) {
			log_err("%s: bad mode '%s' (octal, e.g. 0660)", e->name, m);
			return -1;
		}
		if (a->mode && a->mode != mode) {
			log_err("%s: mode %s in the VNL contradicts the mode option (%o)", e->name, m,
				(unsigned)a->mode);
			return -1;
		}
		o.mode = mode;
	}
	/* The switch does not know our working directory: send it an
	 * absolute path, as libvdeplug does. */
	if (*v->addr) {
		if (!realpath(v->addr, d->path)) {
			log_err("switch %s:", v->addr);
			return -1;
		}
		o.sock = d->path;
	}
	if (vde_open(&o, &ctl, &data) < 0)
		return -1;
	e->fd_in = e->fd_out = data;
	e->fd_ctl = ctl;
	e->maxsend = VDE_STREAM_MAX;
	if (granted & VDE_EXT_VNET) {
		e->vnet_in = e->vnet_out = 1;
		e->maxsend = sizeof(struct vnet_hdr) + VNET_MAX_FRAME;
	}
	return 0;
}

static int vde_ep_recv(struct vep *e, struct iovec *v, int n)
{
	return vep_dgram_recv(e, e->fd_in, v, n, vep_unix_classify);
}

static int vde_ep_send(struct vep *e, const struct iovec *v, int n)
{
	return vep_dgram_send(e, e->fd_out, NULL, 0, v, n, vep_unix_classify);
}

static void vde_ep_close(struct vep *e)
{
	if (e->fd_in >= 0)
		close(e->fd_in);
	if (e->fd_ctl >= 0)
		close(e->fd_ctl);
}

const struct vep_kind vep_kind_vde = {
	.scheme = "vde",
	.help = "vde://DIR[PORT]          a VDE switch (DIR/ctl; a VDE1 socket file too);\n"
		"                           also [port=N/group=G/mode=M]; vde:// alone or an\n"
		"                           empty VNL is the default switch",
	.flags = VEP_VNET,
	.priv_size = sizeof(struct vde_ep),
	.open = vde_ep_open,
	.recv = vde_ep_recv,
	.send = vde_ep_send,
	.close = vde_ep_close,
};
