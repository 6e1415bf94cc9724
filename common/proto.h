/* proto.h - every wire layout VDE speaks, in one place.
 *
 * Control handshake (spec §1), data datagrams (§2), stream framing (§4),
 * Ethernet/802.1Q headers used by the switch.  Nothing else in the tree
 * defines a wire struct.  The protocol has no byte-order conversion: the
 * 32-bit request fields are host order (little-endian on every real peer).
 */
#ifndef VDE_PROTO_H
#define VDE_PROTO_H

#include <stdint.h>
#include <sys/un.h>

#define VDE_SWITCH_MAGIC 0xfeedfaceu
#define VDE_REQ_VERSION 3

/* Request kinds: low byte of the type field; bits 8..31 hold the port. */
enum vde_req_kind {
	VDE_REQ_NEW_CONTROL = 0, /* any port, or the port in type >> 8 */
	VDE_REQ_NEW_PORT0 = 1,   /* the special port 0 */
};

/* v3 request: 122 bytes plus a description that is neither length
 * prefixed nor NUL terminated.  UML and VDE1 send the unpacked struct,
 * 124 bytes with two bytes of undefined padding. */
struct vde_request_v3 {
	uint32_t magic;
	uint32_t version;
	uint32_t type;
	struct sockaddr_un sock;
	char description[];
} __attribute__((packed));

/* v1 request (uml_switch era): type at offset 4, a MAC nobody uses. */
struct vde_request_v1 {
	uint32_t magic;
	uint32_t type;
	uint8_t addr[6];
	struct sockaddr_un sock;
	char description[];
} __attribute__((packed));

#define VDE_REQ_V3_LEN ((int)sizeof(struct vde_request_v3)) /* 122 */
#define VDE_REQ_V1_LEN ((int)sizeof(struct vde_request_v1)) /* 124 */
#define VDE_REQ_MAX 256      /* the whole request fits in one read of this */
#define VDE_DESCR_MAX 128    /* what clients put in the description */
#define VDE_REPLY_LEN ((int)sizeof(struct sockaddr_un)) /* 110 */

/* Stream framing: 2-byte big-endian length, then the frame. */
#define VDE_STREAM_HDR 2
#define VDE_STREAM_MAX_VDE2 1521 /* what vde2/VDE1 receivers accept */
#define VDE_STREAM_MAX 9236      /* what vdeplug4 accepts; we accept it too */

/* Ethernet */
#define ETH_ALEN_ 6
#define ETH_HDR_LEN 14
#define ETH_MIN_FRAME 60         /* without FCS */
#define ETH_VLAN_TAG_LEN 4
#define ETH_TYPE_VLAN 0x8100
#define VDE_FRAME_MAX 9234       /* vdeplug4's VDE_ETHBUFSIZE: 9216+14+4 */
#define VDE_FRAME_MAX_VDE2 1518

struct eth_hdr {
	uint8_t dst[6];
	uint8_t src[6];
	uint16_t type; /* network order */
} __attribute__((packed));

struct eth_vlan_hdr {
	uint8_t dst[6];
	uint8_t src[6];
	uint16_t tpid; /* 0x8100, network order */
	uint16_t tci;  /* PCP:3 DEI:1 VID:12, network order */
	uint16_t type;
} __attribute__((packed));

#define VLAN_VID_MASK 0x0fff
#define VLAN_NONE 4095 /* "no untagged VLAN" */
#define VLAN_COUNT 4096

_Static_assert(sizeof(struct sockaddr_un) == 110, "sockaddr_un must be 110 bytes");
_Static_assert(sizeof(struct vde_request_v3) == 122, "v3 request header");
_Static_assert(sizeof(struct vde_request_v1) == 124, "v1 request header");

#endif
