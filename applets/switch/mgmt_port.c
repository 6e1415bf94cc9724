/* mgmt_port.c - console commands for ports (port/...): the port table,
 * hub mode, untagged VLAN, access control, endpoints and counters.
 * port/print keeps vde2's layout line for line and adds one line of
 * drop counts after OUT. */
#include "connect.h"
#include "endpoint.h"
#include "forward.h"
#include "mactable.h"
#include "mirror.h"
#include "observe.h"
#include "port.h"
#include "portimpair.h"
#include "qemu.h"
#include "stp.h"
#include "sw.h"
#include "vlan.h"
#include "mgmt.h"
#include "common/proto.h"
#include "common/util.h"
#include "common/vnl.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

/* Port number argument: EINVAL outside 0..numports, ENXIO when the port
 * was never created (vde2's two answers). */
static int port_arg(const char *s, struct port **p)
{
	long n;

	if (mgmt_num(s, 0, sw.numports, &n))
		return EINVAL;
	*p = sw.ports[n];
	return *p ? 0 : ENXIO;
}

/* Split arg into exactly n words. */
static int words(char *arg, char **w, int n)
{
	return mgmt_words(arg, w, n) == n ? 0 : EINVAL;
}

static int cmd_showinfo(struct mgmt_session *s, char *arg)
{
	if (*arg)
		return EINVAL;
	mgmt_printf(s, "Numports=%d\nHUB=%s\ncounters=true\n", sw.numports, sw.hub ? "true" : "false");
	return 0;
}

static int cmd_setnumports(struct mgmt_session *s, char *arg)
{
	char *w[1];
	long n;

	(void)s;
	if (words(arg, w, 1) || mgmt_num(w[0], 1, 65535, &n)) /* as -n */
		return EINVAL;
	return ports_resize((int)n) < 0 ? errno : 0;
}

static int cmd_sethub(struct mgmt_session *s, char *arg)
{
	char *w[1];
	long on;

	(void)s;
	if (words(arg, w, 1) || mgmt_num(w[0], 0, 1, &on))
		return EINVAL;
	forward_set_hub((int)on);
	return 0;
}

static int cmd_setvlan(struct mgmt_session *s, char *arg)
{
	char *w[2];
	struct port *p;
	long vid;
	int err;

	(void)s;
	if (words(arg, w, 2) || mgmt_num(w[1], 0, VLAN_NONE, &vid))
		return EINVAL;
	if ((err = port_arg(w[0], &p)))
		return err;
	return port_setvlan(p, (int)vid) < 0 ? errno : 0;
}

static int cmd_createauto(struct mgmt_session *s, char *arg)
{
	if (*arg)
		return EINVAL;
	for (int i = 1; i <= sw.numports; i++)
		if (!sw.ports[i]) {
			if (!port_create(i, 0))
				return errno;
			mgmt_printf(s, "Port %04d\n", i);
			return 0;
		}
	return ENOSPC;
}

static int cmd_create(struct mgmt_session *s, char *arg)
{
	char *w[1];
	long n;

	(void)s;
	if (words(arg, w, 1) || mgmt_num(w[0], 0, sw.numports, &n))
		return EINVAL;
	return port_create((int)n, 0) ? 0 : errno;
}

static int cmd_remove(struct mgmt_session *s, char *arg)
{
	char *w[1];
	long n;

	(void)s;
	if (words(arg, w, 1) || mgmt_num(w[0], 0, sw.numports, &n))
		return EINVAL;
	return port_remove((int)n) < 0 ? errno : 0;
}

static int cmd_allocatable(struct mgmt_session *s, char *arg)
{
	char *w[2];
	struct port *p;
	long on;
	int err;

	(void)s;
	if (words(arg, w, 2) || mgmt_num(w[1], 0, 1, &on))
		return EINVAL;
	if ((err = port_arg(w[0], &p)))
		return err;
	port_set_allocatable(p, (int)on);
	return 0;
}

/* "NONE" and "ANY" (vde2's spellings) lift the restriction. */
static int no_restriction(const char *s) { return !strcmp(s, "NONE") || !strcmp(s, "ANY"); }

static long user_id(const char *name)
{
	struct passwd *pw = getpwnam(name);
	return pw ? (long)pw->pw_uid : -1;
}

static long group_id(const char *name)
{
	struct group *gr = getgrnam(name);
	return gr ? (long)gr->gr_gid : -1;
}

/* "PORT WHO" for setuser/setgroup: WHO is NONE/ANY (*id = -1), a name
 * that lookup() knows, or a number. */
static int ac_args(char *arg, struct port **p, long (*lookup)(const char *), long *id)
{
	char *w[2];
	int err;

	if (words(arg, w, 2))
		return EINVAL;
	if ((err = port_arg(w[0], p)))
		return err;
	if (no_restriction(w[1]))
		*id = -1;
	else if ((*id = lookup(w[1])) < 0 && mgmt_num(w[1], 0, 0x7ffffffe, id))
		return EINVAL;
	return 0;
}

static int cmd_setuser(struct mgmt_session *s, char *arg)
{
	struct port *p;
	long uid;
	int err;

	(void)s;
	if ((err = ac_args(arg, &p, user_id, &uid)))
		return err;
	port_set_user(p, uid < 0 ? (uid_t)-1 : (uid_t)uid);
	return 0;
}

static int cmd_setgroup(struct mgmt_session *s, char *arg)
{
	struct port *p;
	long gid;
	int err;

	(void)s;
	if ((err = ac_args(arg, &p, group_id, &gid)))
		return err;
	port_set_group(p, gid < 0 ? (gid_t)-1 : (gid_t)gid);
	return 0;
}

static int cmd_epclose(struct mgmt_session *s, char *arg)
{
	char *w[2];
	struct port *p;
	long id;
	int err;

	(void)s;
	if (words(arg, w, 2) || mgmt_num(w[1], 0, 0x7fffffff, &id))
		return EINVAL;
	if ((err = port_arg(w[0], &p)))
		return err;
	for (struct endpoint *ep = p->eps; ep; ep = ep->next)
		if (ep->id == id) {
			ep_close(ep, "closed from the management console");
			return 0;
		}
	return ENXIO;
}

/* port/connect N VNL: the VNL is the rest of the line, spaces and all
 * (cmd://"ssh host vde_plug /tmp/sw").  Root's and the owner's only:
 * the switch opens it with its own rights (runs the command, makes the
 * tap), which another -M user must not borrow. */
static int cmd_connect(struct mgmt_session *s, char *arg)
{
	char *vnl = arg;
	long n;

	if (!mgmt_session_privileged(s))
		return EPERM; /* it would act with the switch's rights */
	while (*vnl && *vnl != ' ' && *vnl != '\t')
		vnl++;
	if (!*vnl)
		return EINVAL;
	*vnl++ = 0;
	while (*vnl == ' ' || *vnl == '\t')
		vnl++;
	if (!*vnl || mgmt_num(arg, 1, sw.numports, &n))
		return EINVAL;
	return connect_port((int)n, vnl, 0, NULL);
}

static int cmd_disconnect(struct mgmt_session *s, char *arg)
{
	char *w[1];
	long n;

	if (!mgmt_session_privileged(s))
		return EPERM;
	if (words(arg, w, 1) || mgmt_num(w[0], 1, sw.numports, &n))
		return EINVAL;
	return connect_remove((int)n);
}

static int cmd_resetcounter(struct mgmt_session *s, char *arg)
{
	char *w[1];
	struct port *p;
	int n = mgmt_words(arg, w, 1), err;

	(void)s;
	if (n < 0)
		return EINVAL;
	if (n == 0) {
		for (int i = 0; i <= sw.numports; i++)
			if (sw.ports[i])
				port_reset_counters(sw.ports[i]);
		return 0;
	}
	if ((err = port_arg(w[0], &p)))
		return err;
	port_reset_counters(p);
	return 0;
}

static const char *user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw;

	if (uid == (uid_t)-1)
		return "NONE";
	if (uid == QEMU_TCP_UID)
		return "TCP"; /* QEMU clients by TCP: no uid, one for the quotas */
	if ((pw = getpwuid(uid)))
		return pw->pw_name;
	snprintf(buf, len, "%u", (unsigned)uid);
	return buf;
}

static const char *group_name(gid_t gid, char *buf, size_t len)
{
	struct group *gr;

	if (gid == (gid_t)-1)
		return "NONE";
	if ((gr = getgrgid(gid)))
		return gr->gr_name;
	snprintf(buf, len, "%u", (unsigned)gid);
	return buf;
}

static void print_port(struct mgmt_session *s, const struct port *p)
{
	char b1[16], b2[16], b3[16], stp[96], link[VNL_MAX + 64];

	mgmt_printf(s, "Port %04d untagged_vlan=%04d %sACTIVE - %sUnnamed Allocatable\n", p->index,
		    p->untagged_vlan, port_active(p) ? "" : "IN", p->allocatable ? "" : "NOT ");
	mgmt_printf(s, " Current User: %s Access Control: (User: %s - Group: %s)\n",
		    user_name(p->curuser, b1, sizeof(b1)), user_name(p->ac_user, b2, sizeof(b2)),
		    group_name(p->ac_group, b3, sizeof(b3)));
	mgmt_printf(s, " IN:  pkts %10llu          bytes %20llu\n",
		    (unsigned long long)p->in_pkts, (unsigned long long)p->in_bytes);
	mgmt_printf(s, " OUT: pkts %10llu          bytes %20llu\n",
		    (unsigned long long)p->out_pkts, (unsigned long long)p->out_bytes);
	mgmt_printf(s, " DROP: pkts %9llu\n", (unsigned long long)p->drops);
	if (stp_port_describe(p, stp, sizeof(stp)) > 0) /* spanning tree role and state */
		mgmt_printf(s, " %s\n", stp);
	if (connect_describe(p->index, link, sizeof(link)) > 0) /* port/connect, --port */
		mgmt_printf(s, " LINK: %s\n", link);
	for (const struct endpoint *ep = p->eps; ep; ep = ep->next)
		mgmt_printf(s, "  -- endpoint ID %04d module %-12s: %s\n", ep->id,
			    ep->module ? ep->module : ep->ops->module,
			    ep->descr ? ep->descr : "");
}

/* port/print shows active ports, port/allprint every port that exists. */
static int print_ports(struct mgmt_session *s, char *arg, int all)
{
	char *w[1];
	struct port *p;
	int n = mgmt_words(arg, w, 1), err;

	if (n < 0)
		return EINVAL;
	if (n == 1) {
		if ((err = port_arg(w[0], &p)))
			return err;
		if (!all && !port_active(p) && !p->connected)
			return ENXIO;
		print_port(s, p);
		return 0;
	}
	for (int i = 0; i <= sw.numports; i++)
		if (sw.ports[i] && (all || port_active(sw.ports[i]) || sw.ports[i]->connected))
			print_port(s, sw.ports[i]);
	return 0;
}

/* ---- mirrors and bad wires: each command prints the state it leaves ---- */

static void mirror_line(void *ctx, int src, int dst, int dirs)
{
	mgmt_printf(ctx, "Port %04d -> %04d %s\n", src, dst, mirror_dirs_name(dirs));
}

/* port/mirror [SRC DST [in|out|both]] */
static int cmd_mirror(struct mgmt_session *s, char *arg)
{
	char *w[3], why[128];
	long src, dst;
	int n = mgmt_words(arg, w, 3), dirs = OBS_BOTH, err;

	if (n == 1 || n < 0)
		return EINVAL;
	if (n >= 2) {
		if (mgmt_num(w[0], 0, sw.numports, &src) || mgmt_num(w[1], 0, sw.numports, &dst))
			return EINVAL;
		if (n == 3 && !(dirs = mirror_dirs_parse(w[2])))
			return EINVAL;
		if ((err = mirror_add((int)src, (int)dst, dirs, why, sizeof(why)))) {
			mgmt_printf(s, "%s\n", why);
			return err;
		}
	}
	mirror_list(mirror_line, s);
	return 0;
}

/* port/unmirror SRC [DST] */
static int cmd_unmirror(struct mgmt_session *s, char *arg)
{
	char *w[2];
	long src, dst = 0;
	int n = mgmt_words(arg, w, 2);

	(void)s;
	if (n < 1 || mgmt_num(w[0], 0, sw.numports, &src) || (n == 2 && mgmt_num(w[1], 0, sw.numports, &dst)))
		return EINVAL;
	return mirror_remove((int)src, (int)dst) ? ENXIO : 0;
}

static void wire_line(void *ctx, const char *text) { mgmt_printf(ctx, "%s\n", text); }

/* port/impair N [off | [in|out|both] NAME=VALUE ... [seed=S]] */
static int cmd_impair(struct mgmt_session *s, char *arg)
{
	char *w[32], why[160];
	struct port *p;
	int n = mgmt_words(arg, w, 32), err;

	if (n < 1)
		return EINVAL;
	if ((err = port_arg(w[0], &p)))
		return err;
	if (n > 1 && (err = portimpair_set(p, w + 1, n - 1, why, sizeof(why)))) {
		mgmt_printf(s, "%s\n", why);
		return err;
	}
	if (portimpair_show(p, wire_line, s))
		mgmt_printf(s, "Port %04d: no impairment\n", p->index);
	return 0;
}

static int cmd_print(struct mgmt_session *s, char *arg) { return print_ports(s, arg, 0); }
static int cmd_allprint(struct mgmt_session *s, char *arg) { return print_ports(s, arg, 1); }

const struct mgmt_cmd mgmt_port_cmds[] = {
	{ "port", NULL, "PORTS", NULL, 0 },
	{ "port/showinfo", "", "number of ports, hub or switch", cmd_showinfo, MGMT_DATA },
	{ "port/setnumports", "N", "ports are 1..N (only unused ports may go)", cmd_setnumports, 0 },
	{ "port/sethub", "0/1", "1: repeat every frame everywhere, 0: switch", cmd_sethub, 0 },
	{ "port/setvlan", "N VLAN", "untagged VLAN of port N (4095: none)", cmd_setvlan, 0 },
	{ "port/createauto", "", "create the first free port, not for automatic use", cmd_createauto, MGMT_DATA },
	{ "port/create", "N", "create port N, not for automatic use", cmd_create, 0 },
	{ "port/remove", "N", "remove port N (it must have no endpoint)", cmd_remove, 0 },
	{ "port/allocatable", "N 0/1", "may clients asking for any port get N?", cmd_allocatable, 0 },
	{ "port/setuser", "N user", "only this user (or root) may use port N", cmd_setuser, 0 },
	{ "port/setgroup", "N group", "members of this group may use port N", cmd_setgroup, 0 },
	{ "port/epclose", "N ID", "disconnect endpoint ID from port N", cmd_epclose, 0 },
	{ "port/connect", "N VNL", "keep network VNL on port N, reopened when it ends", cmd_connect, 0 },
	{ "port/disconnect", "N", "stop keeping a network on port N, close it", cmd_disconnect, 0 },
	{ "port/mirror", "[SRC DST [DIR]]", "DST gets copies of SRC's frames (DIR: in, out, both); list", cmd_mirror, MGMT_DATA },
	{ "port/unmirror", "SRC [DST]", "stop mirroring SRC (to DST)", cmd_unmirror, 0 },
	{ "port/impair", "N [off|K=V ..]", "a bad wire on port N (loss=, delay=, bandwidth=, ...); show", cmd_impair, MGMT_DATA },
	{ "port/resetcounter", "[N]", "zero the counters (of port N)", cmd_resetcounter, 0 },
	{ "port/print", "[N]", "ports in use (or port N): endpoints, counters", cmd_print, MGMT_DATA },
	{ "port/allprint", "[N]", "the same, unused ports included", cmd_allprint, MGMT_DATA },
	{ 0 }
};
