/* forward.h - the decision: where a received frame goes (hub, VLAN,
 * learning, flooding).  Endpoint kinds call forward_frame(); it hands
 * the frame to tx.c for every port that gets it. */
#ifndef VDE_FORWARD_H
#define VDE_FORWARD_H

#include <stddef.h>
#include <stdint.h>

struct port;
struct vnet_hdr;

/* buf has SW_HEADROOM free bytes before frame; frame has room to grow to
 * at least 60 bytes + a tag.  vh: offload state from an offloading tap,
 * else NULL. */
void forward_frame(struct port *in, uint8_t *frame, size_t len, const struct vnet_hdr *vh);
/* Hub mode on or off (port/sethub): the MAC table starts afresh, and a
 * hub has no spanning tree. */
void forward_set_hub(int on);

#endif
