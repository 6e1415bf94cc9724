/* mactable.c - where each station (MAC, VLAN) was last seen.
 *
 * Open addressing with linear probing in a power-of-two array that grows
 * up to mac_max_entries (hash/setsize): O(1) lookup and learn per frame,
 * no allocation per frame.  Aging sweeps run every mac_gc_secs.
 */
#include "switch.h"
#include "common/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct mac_entry {
	uint64_t key;      /* MAC in bits 0..47, VLAN in 48..59 */
	int32_t port;      /* -1: empty slot */
	uint32_t last;     /* sw_now() when last seen */
};

static struct mac_entry *tab;
static size_t slots, count; /* slots is a power of two */
static uint32_t full_warned;

unsigned int mac_expire_secs = 100, mac_gc_secs = 2, mac_minpersist_secs = 0;
unsigned int mac_max_entries = 65536;

static uint64_t mac_key(const uint8_t *m, int vlan)
{
	return (uint64_t)m[0] << 40 | (uint64_t)m[1] << 32 | (uint64_t)m[2] << 24 |
	       (uint64_t)m[3] << 16 | (uint64_t)m[4] << 8 | m[5] | (uint64_t)vlan << 48;
}

static size_t slot_of(uint64_t k)
{
	k ^= k >> 33; /* 64-bit finaliser: spreads sequential MACs */
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return (size_t)k & (slots - 1);
}

static struct mac_entry *alloc_table(size_t n)
{
	struct mac_entry *t = malloc(n * sizeof(*t));
	for (size_t i = 0; t && i < n; i++)
		t[i].port = -1;
	return t;
}

int mac_init(unsigned int initial)
{
	size_t n = 64;
	while (n < initial * 2 && n < (size_t)mac_max_entries * 2)
		n *= 2;
	free(tab);
	if (!(tab = alloc_table(n)))
		return -1;
	slots = n;
	count = 0;
	return 0;
}

void mac_free(void)
{
	free(tab);
	tab = NULL;
	slots = count = 0;
}

static void insert(struct mac_entry *t, size_t n, const struct mac_entry *e)
{
	size_t i = slot_of(e->key) & (n - 1);
	while (t[i].port >= 0)
		i = (i + 1) & (n - 1);
	t[i] = *e;
}

/* Rebuild into n slots, keeping entries for which keep() says so. */
static int rebuild(size_t n, int (*keep)(const struct mac_entry *, long), long arg)
{
	struct mac_entry *t = alloc_table(n), *old = tab;
	size_t oldslots = slots;

	if (!t)
		return -1;
	tab = t;
	slots = n;
	count = 0;
	for (size_t i = 0; i < oldslots; i++)
		if (old[i].port >= 0 && (!keep || keep(&old[i], arg))) {
			insert(tab, slots, &old[i]);
			count++;
		}
	free(old);
	return 0;
}

static struct mac_entry *find(uint64_t key)
{
	size_t i = slot_of(key);
	while (tab[i].port >= 0) {
		if (tab[i].key == key)
			return &tab[i];
		i = (i + 1) & (slots - 1);
	}
	return NULL;
}

int mac_lookup(const uint8_t *mac, int vlan)
{
	struct mac_entry *e = tab ? find(mac_key(mac, vlan)) : NULL;
	return e ? e->port : -1;
}

int mac_learn(const uint8_t *mac, int vlan, int port, uint32_t now)
{
	uint64_t key = mac_key(mac, vlan);
	struct mac_entry *e = find(key);

	if (e) {
		int old = e->port;
		if (old == port) {
			e->last = now;
			return -1;
		}
		if (now - e->last < mac_minpersist_secs)
			return -1; /* flapping guard (hash/setminper) */
		e->port = port;
		e->last = now;
		return old;
	}
	if (count >= mac_max_entries) {
		if (now - full_warned >= 60 || !full_warned) {
			log_warn("MAC table full (%u entries): not learning; raise it with hash/setsize",
				 mac_max_entries);
			full_warned = now ? now : 1;
		}
		return -1;
	}
	/* Keep the load under one half: probes stay short. */
	if ((count + 1) * 2 > slots && rebuild(slots * 2, NULL, 0) < 0)
		return -1;
	insert(tab, slots, &(struct mac_entry){ .key = key, .port = port, .last = now });
	count++;
	return -1;
}

/* Delete slot i, pulling later entries of its probe run back so every
 * lookup still finds them (backward-shift deletion: no tombstones). */
static void delete_at(size_t i)
{
	size_t j = i;

	for (;;) {
		tab[i].port = -1;
		for (;;) {
			j = (j + 1) & (slots - 1);
			if (tab[j].port < 0)
				goto done;
			size_t home = slot_of(tab[j].key);
			/* the entry at j may stay if its home lies in (i, j] */
			if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
				continue;
			break;
		}
		tab[i] = tab[j];
		i = j;
	}
done:
	count--;
}

/* Remove, in place, every entry for which drop() says so.  An entry
 * pulled back into slot i is checked again before moving on. */
static void sweep(int (*drop)(const struct mac_entry *, long), long arg)
{
	for (size_t i = 0; tab && count && i < slots;) {
		if (tab[i].port >= 0 && drop(&tab[i], arg))
			delete_at(i);
		else
			i++;
	}
}

static int on_port(const struct mac_entry *e, long port) { return e->port == port; }
static int on_vlan(const struct mac_entry *e, long vlan) { return (long)(e->key >> 48) == vlan; }
static int stale(const struct mac_entry *e, long now) { return (uint32_t)now - e->last > mac_expire_secs; }

void mac_flush_port(int port) { sweep(on_port, port); }

void mac_flush_vlan(int vlan) { sweep(on_vlan, vlan); }

void mac_flush_all(void)
{
	if (tab)
		mac_init(64);
}

void mac_expire(uint32_t now) { sweep(stale, (long)now); }

int mac_set_size(unsigned int max)
{
	if (max < 1 || max > (1u << 24))
		return errno = EINVAL, -1;
	mac_max_entries = max;
	return mac_init(64);
}

unsigned int mac_count(void) { return (unsigned int)count; }

void mac_print(FILE *out, uint32_t now)
{
	for (size_t i = 0; i < slots; i++) {
		const struct mac_entry *e = &tab[i];
		if (e->port < 0)
			continue;
		fprintf(out, "Hash: %04zu Addr: %02x:%02x:%02x:%02x:%02x:%02x VLAN %04d to port: %03d age %u secs\n",
			i, (unsigned)(e->key >> 40) & 0xff, (unsigned)(e->key >> 32) & 0xff,
			(unsigned)(e->key >> 24) & 0xff, (unsigned)(e->key >> 16) & 0xff,
			(unsigned)(e->key >> 8) & 0xff, (unsigned)e->key & 0xff,
			(int)(e->key >> 48), e->port, now - e->last);
	}
}

/* Every entry, in table order: for the console's hash/print and hash/find. */
void mac_foreach(mac_visit_fn *fn, void *ctx)
{
	for (size_t i = 0; i < slots; i++)
		if (tab[i].port >= 0) {
			uint8_t m[6];
			for (int b = 0; b < 6; b++)
				m[b] = (uint8_t)(tab[i].key >> (40 - 8 * b));
			fn(ctx, i, m, (int)(tab[i].key >> 48) & VLAN_VID_MASK, tab[i].port, tab[i].last);
		}
}
