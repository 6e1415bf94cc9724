/* forward.c - where a frame goes.
 *
 * In hub mode: every other port.  As a switch: classify the VLAN, learn
 * the source, then send to the one port that knows the destination, or
 * flood to every other port of the VLAN.  Never back to the input port:
 * that is what makes several cables on one port (a cable group) safe.
 * Tags are added or stripped per output port; the frame is rewritten in
 * place (buffers have SW_HEADROOM bytes in front), so it is copied once,
 * into the kernel.
 */
#include "forward.h"
#include "mactable.h"
#include "observe.h"
#include "port.h"
#include "stp.h"
#include "sw.h"
#include "tx.h"
#include "vlan.h"
#include "common/proto.h"

#include <arpa/inet.h>
#include <string.h>

void forward_set_hub(int on)
{
	if (sw.hub != on)
		mac_flush_all(); /* hub mode learns nothing: start afresh either way */
	if (on)
		stp_set_enabled(0); /* as vde2: a hub has no spanning tree */
	sw.hub = on;
}

static int is_tagged(const uint8_t *f)
{
	return ((const struct eth_hdr *)f)->type == htons(ETH_TYPE_VLAN);
}

/* Insert a tag into the headroom: returns the new start of the frame. */
static uint8_t *tag_add(uint8_t *f, size_t *len, int vid)
{
	uint8_t *n = f - ETH_VLAN_TAG_LEN;
	uint16_t tpid = htons(ETH_TYPE_VLAN), tci = htons((uint16_t)vid);

	memmove(n, f, 12);
	memcpy(n + 12, &tpid, 2);
	memcpy(n + 14, &tci, 2);
	*len += ETH_VLAN_TAG_LEN;
	return n;
}

static uint8_t *tag_strip(uint8_t *f, size_t *len, size_t *pad)
{
	uint8_t *n = f + ETH_VLAN_TAG_LEN;

	memmove(n, f, 12);
	*len -= ETH_VLAN_TAG_LEN;
	if (*len < ETH_MIN_FRAME) { /* keep the 60-byte minimum */
		memset(n + *len, 0, ETH_MIN_FRAME - *len);
		*pad += ETH_MIN_FRAME - *len;
		*len = ETH_MIN_FRAME;
	}
	return n;
}

/* Offsets in the offload header move with the tag. */
static void shift_vnet(struct vnet_hdr *vh, int delta)
{
	if (vh) {
		vh->csum_start = (uint16_t)(vh->csum_start + delta);
		if (vh->hdr_len)
			vh->hdr_len = (uint16_t)(vh->hdr_len + delta);
	}
}

static uint8_t *convert(uint8_t *f, size_t *len, size_t *pad, int want_tag, int vid, struct vnet_hdr *vh)
{
	if (want_tag != is_tagged(f))
		tx_flush(); /* sends still pending may point at f */
	if (want_tag && !is_tagged(f)) {
		shift_vnet(vh, ETH_VLAN_TAG_LEN);
		return tag_add(f, len, vid);
	}
	if (!want_tag && is_tagged(f)) {
		shift_vnet(vh, -ETH_VLAN_TAG_LEN);
		return tag_strip(f, len, pad);
	}
	return f;
}

static void hub_flood(struct port *in, const uint8_t *f, size_t len, size_t pad, const struct vnet_hdr *vh)
{
	for (int i = 1; i <= sw.numports; i++)
		if (sw.ports[i] != in && port_active(sw.ports[i]))
			tx_port(sw.ports[i], f, len, pad, vh);
}

/* Flood in a VLAN: ports wanting the frame as it is first, then convert
 * it once and serve the others. */
static void vlan_flood(struct port *in, uint8_t *f, size_t len, size_t pad, int vid, struct vnet_hdr *vh)
{
	int tagged = is_tagged(f), others = 0;

	for (int i = 0; i <= sw.numports; i++) {
		struct port *p = sw.ports[i];
		int eg;
		if (p == in || !port_active(p) || (eg = vlan_egress(p, vid)) < 0)
			continue;
		if (eg == tagged)
			tx_port(p, f, len, pad, vh);
		else
			others = 1;
	}
	if (!others)
		return;
	f = convert(f, &len, &pad, !tagged, vid, vh);
	for (int i = 0; i <= sw.numports; i++) {
		struct port *p = sw.ports[i];
		if (p != in && port_active(p) && vlan_egress(p, vid) == !tagged)
			tx_port(p, f, len, pad, vh);
	}
}

void forward_frame(struct port *in, uint8_t *f, size_t len, const struct vnet_hdr *vhin)
{
	const struct eth_hdr *h = (const void *)f;
	struct vnet_hdr vhcopy, *vh = NULL;
	size_t pad = 0; /* zeros at the end: what a runt was padded with */
	int vid, dst;

	if (vhin) { /* a private copy: tagging shifts its offsets */
		vhcopy = *vhin;
		vh = &vhcopy;
	}
	if (in->obs) /* capture, mirrors: the frame as it came */
		observe_frame(in, OBS_IN, f, len, vhin);
	if (in->monitor) { /* a mirror's target sends nothing into the switch */
		in->drops++;
		return;
	}
	if (len < ETH_MIN_FRAME) { /* pad runts like vde2 >= 2.3.3 */
		memset(f + len, 0, ETH_MIN_FRAME - len);
		pad = ETH_MIN_FRAME - len;
		len = ETH_MIN_FRAME;
	}
	in->in_pkts++;
	in->in_bytes += len;
	if (sw.hub) {
		hub_flood(in, f, len, pad, vh);
		return;
	}
	if (stp_enabled && stp_is_bpdu(f)) {
		stp_receive(in, f, len);
		return;
	}
	if (!in->learning && !in->forwarding)
		return; /* a blocked port: the loop the tree cut */
	vid = vlan_ingress(in, f, len);
	if (vid < 0) {
		in->drops++;
		return;
	}
	if (!(h->src[0] & 1) && in->learning)
		mac_learn(h->src, vid, in->index, sw.clock);
	if (!in->forwarding)
		return;
	dst = (h->dst[0] & 1) ? -1 : mac_lookup(h->dst, vid);
	if (dst < 0) {
		vlan_flood(in, f, len, pad, vid, vh);
		return;
	}
	struct port *out = dst <= sw.numports ? sw.ports[dst] : NULL;
	int eg;
	if (out == in || !port_active(out) || (eg = vlan_egress(out, vid)) < 0)
		return;
	f = convert(f, &len, &pad, eg, vid, vh);
	tx_port(out, f, len, pad, vh);
}
