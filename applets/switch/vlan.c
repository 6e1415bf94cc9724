/* vlan.c - 802.1Q membership and the tag rules.
 *
 * A port is an untagged member of one VLAN (0 by default, VLAN_NONE for
 * "accept no untagged frames") and a tagged member of any number.
 * Unlike vde2, while no VLAN is defined a port nobody configured (no
 * port/setvlan, no vlan/addport) is a transparent trunk: tagged frames
 * of any VID pass through it unchanged, so a switch nobody configured,
 * between two that have VLANs, carries every VLAN.  Once any VLAN exists
 * (vlan/create) every port is strict, as in vde2: a port nobody put in
 * VLAN 10 can neither inject into it nor hear its broadcasts, so a
 * client cannot hop into a VLAN just by tagging its frames.
 */
#include "vlan.h"
#include "mactable.h"
#include "port.h"
#include "common/proto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t defined[VLAN_COUNT / 64] = { 1 }; /* VLAN 0 exists */

static int bit(const uint64_t *set, int v) { return (int)(set[v / 64] >> (v % 64)) & 1; }
static void setbit(uint64_t *set, int v) { set[v / 64] |= 1ull << (v % 64); }
static void clrbit(uint64_t *set, int v) { set[v / 64] &= ~(1ull << (v % 64)); }

static int vid_ok(int vid) { return vid >= 0 && vid < VLAN_NONE; }

static int nvlans; /* VLANs defined besides 0: while 0, unconfigured ports trunk */

static int is_trunk(const struct port *p) { return !p->vlan_configured && nvlans == 0; }

int vlan_exists(int vid) { return vid_ok(vid) && bit(defined, vid); }

int vlan_next(int vid)
{
	if (vid < 0)
		vid = 0;
	for (int w = vid / 64; w < VLAN_COUNT / 64; w++) {
		/* the bits of word w from vid on (all of them after the first) */
		uint64_t left = w == vid / 64 ? defined[w] >> (vid % 64) << (vid % 64) : defined[w];
		if (left) {
			int v = w * 64 + __builtin_ctzll(left);
			return vid_ok(v) ? v : -1;
		}
	}
	return -1;
}

int vlan_create(int vid)
{
	if (vid < 1 || vid >= VLAN_NONE)
		return errno = EINVAL, -1;
	if (bit(defined, vid))
		return errno = EEXIST, -1;
	setbit(defined, vid);
	/* Unconfigured ports stop trunking: forget what they learned
	 * in VLANs they are no longer in. */
	if (nvlans++ == 0)
		mac_flush_all();
	return 0;
}

static int vlan_in_use(int vid)
{
	for (int i = 0; i <= sw.numports; i++) {
		struct port *p = sw.ports[i];
		if (p && (p->untagged_vlan == vid || (p->tagged && bit(p->tagged, vid))))
			return 1;
	}
	return 0;
}

int vlan_remove(int vid)
{
	if (!vlan_exists(vid) || vid == 0)
		return errno = vid == 0 ? EINVAL : ENXIO, -1;
	if (vlan_in_use(vid))
		return errno = EADDRINUSE, -1;
	clrbit(defined, vid);
	mac_flush_vlan(vid);
	nvlans--;
	return 0;
}

int vlan_addport(int vid, struct port *p)
{
	if (!vlan_exists(vid))
		return errno = ENXIO, -1;
	if (!p->tagged && !(p->tagged = calloc(VLAN_COUNT / 64, sizeof(uint64_t))))
		return errno = ENOMEM, -1;
	if (bit(p->tagged, vid) || p->untagged_vlan == vid)
		return errno = EEXIST, -1;
	p->vlan_configured = 1;
	setbit(p->tagged, vid);
	return 0;
}

int vlan_delport(int vid, struct port *p)
{
	if (!vlan_exists(vid))
		return errno = ENXIO, -1;
	if (!p->tagged || !bit(p->tagged, vid))
		return errno = p->untagged_vlan == vid ? EADDRINUSE : ENOENT, -1;
	clrbit(p->tagged, vid);
	mac_flush_port(p->index);
	return 0;
}

int port_setvlan(struct port *p, int vid)
{
	if (vid != VLAN_NONE && !vlan_exists(vid))
		return errno = ENXIO, -1;
	if (p->tagged && vid != VLAN_NONE && bit(p->tagged, vid))
		clrbit(p->tagged, vid); /* now untagged there instead */
	p->untagged_vlan = vid;
	p->vlan_configured = 1;
	mac_flush_port(p->index);
	return 0;
}

int vlan_egress(const struct port *p, int vid)
{
	if (p->untagged_vlan == vid)
		return 0;
	if (is_trunk(p))
		return 1;
	return p->tagged && bit(p->tagged, vid) ? 1 : -1;
}

int vlan_ingress(const struct port *p, const uint8_t *f, size_t len)
{
	const struct eth_vlan_hdr *h = (const void *)f;
	int vid;

	if (h->tpid != htons(ETH_TYPE_VLAN))
		return p->untagged_vlan == VLAN_NONE ? -1 : p->untagged_vlan;
	if (len < sizeof(*h))
		return -1;
	vid = ntohs(h->tci) & VLAN_VID_MASK;
	if (vid == VLAN_NONE)
		return -1;
	if (is_trunk(p))
		return vid;
	if (!vlan_exists(vid))
		return -1;
	return vid == p->untagged_vlan || (p->tagged && bit(p->tagged, vid)) ? vid : -1;
}

/* Used by the console to list memberships. */
int vlan_port_tagged(const struct port *p, int vid)
{
	return p->tagged && vid_ok(vid) && bit(p->tagged, vid);
}
