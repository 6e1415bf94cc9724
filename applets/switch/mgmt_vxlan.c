/* mgmt_vxlan.c - console command vxlan/print: for each VXLAN port
 * (vxlan://, vxvde://), the MAC addresses it learned and the VTEP each
 * sits behind.  The counters are on port/print's LINK line. */
#include "endpoint.h"
#include "mgmt.h"
#include "port.h"
#include "sw.h"

#include <errno.h>
#include <stdio.h>

static void line(void *ctx, const char *text) { mgmt_printf(ctx, "  %s\n", text); }

static int print_port(struct mgmt_session *s, const struct port *p)
{
	int any = 0;

	for (const struct endpoint *ep = p->eps; ep; ep = ep->next) {
		if (!ep->module || (ep->module[0] != 'v' || ep->module[1] != 'x'))
			continue; /* vxlan, vxvde */
		mgmt_printf(s, "Port %04d %s (MAC, VTEP, seen ago)\n", p->index, ep->descr);
		any |= ep_vep_list(ep, line, s);
	}
	return any;
}

static int cmd_print(struct mgmt_session *s, char *arg)
{
	char *w[1];
	long n;
	int k = mgmt_words(arg, w, 1), any = 0;

	if (k < 0 || (k == 1 && mgmt_num(w[0], 0, sw.numports, &n)))
		return EINVAL;
	if (k == 1) {
		struct port *p = port_get(n);
		return p && print_port(s, p) ? 0 : ENXIO;
	}
	for (int i = 0; i <= sw.numports; i++)
		if (sw.ports[i])
			any |= print_port(s, sw.ports[i]);
	(void)any;
	return 0;
}

const struct mgmt_cmd mgmt_vxlan_cmds[] = {
	{ "vxlan", NULL, "VXLAN PORTS", NULL, 0 },
	{ "vxlan/print", "[N]", "MACs learned behind each VTEP (of port N)", cmd_print, MGMT_DATA },
	{ 0 }
};
