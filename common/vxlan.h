/* vxlan.h - VXLAN (RFC 7348): the 8-byte header and the table of which
 * VTEP (remote tunnel end) each MAC address sits behind.  Pure code, no
 * sockets: vep_vxlan.c uses it, and so does its fuzz harness.
 *
 *   byte 0    flags: 0x08 (I: the VNI is valid); the rest reserved, 0
 *   1..3      reserved
 *   4..6      VNI, 24 bits big-endian
 *   7         reserved */
#ifndef VDE_VXLAN_H
#define VDE_VXLAN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define VXLAN_HDR 8
#define VXLAN_FLAG_I 0x08
#define VXLAN_VNI_MAX 0xffffff

enum vxlan_verdict { VXLAN_OK, VXLAN_SHORT, VXLAN_FLAGS, VXLAN_OTHER_VNI };

void vxlan_hdr_put(uint8_t hdr[VXLAN_HDR], uint32_t vni);
/* Check a datagram for vni: VXLAN_OK and the frame at p + VXLAN_HDR of
 * len - VXLAN_HDR bytes (at least an Ethernet header), or why not. */
enum vxlan_verdict vxlan_check(const uint8_t *p, size_t len, uint32_t vni);

/* MAC -> VTEP, open addressing, bounded: a full table replaces the entry
 * least recently seen among the few it probes. */
struct vxlan_entry {
	uint8_t mac[6];
	uint8_t used;
	socklen_t alen;
	struct sockaddr_storage addr;
	uint64_t seen_ms;
};

struct vxlan_table {
	struct vxlan_entry *e;
	size_t size;           /* a power of two */
	unsigned int expire_ms;
	uint64_t learned, moved, evicted;
};

int vxlan_table_init(struct vxlan_table *t, size_t size, unsigned int expire_ms);
void vxlan_table_free(struct vxlan_table *t);
/* mac was the source of a frame from addr, now. */
void vxlan_learn(struct vxlan_table *t, const uint8_t mac[6], const struct sockaddr *addr,
		 socklen_t alen, uint64_t now);
/* The VTEP of mac, if known and fresh, else NULL. */
const struct vxlan_entry *vxlan_lookup(const struct vxlan_table *t, const uint8_t mac[6], uint64_t now);
size_t vxlan_count(const struct vxlan_table *t, uint64_t now);
/* Every fresh entry, for a listing. */
void vxlan_foreach(const struct vxlan_table *t, uint64_t now,
		   void (*fn)(void *ctx, const struct vxlan_entry *e, uint64_t age_ms), void *ctx);
/* "02:00:00:00:00:01 10.0.0.2:4789 12 s": an entry, for listings. */
void vxlan_entry_str(const struct vxlan_entry *e, uint64_t age_ms, char *buf, size_t len);
/* A VTEP left (vxvde's leave message): forget what sits behind it. */
size_t vxlan_forget_addr(struct vxlan_table *t, const struct sockaddr *addr, socklen_t alen);

#endif
