/* port.c - the port table: numbering like vde2 (user ports 1..N, the
 * special port 0), allocation of a free port, several endpoints on one
 * port (same user: VDE1 cable groups), access control, per-user quotas,
 * counters. */
#include "port.h"
#include "debug.h"
#include "ep.h"
#include "mactable.h"
#include "observe.h"
#include "portimpair.h"
#include "stp.h"
#include "common/proto.h"
#include "common/log.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void port_quota_free(void);

int ports_init(int n)
{
	sw.ports = calloc((size_t)n + 1, sizeof(*sw.ports));
	if (!sw.ports)
		return -1;
	sw.numports = n;
	return 0;
}

void ports_free(void)
{
	for (int i = 0; i <= sw.numports; i++)
		if (sw.ports[i]) {
			stp_port_free(sw.ports[i]);
			observe_port_gone(sw.ports[i]);
			portimpair_port_gone(sw.ports[i]);
			free(sw.ports[i]->tagged);
			free(sw.ports[i]);
		}
	free(sw.ports);
	sw.ports = NULL;
	port_quota_free();
}

int ports_resize(int n)
{
	struct port **np;

	if (n < 1) {
		errno = EINVAL;
		return -1;
	}
	for (int i = n + 1; i <= sw.numports; i++)
		if (sw.ports[i]) {
			errno = EADDRINUSE;
			return -1;
		}
	np = realloc(sw.ports, ((size_t)n + 1) * sizeof(*np));
	if (!np)
		return -1;
	for (int i = sw.numports + 1; i <= n; i++)
		np[i] = NULL;
	sw.ports = np;
	sw.numports = n;
	return 0;
}

struct port *port_create(int index, int allocatable)
{
	struct port *p;

	if (index < 0 || index > sw.numports) {
		errno = ENXIO;
		return NULL;
	}
	if (sw.ports[index]) {
		errno = EEXIST;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->index = index;
	p->curuser = (uid_t)-1;
	p->ac_user = (uid_t)-1;
	p->ac_group = (gid_t)-1;
	p->allocatable = allocatable;
	p->untagged_vlan = 0;
	p->forwarding = p->learning = 1;
	sw.ports[index] = p;
	observe_port_new(p); /* a capture of every port sees it from now on */
	dbg_event(DBG_PORT_PLUS, "%02d", index);
	return p;
}

int port_remove(int index)
{
	struct port *p;

	if (index < 0 || index > sw.numports || !sw.ports[index]) {
		errno = ENXIO;
		return -1;
	}
	p = sw.ports[index];
	if (p->nep > 0 || p->connected) {
		errno = EADDRINUSE;
		return -1;
	}
	mac_flush_port(index);
	stp_port_free(p);
	observe_port_gone(p);
	portimpair_port_gone(p);
	free(p->tagged);
	free(p);
	sw.ports[index] = NULL;
	return 0;
}

/* ---- per-user quotas (issue 17 item 8) ----
 * A user other than root and the switch's owner may hold at most
 * port_user_ports() ports and port_user_endpoints() endpoints, so one
 * user can neither take every port nor spend the descriptors everybody
 * else needs.  Counted on attach and detach; only users with a quota
 * have an entry, and it goes when they hold nothing. */
struct uquota {
	uid_t uid;
	int ports, eps;
};
static struct uquota *uquotas;
static size_t nuquotas, capuquotas;

int port_user_exempt(uid_t uid) { return uid == (uid_t)-1 || uid == 0 || uid == geteuid(); }

int port_user_ports(void)
{
	if (sw.user_ports >= 0)
		return sw.user_ports;
	return sw.numports > 1 ? sw.numports / 2 : 1; /* default: half of them */
}

int port_user_endpoints(void)
{
	if (sw.user_endpoints >= 0)
		return sw.user_endpoints;
	if (sw.fd_limit <= sw.fd_reserve)
		return 0; /* limits unknown (unit tests): none */
	/* default: a quarter of the descriptors clients may use, at two
	 * per endpoint (control connection and data socket) */
	int n = (sw.fd_limit - sw.fd_reserve) / 8;
	return n > 0 ? n : 1;
}

static struct uquota *uquota(uid_t uid, int make)
{
	for (size_t i = 0; i < nuquotas; i++)
		if (uquotas[i].uid == uid)
			return &uquotas[i];
	if (!make)
		return NULL;
	if (nuquotas == capuquotas) {
		size_t cap = capuquotas ? capuquotas * 2 : 8;
		struct uquota *q = realloc(uquotas, cap * sizeof(*q));
		if (!q)
			return NULL;
		uquotas = q;
		capuquotas = cap;
	}
	uquotas[nuquotas] = (struct uquota){ uid, 0, 0 };
	return &uquotas[nuquotas++];
}

/* Count (+1) or uncount (-1) a port and/or an endpoint of uid. */
static void uquota_add(uid_t uid, int ports, int eps)
{
	struct uquota *q;

	if (port_user_exempt(uid) || !(q = uquota(uid, ports > 0 || eps > 0)))
		return; /* out of memory: uncounted, so the quota is lenient */
	q->ports += ports;
	q->eps += eps;
	if (q->ports <= 0 && q->eps <= 0)
		*q = uquotas[--nuquotas];
}

void port_user_usage(uid_t uid, int *nports, int *neps)
{
	struct uquota *q = port_user_exempt(uid) ? NULL : uquota(uid, 0);

	*nports = q ? q->ports : 0;
	*neps = q ? q->eps : 0;
}

/* May uid add an endpoint, on a port it does not hold yet if new_port? */
static int quota_ok(uid_t uid, int new_port)
{
	int nports, neps, maxp = port_user_ports(), maxe = port_user_endpoints();

	port_user_usage(uid, &nports, &neps);
	if ((maxe > 0 && neps >= maxe) || (new_port && maxp > 0 && nports >= maxp)) {
		errno = EDQUOT;
		return 0;
	}
	return 1;
}

static void port_quota_free(void)
{
	free(uquotas);
	uquotas = NULL;
	nuquotas = capuquotas = 0;
}

static int in_group(uid_t uid, gid_t gid)
{
	struct passwd *pw = getpwuid(uid);
	struct group *gr;

	if (!pw)
		return 0;
	if (pw->pw_gid == gid)
		return 1;
	gr = getgrgid(gid);
	for (char **m = gr ? gr->gr_mem : NULL; m && *m; m++)
		if (strcmp(*m, pw->pw_name) == 0)
			return 1;
	return 0;
}

/* May uid open the (idle) port p?  Set with port/setuser, port/setgroup. */
static int port_access_ok(const struct port *p, uid_t uid)
{
	if (p->ac_user == (uid_t)-1 && p->ac_group == (gid_t)-1)
		return 1;
	if (uid == 0 || (p->ac_user != (uid_t)-1 && uid == p->ac_user))
		return 1;
	return p->ac_group != (gid_t)-1 && uid != (uid_t)-1 && in_group(uid, p->ac_group);
}

static struct port *port_free_slot(uid_t uid)
{
	for (int i = 1; i <= sw.numports; i++) {
		struct port *p = sw.ports[i];
		if (!p)
			return port_create(i, 1);
		if (p->nep == 0 && p->allocatable && !p->connected && port_access_ok(p, uid))
			return p;
	}
	errno = ENOSPC;
	return NULL;
}

struct port *port_for_request(int kind, unsigned int want, uid_t uid)
{
	struct port *p;

	if (kind == VDE_REQ_NEW_PORT0)
		want = 0;
	else if (want == 0)
		return quota_ok(uid, 1) ? port_free_slot(uid) : NULL;
	/* VDE1 "vde_plug -g N" asks for (euid << 8) + N: a user's cable
	 * group N becomes port N, checked against the peer's real uid. */
	if (want > (unsigned int)sw.numports && want > 0xff && (want >> 8) == uid && (want & 0xff))
		want &= 0xff;
	if (want > (unsigned int)sw.numports) {
		errno = ERANGE;
		return NULL;
	}
	p = sw.ports[want];
	if (!p && !(p = port_create((int)want, 1)))
		return NULL;
	if (p->connected) { /* the switch's own link (port/connect) */
		errno = EADDRINUSE;
		return NULL;
	}
	if (p->nep == 0) {
		if (!port_access_ok(p, uid)) {
			errno = EPERM;
			return NULL;
		}
	} else if (p->curuser != uid && uid != 0) {
		/* A port shared by several cables belongs to one user. */
		errno = EADDRINUSE;
		return NULL;
	}
	return quota_ok(uid, p->nep == 0) ? p : NULL;
}

void port_attach(struct port *p, struct endpoint *ep)
{
	if (p->nep == 0)
		p->curuser = ep->uid;
	uquota_add(ep->uid, p->nep == 0, 1);
	ep->port = p;
	ep->next = p->eps;
	p->eps = ep;
	dbg_event(DBG_EP_PLUS, "Port %02d FD %2d", p->index, ep->id);
	dbg_event(DBG_PORT_DESCR, "Port %02d FD %2d -> \"%s\"", p->index, ep->id, ep->descr);
	if (p->nep++ == 0)
		stp_port_up(p);
}

void port_detach(struct endpoint *ep)
{
	struct port *p = ep->port;

	for (struct endpoint **pp = &p->eps; *pp; pp = &(*pp)->next)
		if (*pp == ep) {
			*pp = ep->next;
			p->nep--;
			uquota_add(ep->uid, 0, -1);
			if (p->nep == 0)
				uquota_add(p->curuser, -1, 0);
			dbg_event(DBG_EP_MINUS, "Port %02d FD %2d", p->index, ep->id);
			break;
		}
	ep->port = NULL;
	if (p->nep == 0) {
		dbg_event(DBG_PORT_MINUS, "%02d", p->index);
		/* Last cable gone: forget where its stations were. */
		p->curuser = (uid_t)-1;
		mac_flush_port(p->index);
		stp_port_down(p);
	}
}

struct port *port_get(long n)
{
	return n >= 0 && n <= sw.numports ? sw.ports[n] : NULL;
}

void port_set_allocatable(struct port *p, int on) { p->allocatable = on; }
void port_set_user(struct port *p, uid_t uid) { p->ac_user = uid; }
void port_set_group(struct port *p, gid_t gid) { p->ac_group = gid; }
void port_set_connected(struct port *p, int on) { p->connected = on; }

void port_reset_counters(struct port *p)
{
	p->in_pkts = p->in_bytes = p->out_pkts = p->out_bytes = p->drops = 0;
	for (struct endpoint *ep = p->eps; ep; ep = ep->next)
		ep->drops = 0;
}
