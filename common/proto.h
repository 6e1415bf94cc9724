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

/* Ours: what a client can do beyond vde2, offered after the NUL that
 * ends a request's description (vde2 reads the request in one read of
 * at most 256 bytes and takes the description up to its NUL, so it
 * never sees this).  A switch of ours that grants any of it answers
 * with the same 8 bytes after the 110-byte reply, in the same write;
 * to anyone who did not ask it sends the plain reply.  Little-endian
 * like the request. */
struct vde_ext {
	uint32_t magic; /* VDE_EXT_MAGIC */
	uint32_t flags; /* VDE_EXT_* */
} __attribute__((packed));
#define VDE_EXT_MAGIC 0x78656476u /* "vdex" */
/* Every datagram, both ways, begins with a struct vnet_hdr (below), and
 * frames may be offloaded super-frames of up to VNET_MAX_FRAME bytes:
 * a cable between two of our switches carries TSO frames whole. */
#define VDE_EXT_VNET 1u

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

/* virtio-net header that a tap opened with IFF_VNET_HDR puts in front of
 * each frame (host byte order).  It lets the kernel hand us 64 KiB TCP
 * super-frames (TSO) with the checksum left to whoever needs it. */
struct vnet_hdr {
	uint8_t flags;       /* VNET_F_NEEDS_CSUM */
	uint8_t gso_type;    /* VNET_GSO_* */
	uint16_t hdr_len;    /* Ethernet + IP + TCP header bytes */
	uint16_t gso_size;   /* payload bytes per segment (MSS) */
	uint16_t csum_start; /* checksum the bytes from here on ... */
	uint16_t csum_offset;/* ... and store it at csum_start + this */
};
#define VNET_F_NEEDS_CSUM 1
#define VNET_GSO_NONE 0
#define VNET_GSO_TCPV4 1
#define VNET_GSO_TCPV6 4
#define VNET_GSO_ECN 0x80
#define VNET_MAX_FRAME 65550 /* a 64 KiB IP packet plus Ethernet/VLAN */

/* IP and TCP fields the software segmenter rewrites. */
#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_IPV6 0x86dd
#define IP_PROTO_TCP 6
#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_CWR 0x80

/* ---- Spanning tree BPDUs (IEEE 802.1D), one instance, untagged ----
 * To 01:80:c2:00:00:00 in an 802.3 frame: the type field is a length
 * (<= 1500), then LLC 42 42 03, then the BPDU.  All BPDU numbers are
 * big-endian; times are in 1/256 s.  A Configuration BPDU is 35 bytes,
 * a Topology Change Notification 4.  802.1w RST BPDUs are version 2,
 * type 2, 36 bytes.  vde2's FSTP sends RST-shaped BPDUs too (spec §6.6)
 * but with little-endian whole seconds in the timer fields and its own
 * role bits; we recognise both by version/type and do not decode them. */
#define STP_GROUP_MAC { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00 }
#define LLC_SAP_BSTP 0x42
#define LLC_CTRL_UI 0x03
#define ETH_MAX_LENGTH_FIELD 1500 /* above this the field is an ethertype */

struct llc_hdr {
	uint8_t dsap, ssap, ctrl; /* 42 42 03 for BPDUs */
} __attribute__((packed));

#define BPDU_PROTOCOL_ID 0x0000
#define BPDU_VERSION_STP 0
#define BPDU_VERSION_RSTP 2
#define BPDU_TYPE_CONFIG 0x00
#define BPDU_TYPE_RST 0x02
#define BPDU_TYPE_TCN 0x80
#define BPDU_FLAG_TC 0x01  /* topology change */
#define BPDU_FLAG_TCA 0x80 /* topology change acknowledgement */

struct bpdu_hdr { /* all of a TCN BPDU */
	uint16_t protocol; /* 0 */
	uint8_t version;
	uint8_t type;
} __attribute__((packed));

struct bpdu_config {
	struct bpdu_hdr h;
	uint8_t flags;
	uint8_t root[8];    /* priority (2 bytes) + MAC */
	uint32_t root_cost;
	uint8_t bridge[8];  /* the sender */
	uint16_t port;      /* sender's port: priority (4 bits) + number (12) */
	uint16_t msg_age;   /* 1/256 s, as all four times */
	uint16_t max_age;
	uint16_t hello;
	uint16_t fwd_delay;
} __attribute__((packed));

#define BPDU_TCN_LEN 4
#define BPDU_CONFIG_LEN 35
#define BPDU_RST_LEN 36
#define BPDU_TIME_UNIT 256 /* per second */

/* ---- Captures (pcap.c): pcapng blocks and classic pcap, written in
 * the host's byte order (readers take it from the magic) ----
 * A pcapng block: type, total length, body padded to 4, options
 * (code, length, value padded to 4; code 0 ends them), total length
 * again. */
#define PCAPNG_SHB 0x0a0d0d0au
#define PCAPNG_IDB 1u
#define PCAPNG_EPB 6u
#define PCAPNG_BYTE_ORDER_MAGIC 0x1a2b3c4du
#define PCAPNG_OPT_END 0
#define PCAPNG_OPT_IF_NAME 2   /* IDB: the interface's name */
#define PCAPNG_OPT_EPB_FLAGS 2 /* EPB: 32 bits, bits 0-1 direction */
#define PCAPNG_FLAG_INBOUND 1u
#define PCAPNG_FLAG_OUTBOUND 2u
#define PCAP_LINKTYPE_ETHERNET 1
#define PCAP_MAGIC_USEC 0xa1b2c3d4u

struct pcapng_block_hdr {
	uint32_t type;
	uint32_t total_len;
};
struct pcapng_shb {            /* after the block header */
	uint32_t magic;
	uint16_t major, minor; /* 1.0 */
	int64_t section_len;   /* -1: not given */
} __attribute__((packed));
struct pcapng_idb {
	uint16_t linktype;
	uint16_t reserved;
	uint32_t snaplen;
};
struct pcapng_epb {
	uint32_t ifid;
	uint32_t ts_high, ts_low; /* microseconds since 1970 (if_tsresol 6) */
	uint32_t caplen, origlen;
};
struct pcapng_opt {
	uint16_t code, len;
};
struct pcap_file_hdr {
	uint32_t magic;
	uint16_t major, minor; /* 2.4 */
	int32_t thiszone;
	uint32_t sigfigs, snaplen, linktype;
};
struct pcap_rec_hdr {
	uint32_t ts_sec, ts_usec, caplen, origlen;
};

_Static_assert(sizeof(struct vnet_hdr) == 10, "virtio_net_hdr is 10 bytes");

/* A vnet header on a stream between hosts (stream.h) is little-endian,
 * as virtio's: swap its 16-bit fields in place on a big-endian host
 * (both ways: the swap is its own inverse); nothing to do elsewhere. */
static inline void vnet_hdr_wire(uint8_t *h)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	for (int i = 2; i < 10; i += 2) {
		uint8_t t = h[i];
		h[i] = h[i + 1];
		h[i + 1] = t;
	}
#else
	(void)h;
#endif
}
_Static_assert(sizeof(struct bpdu_hdr) == BPDU_TCN_LEN, "TCN BPDU");
_Static_assert(sizeof(struct bpdu_config) == BPDU_CONFIG_LEN, "configuration BPDU");
_Static_assert(sizeof(struct sockaddr_un) == 110, "sockaddr_un must be 110 bytes");
_Static_assert(sizeof(struct vde_request_v3) == 122, "v3 request header");
_Static_assert(sizeof(struct vde_request_v1) == 124, "v1 request header");

_Static_assert(sizeof(struct pcapng_shb) == 16, "pcapng SHB body");
_Static_assert(sizeof(struct pcap_file_hdr) == 24, "pcap file header");

#endif
