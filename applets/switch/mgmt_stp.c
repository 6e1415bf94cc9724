/* mgmt_stp.c - console commands for the spanning tree (fstp/...), named
 * as in vde2.  vde2 runs a tree per VLAN and takes a VLAN argument in
 * fstp/setedge and fstp/bonus; there is one tree here, so the commands
 * take a port only, and fstp/setcost sets a path cost.  vde2's
 * fstp/bonus VLAN PORT COST is there too: it checks the VLAN and
 * subtracts COST from the port's path cost. */
#include "stp.h"
#include "port.h"
#include "vlan.h"
#include "sw.h"
#include "mgmt.h"
#include "common/proto.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define STP_COST_MAX 200000000 /* 802.1D-2004's largest recommended cost */

static int port_arg(const char *s, struct port **p)
{
	long n;

	if (mgmt_num(s, 0, sw.numports, &n))
		return EINVAL;
	*p = sw.ports[n];
	return *p ? 0 : ENXIO;
}

static int cmd_showinfo(struct mgmt_session *s, char *arg)
{
	char id[18], root[18];
	const uint8_t *m = sw.mac;

	if (*arg)
		return EINVAL;
	mgmt_printf(s, "MAC %02x:%02x:%02x:%02x:%02x:%02x Priority %u (0x%x)\n", m[0], m[1], m[2], m[3], m[4], m[5],
		    stp_br.priority, stp_br.priority);
	mgmt_printf(s, "FSTP=%s\n", stp_enabled ? "true" : "false");
	mgmt_printf(s, "Protocol IEEE 802.1D STP, one tree for all VLANs, untagged BPDUs\n");
	mgmt_printf(s, "Timers configured: hello %u s, max age %u s, forward delay %u s\n", stp_br.hello / 1000,
		    stp_br.max_age / 1000, stp_br.fwd_delay / 1000);
	if (!stp_enabled)
		return 0;
	stp_id_str(stp_br.id, id);
	stp_id_str(stp_br.root.root, root);
	mgmt_printf(s, "Bridge ID %s\n", id);
	if (stp_is_root())
		mgmt_printf(s, "Root ID %s: this switch is the root\n", root);
	else
		mgmt_printf(s, "Root ID %s cost %u via port %d\n", root, stp_br.root.cost, stp_br.root_port->index);
	mgmt_printf(s, "Timers in use: hello %.1f s, max age %.1f s, forward delay %.1f s\n", stp_br.t_hello / 1000.0,
		    stp_br.t_max_age / 1000.0, stp_br.t_fwd_delay / 1000.0);
	mgmt_printf(s, "Topology changes %llu, last %llu s ago, in progress: %s\n", (unsigned long long)stp_br.tc_count,
		    stp_br.tc_count ? (unsigned long long)((stp_br.now - stp_br.last_tc) / 1000) : 0ULL,
		    stp_tc_active() ? "yes" : "no");
	return 0;
}

static int cmd_setfstp(struct mgmt_session *s, char *arg)
{
	char *w[1];
	long on;

	(void)s;
	if (mgmt_words(arg, w, 1) != 1 || mgmt_num(w[0], 0, 1, &on))
		return EINVAL;
	return stp_set_enabled((int)on);
}

static int cmd_setpriority(struct mgmt_session *s, char *arg)
{
	char *w[1];
	long prio;

	(void)s;
	if (mgmt_words(arg, w, 1) != 1 || mgmt_num(w[0], 0, 65535, &prio))
		return EINVAL;
	stp_set_priority((uint16_t)prio);
	return 0;
}

/* "PORT VALUE": the port (made ready for STP settings) and the value. */
static int port_value(char *arg, long min, long max, struct port **p, long *v)
{
	char *w[2];
	int err;

	if (mgmt_words(arg, w, 2) != 2 || mgmt_num(w[1], min, max, v))
		return EINVAL;
	if ((err = port_arg(w[0], p)))
		return err;
	return stp_port_cfg(*p) ? 0 : ENOMEM;
}

/* PORT 0/1 commands: one setter each. */
static int port_onoff(char *arg, void (*set)(struct port *, int))
{
	struct port *p;
	long on;
	int err;

	if ((err = port_value(arg, 0, 1, &p, &on)))
		return err;
	set(p, (int)on);
	return 0;
}

static int cmd_setedge(struct mgmt_session *s, char *arg)
{
	(void)s;
	return port_onoff(arg, stp_set_edge);
}

static int cmd_bpduguard(struct mgmt_session *s, char *arg)
{
	(void)s;
	return port_onoff(arg, stp_set_bpdu_guard);
}

static int cmd_rootguard(struct mgmt_session *s, char *arg)
{
	(void)s;
	return port_onoff(arg, stp_set_root_guard);
}

static int cmd_setcost(struct mgmt_session *s, char *arg)
{
	struct port *p;
	long cost;
	int err;

	(void)s;
	if ((err = port_value(arg, 1, STP_COST_MAX, &p, &cost)))
		return err;
	stp_set_cost(p, (uint32_t)cost);
	return 0;
}

static int cmd_bonus(struct mgmt_session *s, char *arg)
{
	char *w[3];
	long vlan, port, bonus;

	(void)s;
	if (mgmt_words(arg, w, 3) != 3 || mgmt_num(w[0], 0, VLAN_NONE - 1, &vlan) ||
	    mgmt_num(w[1], 0, sw.numports, &port) || mgmt_num(w[2], -STP_COST_MAX, STP_COST_MAX, &bonus))
		return EINVAL;
	if (!vlan_exists((int)vlan))
		return ENXIO; /* vde2's answer for a VLAN not defined */
	stp_set_bonus((int)port, (int32_t)bonus);
	return 0;
}

static int cmd_settimers(struct mgmt_session *s, char *arg)
{
	char *w[3];
	long t[3];

	(void)s;
	if (mgmt_words(arg, w, 3) != 3)
		return EINVAL;
	for (int i = 0; i < 3; i++)
		if (mgmt_num(w[i], 0, 3600, &t[i]))
			return EINVAL;
	return stp_set_timers((unsigned)t[0], (unsigned)t[1], (unsigned)t[2]);
}

static void print_port(struct mgmt_session *s, const struct stp_port *sp)
{
	char root[18], bridge[18];
	const struct stp_vec *v = &sp->info.vec;
	uint32_t cost = sp->has_info ? v->cost : stp_br.root.cost;
	unsigned int pid = sp->has_info ? v->port : (unsigned)((sp->prio & 0xf0) << 8 | (sp->port->index & 0xfff));

	stp_id_str(sp->has_info ? v->root : stp_br.root.root, root);
	stp_id_str(sp->has_info ? v->bridge : stp_br.id, bridge);
	mgmt_printf(s, "Port %04d role %s state %s cost %u", sp->port->index, stp_role_name(sp->role),
		    stp_state_name(sp->state), sp->cost);
	if (stp_br.bonus && sp->port->index == stp_br.bonus_port)
		mgmt_printf(s, " bonus %d", (int)stp_br.bonus);
	mgmt_printf(s, " edge %s\n", sp->oper_edge ? "yes" : sp->admin_edge ? "no (BPDU seen)" : "no");
	if (sp->state != ST_DISABLED)
		mgmt_printf(s, " designated root %s cost %u bridge %s port %04x\n", root, cost, bridge, pid);
	mgmt_printf(s, " BPDU in %llu out %llu, TCN in %llu out %llu, ignored %llu, started forwarding %llu times\n",
		    (unsigned long long)sp->rx_bpdu, (unsigned long long)sp->tx_bpdu, (unsigned long long)sp->rx_tcn,
		    (unsigned long long)sp->tx_tcn, (unsigned long long)sp->rx_ignored,
		    (unsigned long long)sp->fwd_transitions);
}

/* vde2's role names (fstp.c decoderole) */
static const char *vde2_role(const struct stp_port *sp)
{
	if (sp->oper_edge && !sp->auto_edge) /* vde2 knows set edges only */
		return "Edge";
	switch (sp->role) {
	case ROLE_ROOT: return "Root";
	case ROLE_ALTERNATE:
	case ROLE_BACKUP: return "Alternate/Backup";
	case ROLE_DESIGNATED: return "Designated";
	default: return "Unknown";
	}
}

static void id_colons(struct mgmt_session *s, const char *what, const uint8_t id[8])
{
	mgmt_printf(s, " ++ %s %02x:%02x:%02x:%02x:%02x:%02x:%02x:%02x\n", what, id[0], id[1], id[2], id[3],
		    id[4], id[5], id[6], id[7]);
}

static void vde2_port(struct mgmt_session *s, const struct port *p, int tagged)
{
	mgmt_printf(s, " -- Port %04d tagged=%d portcost=%u role=%s\n", p->index, tagged,
		    p->stp ? stp_path_cost(p->stp) : 20000, p->stp ? vde2_role(p->stp) : "Unknown");
}

/* vde2's block for one VLAN (its fstp/print prints one per VLAN; here the
 * one tree is shown for each), the same lines and numbers' meaning. */
static void print_vde2_vlan(struct mgmt_session *s, int vid)
{
	static const uint8_t none[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const struct stp_port *rp = stp_br.root_port ? stp_br.root_port->stp : NULL;
	uint32_t now = sw_now();
	unsigned age = rp && rp->has_info ? (unsigned)((stp_br.now - rp->info_time) / 1000) : now;

	mgmt_printf(s, "FST DATA VLAN %04d %s %s\n", vid, stp_is_root() ? "ROOTSWITCH" : "",
		    stp_enabled ? "" : "FSTP IS DISABLED");
	id_colons(s, "root", stp_br.root.root);
	id_colons(s, "designated", stp_br.root_port ? stp_br.root.bridge : none);
	mgmt_printf(s, " ++ rootport %04d cost %u age %u bonusport %04d bonuscost %d\n",
		    stp_br.root_port ? stp_br.root_port->index : 0, stp_br.root.cost, age,
		    stp_br.bonus_port, (int)stp_br.bonus);
	for (int tagged = 0; tagged <= 1; tagged++)
		for (int i = 0; i <= sw.numports; i++) {
			const struct port *p = sw.ports[i];
			if (p && port_active(p) && vlan_egress(p, vid) == tagged)
				vde2_port(s, p, tagged);
		}
}

static int cmd_print(struct mgmt_session *s, char *arg)
{
	char *w[1];
	struct port *p;
	int n = mgmt_words(arg, w, 1), err;

	if (n < 0)
		return EINVAL;
	if (n == 1) {
		if ((err = port_arg(w[0], &p)))
			return err;
		if (!p->stp)
			return ENXIO;
		print_port(s, p->stp);
		return 0;
	}
	/* vde2's lines first, for scripts that parse them; ours after */
	print_vde2_vlan(s, 0); /* VLAN 0 always is, as in vde2 */
	for (int vid = vlan_next(1); vid > 0 && vid < VLAN_NONE; vid = vlan_next(vid + 1))
		print_vde2_vlan(s, vid);
	if (!stp_enabled)
		mgmt_printf(s, "FSTP=false: every port forwards\n");
	for (int i = 0; i <= sw.numports; i++)
		if (sw.ports[i] && sw.ports[i]->stp && (port_active(sw.ports[i]) || !stp_enabled))
			print_port(s, sw.ports[i]->stp);
	return 0;
}

const struct mgmt_cmd mgmt_stp_cmds[] = {
	{ "fstp", NULL, "SPANNING TREE (IEEE 802.1D, one tree)", NULL, 0 },
	{ "fstp/showinfo", "", "bridge and root IDs, timers, topology changes", cmd_showinfo, MGMT_DATA },
	{ "fstp/setfstp", "0/1", "spanning tree off/on", cmd_setfstp, 0 },
	{ "fstp/setpriority", "N", "bridge priority 0..65535 (default 32768)", cmd_setpriority, 0 },
	{ "fstp/setedge", "PORT 0/1", "1: an end station, forwards at once until a BPDU comes", cmd_setedge, 0 },
	{ "fstp/bpduguard", "PORT 0/1", "1: a BPDU blocks the port (default: on for edge ports)", cmd_bpduguard, 0 },
	{ "fstp/rootguard", "PORT 0/1", "1: the port never becomes the root port (superior BPDUs block it)", cmd_rootguard, 0 },
	{ "fstp/setcost", "PORT COST", "path cost 1..200000000 (default 20000)", cmd_setcost, 0 },
	{ "fstp/bonus", "VLAN PORT COST", "vde2's: path cost of PORT minus COST (one port; VLAN checked only)", cmd_bonus, 0 },
	{ "fstp/settimers", "HELLO MAXAGE FWDDELAY", "seconds, used while this switch is root", cmd_settimers, 0 },
	{ "fstp/print", "[PORT]", "vde2's FST DATA block per VLAN, then role, state, cost, designated root and bridge per port (of PORT: ours only)", cmd_print, MGMT_DATA },
	{ 0 }
};
