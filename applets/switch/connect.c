/* connect.c - networks kept on ports, reopened with backoff (connect.h). */
#include "connect.h"
#include "endpoint.h"
#include "port.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/util.h"
#include "common/vep.h"
#include "common/vnl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct conn {
	struct conn *next;
	int port;
	char *vnl;
	char *tap;           /* tap://NAME: NAME, for the switch's own tap
				kind (ep_tap.c, with offloads); else NULL */
	int once;            /* not reopened: an inherited fd, or a tap
				(one that fails was deleted: not made anew) */
	struct endpoint *ep; /* NULL while down */
	uint64_t up_since, retry_at;
	unsigned int backoff_ms, fails;
};

static struct conn *conns;

static struct conn *conn_on(int port)
{
	for (struct conn *c = conns; c; c = c->next)
		if (c->port == port)
			return c;
	return NULL;
}

static void conn_ended(void *ctx, struct endpoint *ep);

/* What the far switch of a vde:// port is told about us. */
static void describe_us(const struct conn *c, char *buf, size_t len)
{
	snprintf(buf, len, "vde_switch %s port %d", sw.plain ? sw.ctl_path : sw.dir, c->port);
}

static int open_conn(struct conn *c)
{
	struct port *p = port_get(c->port);
	char descr[VDE_DESCR_MAX];

	if (!p)
		return -1;
	describe_us(c, descr, sizeof(descr));
	c->ep = c->tap ? ep_tap_open(c->tap) : ep_vep_open(c->vnl, descr);
	if (!c->ep)
		return -1;
	c->ep->on_close = conn_ended;
	c->ep->on_close_ctx = c;
	port_attach(p, c->ep);
	c->up_since = now_ms();
	log_info("port %d: %s up", c->port, c->vnl);
	return 0;
}

static void schedule_retry(struct conn *c, uint64_t now)
{
	c->fails++;
	c->retry_at = now + c->backoff_ms;
	log_info("port %d: %s down; next try in %u s", c->port, c->vnl, c->backoff_ms / 1000);
	c->backoff_ms = c->backoff_ms * 2 > CONNECT_RETRY_MAX_MS ? CONNECT_RETRY_MAX_MS : c->backoff_ms * 2;
}

static void conn_free(struct conn *c)
{
	struct port *p = port_get(c->port);

	for (struct conn **pp = &conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (p)
		port_set_connected(p, 0);
	free(c->vnl);
	free(c->tap);
	free(c);
}

/* The endpoint closed (its far end ended, or the console closed it). */
static void conn_ended(void *ctx, struct endpoint *ep)
{
	struct conn *c = ctx;
	uint64_t now = now_ms();

	if (c->ep != ep)
		return; /* connect_remove is closing it */
	c->ep = NULL;
	if (c->once) {
		log_info("port %d: %s ended", c->port, c->vnl);
		conn_free(c);
		return;
	}
	if (now - c->up_since >= CONNECT_RETRY_MAX_MS)
		c->backoff_ms = CONNECT_RETRY_MIN_MS; /* it was up a while: a new outage */
	schedule_retry(c, now);
}

/* The interface a tap:// VNL names, into c->tap; 0 or EINVAL. */
static int tap_name(const struct vep_kind *k, const char *vnl, struct conn *c)
{
	static struct vnl v; /* 1.2 KiB: not on the stack */
	char text[VNL_MAX + 1], err[VNL_ERR_MAX];

	if (vnl_resolve(vnl, text, sizeof(text), err, sizeof(err)) < 0 ||
	    vnl_parse(text, k->vnl_flags, &v, err, sizeof(err)) < 0) {
		log_err("bad VNL '%.200s': %s", vnl, err);
		return EINVAL;
	}
	if (v.nopt) {
		log_err("%s: tap:// takes no options", vnl);
		return EINVAL;
	}
	return (c->tap = strdup(v.addr)) ? 0 : ENOMEM;
}

/* Does a vde:// VNL name our own control socket?  Joining ourselves
 * would wait for a reply only we could give. */
static int names_us(const char *vnl)
{
	static struct vnl v;
	char text[VNL_MAX + 1], err[VNL_ERR_MAX], ctl[VNL_MAX + 8];
	struct stat a, b;

	if (vnl_resolve(vnl, text, sizeof(text), err, sizeof(err)) < 0 ||
	    vnl_parse(text, 0, &v, err, sizeof(err)) < 0 || !*v.addr)
		return 0;
	snprintf(ctl, sizeof(ctl), "%s/ctl", v.addr);
	if (stat(sw.ctl_path, &b) < 0)
		return 0;
	return (stat(ctl, &a) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) ||
	       (stat(v.addr, &a) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino);
}

/* Is vnl something a switch port can be?  0, or an errno value. */
static int check_vnl(const char *vnl, int at_start, struct conn *c)
{
	int unknown;
	const struct vep_kind *k = vep_check(vnl, &unknown);

	if (!k)
		return unknown ? EPROTONOSUPPORT : EINVAL;
	if (k->flags & VEP_NESTED) {
		log_err("%s: a switch port cannot start a switch of its own; start it and use vde://DIR",
			vnl);
		return EPROTONOSUPPORT;
	}
	if (k->flags & VEP_NOFRAMES) {
		log_err("%s: carries no frames: not a port", vnl);
		return EPROTONOSUPPORT;
	}
	if (strcmp(k->scheme, "stdio") == 0 && !at_start) {
		log_err("%s: the switch's stdin and stdout are not the console user's: only at start, "
			"with --nostdin", vnl);
		return EINVAL;
	}
	if (strcmp(k->scheme, "vde") == 0 && names_us(vnl)) {
		log_err("%s: that is this switch", vnl);
		return EINVAL;
	}
	c->once = (k->flags & VEP_ONCE) != 0;
	if (strcmp(k->scheme, "tap") != 0)
		return 0;
	c->once = 1; /* a tap that fails was deleted: not made again */
	return tap_name(k, vnl, c);
}

/* The port to keep vnl on: p (made if missing), or the first free. */
static int pick_port(int want, struct port **p)
{
	if (want == 0) {
		*p = port_for_request(VDE_REQ_NEW_CONTROL, 0, geteuid());
		return *p ? 0 : errno == EDQUOT ? ENOSPC : errno;
	}
	if (want < 1 || want > sw.numports)
		return EINVAL;
	*p = port_get(want);
	if (*p && ((*p)->nep > 0 || (*p)->connected))
		return EADDRINUSE;
	if (!*p && !(*p = port_create(want, 1)))
		return errno;
	return 0;
}

int connect_port(int want, const char *vnl, int at_start, int *got)
{
	struct conn *c = calloc(1, sizeof(*c));
	struct port *p;
	int err;

	if (!c)
		return ENOMEM;
	if ((err = check_vnl(vnl, at_start, c)) || (err = pick_port(want, &p)) ||
	    (!(c->vnl = strdup(vnl)) && (err = ENOMEM))) {
		free(c->tap);
		free(c);
		return err;
	}
	c->port = p->index;
	c->backoff_ms = CONNECT_RETRY_MIN_MS;
	c->next = conns;
	conns = c;
	port_set_connected(p, 1);
	if (got)
		*got = p->index;
	if (open_conn(c) == 0)
		return 0;
	if (!at_start || c->once) {
		conn_free(c);
		return EIO;
	}
	log_warn("port %d: %s: trying again in the background", c->port, vnl);
	schedule_retry(c, now_ms());
	return 0;
}

static void conn_close(struct conn *c, const char *why)
{
	struct endpoint *ep = c->ep;

	c->ep = NULL; /* for conn_ended: no failure, no retry */
	if (ep)
		ep_close(ep, why);
	conn_free(c);
}

int connect_remove(int port)
{
	struct conn *c = conn_on(port);

	if (!c)
		return ENXIO;
	log_info("port %d: %s disconnected", port, c->vnl);
	conn_close(c, "disconnected from the console");
	return 0;
}

void connect_tick(uint64_t now)
{
	for (struct conn *c = conns; c; c = c->next)
		if (!c->ep && now >= c->retry_at && open_conn(c) < 0)
			schedule_retry(c, now);
}

int connect_describe(int port, char *buf, size_t len)
{
	const struct conn *c = conn_on(port);
	uint64_t now = now_ms();

	if (!c)
		return 0;
	if (c->ep) {
		int n = snprintf(buf, len, "%s (up %llu s)", c->vnl,
				 (unsigned long long)((now - c->up_since) / 1000));
		if (n > 0 && (size_t)n + 3 < len) {
			int m = ep_vep_describe(c->ep, buf + n + 2, len - (size_t)n - 2);
			if (m > 0)
				memcpy(buf + n, ": ", 2);
			return m > 0 ? n + 2 + m : n;
		}
		return n;
	}
	return snprintf(buf, len, "%s (down, retry in %llu s, %u failure%s)", c->vnl,
			(unsigned long long)(c->retry_at > now ? (c->retry_at - now + 999) / 1000 : 0),
			c->fails, c->fails == 1 ? "" : "s");
}

void connect_free(void)
{
	while (conns)
		conn_close(conns, "closed: switch exiting");
}
