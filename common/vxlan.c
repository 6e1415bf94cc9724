/* vxlan.c - VXLAN header and MAC -> VTEP table (see vxlan.h). */
#include "vxlan.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROBES 8

void vxlan_hdr_put(uint8_t h[VXLAN_HDR], uint32_t vni)
{
	memset(h, 0, VXLAN_HDR);
	h[0] = VXLAN_FLAG_I;
	h[4] = (uint8_t)(vni >> 16);
	h[5] = (uint8_t)(vni >> 8);
	h[6] = (uint8_t)vni;
}

enum vxlan_verdict vxlan_check(const uint8_t *p, size_t len, uint32_t vni)
{
	if (len < VXLAN_HDR + 14)
		return VXLAN_SHORT;
	/* RFC 7348: I must be set; reserved bits are ignored on receipt,
	 * but a sender setting others (GPE, GBP) speaks something else. */
	if ((p[0] & VXLAN_FLAG_I) == 0 || (p[0] & ~(VXLAN_FLAG_I | 0x80)) != 0)
		return VXLAN_FLAGS;
	if (((uint32_t)p[4] << 16 | (uint32_t)p[5] << 8 | p[6]) != vni)
		return VXLAN_OTHER_VNI;
	return VXLAN_OK;
}

int vxlan_table_init(struct vxlan_table *t, size_t size, unsigned int expire_ms)
{
	size_t n = 16;

	while (n < size && n < ((size_t)1 << 20))
		n <<= 1;
	memset(t, 0, sizeof(*t));
	if (!(t->e = calloc(n, sizeof(*t->e))))
		return -1;
	t->size = n;
	t->expire_ms = expire_ms;
	return 0;
}

void vxlan_table_free(struct vxlan_table *t)
{
	free(t->e);
	t->e = NULL;
	t->size = 0;
}

static size_t slot_of(const struct vxlan_table *t, const uint8_t mac[6])
{
	uint64_t k = 0;

	memcpy(&k, mac, 6);
	/* mix every byte into the low bits (QEMU's 52:54:00:12:34:xx differ
	 * in the last byte only) */
	k *= 0x9e3779b97f4a7c15ull;
	k ^= k >> 29;
	k *= 0xbf58476d1ce4e5b9ull;
	k ^= k >> 32;
	return (size_t)k & (t->size - 1);
}

static int fresh(const struct vxlan_table *t, const struct vxlan_entry *e, uint64_t now)
{
	return e->used && now - e->seen_ms < t->expire_ms;
}

void vxlan_learn(struct vxlan_table *t, const uint8_t mac[6], const struct sockaddr *addr,
		 socklen_t alen, uint64_t now)
{
	size_t at = slot_of(t, mac);
	struct vxlan_entry *victim = NULL;

	if (alen > sizeof(t->e[0].addr) || (mac[0] & 1))
		return; /* group addresses are never a source */
	for (size_t i = 0; i < PROBES; i++) {
		struct vxlan_entry *e = &t->e[(at + i) & (t->size - 1)];
		if (e->used && memcmp(e->mac, mac, 6) == 0) {
			if (e->alen != alen || memcmp(&e->addr, addr, alen) != 0) {
				t->moved++;
				e->alen = alen;
				memcpy(&e->addr, addr, alen);
			}
			e->seen_ms = now;
			return;
		}
		if (!fresh(t, e, now)) {
			if (!victim || victim->used)
				victim = e;
		} else if (!victim || (victim->used && e->seen_ms < victim->seen_ms)) {
			victim = e;
		}
	}
	if (victim->used && fresh(t, victim, now))
		t->evicted++;
	memcpy(victim->mac, mac, 6);
	victim->used = 1;
	victim->alen = alen;
	memcpy(&victim->addr, addr, alen);
	victim->seen_ms = now;
	t->learned++;
}

const struct vxlan_entry *vxlan_lookup(const struct vxlan_table *t, const uint8_t mac[6], uint64_t now)
{
	size_t at = slot_of(t, mac);

	for (size_t i = 0; i < PROBES; i++) {
		const struct vxlan_entry *e = &t->e[(at + i) & (t->size - 1)];
		if (e->used && memcmp(e->mac, mac, 6) == 0)
			return fresh(t, e, now) ? e : NULL;
	}
	return NULL;
}

size_t vxlan_count(const struct vxlan_table *t, uint64_t now)
{
	size_t n = 0;

	for (size_t i = 0; i < t->size; i++)
		n += fresh(t, &t->e[i], now);
	return n;
}

size_t vxlan_forget_addr(struct vxlan_table *t, const struct sockaddr *addr, socklen_t alen)
{
	size_t n = 0;

	for (size_t i = 0; i < t->size; i++) {
		struct vxlan_entry *e = &t->e[i];
		if (e->used && e->alen == alen && memcmp(&e->addr, addr, alen) == 0) {
			e->used = 0;
			n++;
		}
	}
	return n;
}

void vxlan_foreach(const struct vxlan_table *t, uint64_t now,
		   void (*fn)(void *ctx, const struct vxlan_entry *e, uint64_t age_ms), void *ctx)
{
	for (size_t i = 0; i < t->size; i++)
		if (fresh(t, &t->e[i], now))
			fn(ctx, &t->e[i], now - t->e[i].seen_ms);
}

void vxlan_entry_str(const struct vxlan_entry *e, uint64_t age_ms, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (e->addr.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)&e->addr;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
	} else if (e->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)&e->addr;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
	}
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x %s%s%s:%u %llu s", e->mac[0], e->mac[1], e->mac[2],
		 e->mac[3], e->mac[4], e->mac[5], e->addr.ss_family == AF_INET6 ? "[" : "", host,
		 e->addr.ss_family == AF_INET6 ? "]" : "", port, (unsigned long long)(age_ms / 1000));
}
