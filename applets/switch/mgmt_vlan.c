/* mgmt_vlan.c - console commands for 802.1Q VLANs (vlan/...).
 *
 * A port nobody configured is a transparent trunk (see vlan.c): it
 * carries every VLAN tagged, so vlan/print lists it with tagged=1 in
 * every VLAN but its untagged one.  vlan/addport or port/setvlan make a
 * port strict, like every port of vde2.
 */
#include "port.h"
#include "sw.h"
#include "vlan.h"
#include "mgmt.h"
#include "common/proto.h"

#include <errno.h>

/* "VLAN PORT" arguments: EINVAL when out of range, ENXIO when the VLAN
 * or the port does not exist. */
static int vlan_port_args(char *arg, int *vid, struct port **p)
{
	char *w[2];
	long v, n;

	if (mgmt_words(arg, w, 2) != 2 || mgmt_num(w[0], 0, VLAN_NONE, &v) ||
	    mgmt_num(w[1], 0, sw.numports, &n))
		return EINVAL;
	*vid = (int)v;
	*p = sw.ports[n];
	return vlan_exists(*vid) && *p ? 0 : ENXIO;
}

static int vlan_arg(char *arg, int *vid)
{
	char *w[1];
	long v;

	if (mgmt_words(arg, w, 1) != 1 || mgmt_num(w[0], 0, VLAN_NONE, &v))
		return EINVAL;
	*vid = (int)v;
	return 0;
}

static int cmd_create(struct mgmt_session *s, char *arg)
{
	int vid, err = vlan_arg(arg, &vid);

	(void)s;
	if (err)
		return err;
	return vlan_create(vid) < 0 ? errno : 0;
}

static int cmd_remove(struct mgmt_session *s, char *arg)
{
	int vid, err = vlan_arg(arg, &vid);

	(void)s;
	if (err)
		return err;
	return vlan_remove(vid) < 0 ? errno : 0;
}

static int cmd_addport(struct mgmt_session *s, char *arg)
{
	struct port *p;
	int vid, err = vlan_port_args(arg, &vid, &p);

	(void)s;
	if (err)
		return err;
	if (vlan_port_tagged(p, vid))
		return 0; /* already: fine for scripts run twice (vde2 agrees) */
	return vlan_addport(vid, p) < 0 ? errno : 0;
}

static int cmd_delport(struct mgmt_session *s, char *arg)
{
	struct port *p;
	int vid, err = vlan_port_args(arg, &vid, &p);

	(void)s;
	if (err)
		return err;
	if (p->untagged_vlan == vid)
		return EADDRINUSE; /* that is port/setvlan's business */
	if (!vlan_port_tagged(p, vid))
		return 0; /* not a member: nothing to do (vde2 agrees) */
	return vlan_delport(vid, p) < 0 ? errno : 0;
}

/* What vde2 shows as the port's state in this VLAN: an unused port
 * forwards nothing and vde2 calls that "Learning". */
static const char *port_state(const struct port *p)
{
	if (!port_active(p) || !p->learning)
		return port_active(p) ? "Discarding" : "Learning";
	return p->forwarding ? "Forwarding" : "Learning";
}

static void print_vlan(struct mgmt_session *s, int vid, int all)
{
	mgmt_printf(s, "VLAN %04d\n", vid);
	for (int i = 0; i <= sw.numports; i++) {
		const struct port *p = sw.ports[i];
		int eg;
		if (!p || (!all && !port_active(p)) || (eg = vlan_egress(p, vid)) < 0)
			continue;
		mgmt_printf(s, " -- Port %04d tagged=%d active=%d status=%s\n", i, eg, port_active(p),
			    port_state(p));
	}
}

static int print_vlans(struct mgmt_session *s, char *arg, int all)
{
	int vid, err;

	if (!*arg) {
		for (vid = vlan_next(0); vid >= 0; vid = vlan_next(vid + 1))
			print_vlan(s, vid, all);
		return 0;
	}
	if ((err = vlan_arg(arg, &vid)))
		return err;
	if (!vlan_exists(vid))
		return ENXIO;
	print_vlan(s, vid, all);
	return 0;
}

static int cmd_print(struct mgmt_session *s, char *arg) { return print_vlans(s, arg, 0); }
static int cmd_allprint(struct mgmt_session *s, char *arg) { return print_vlans(s, arg, 1); }

const struct mgmt_cmd mgmt_vlan_cmds[] = {
	{ "vlan", NULL, "802.1Q VLANS", NULL, 0 },
	{ "vlan/create", "N", "create VLAN N (1..4094)", cmd_create, 0 },
	{ "vlan/remove", "N", "remove VLAN N (no port may be in it)", cmd_remove, 0 },
	{ "vlan/addport", "N PORT", "PORT carries VLAN N tagged", cmd_addport, 0 },
	{ "vlan/delport", "N PORT", "PORT no longer carries VLAN N tagged", cmd_delport, 0 },
	{ "vlan/print", "[N]", "VLANs (or VLAN N) and their ports in use", cmd_print, MGMT_DATA },
	{ "vlan/allprint", "[N]", "the same, unused ports included", cmd_allprint, MGMT_DATA },
	{ 0 }
};
