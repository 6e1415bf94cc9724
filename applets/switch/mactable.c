/* mactable.c - where each station (MAC, VLAN) was last seen.
 *
 * Open addressing with linear probing in a power-of-two array that grows
 * up to mac_max_entries (hash/setsize): O(1) lookup and learn per frame,
 * no allocation per frame.  Aging sweeps run every mac_gc_secs.
 *
 * Against a client that floods source addresses: one port may hold at
 * most mac_port_max entries (default half the table), and a full table
 * evicts the least recently seen of a few entries instead of refusing
 * to learn, so a new station is always learned and never flooded to
 * the attacker for good.  An address refreshed in the last
 * mac_minpersist_secs (3 s, as vde2) does not move to another port, so
 * a client cannot steal a live station's traffic by spoofing it.
 */
#include "mactable.h"
#include "sw.h"
#include "common/proto.h"
#include "debug.h"
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
static uint32_t full_warned, limit_warned;
static uint32_t *per_port;  /* entries per port index, grown on demand */
static size_t nper_port;
static size_t evict_cursor; /* where the next eviction scan starts */

unsigned int mac_expire_secs = 100, mac_gc_secs = 2, mac_minpersist_secs = 3;
unsigned int mac_max_entries = 65536;
unsigned int mac_port_max; /* 0: half of mac_max_entries */

#define EVICT_SAMPLE 16 /* entries compared per eviction: O(1) per frame */

static unsigned int port_limit(void)
{
	unsigned int half = mac_max_entries / 2 ? mac_max_entries / 2 : 1;
	return mac_port_max ? mac_port_max : half;
}

/* Count entries per port.  Without memory for the counts the limit is
 * not enforced, but learning goes on. */
static void port_count(int port, int delta)
{
	if (port < 0)
		return;
	if ((size_t)port >= nper_port) {
		size_t n = (size_t)port + 64;
		uint32_t *p = realloc(per_port, n * sizeof(*p));
		if (!p)
			return;
		memset(p + nper_port, 0, (n - nper_port) * sizeof(*p));
		per_port = p;
		nper_port = n;
	}
	per_port[port] += (uint32_t)delta;
}

static uint32_t port_entries(int port)
{
	return (size_t)port < nper_port ? per_port[port] : 0;
}

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

/* Slots for a table that starts with room for initial entries. */
static size_t initial_slots(unsigned int initial)
{
	size_t n = 64;
	while (n < initial * 2 && n < (size_t)mac_max_entries * 2)
		n *= 2;
	return n;
}

/* Empty, with no entry counted on any port. */
static void forget_all(void)
{
	if (per_port)
		memset(per_port, 0, nper_port * sizeof(*per_port));
	evict_cursor = 0;
	count = 0;
}

int mac_init(unsigned int initial)
{
	size_t n = initial_slots(initial);
	free(tab);
	forget_all();
	if (!(tab = alloc_table(n)))
		return -1;
	slots = n;
	return 0;
}

void mac_free(void)
{
	free(tab);
	free(per_port);
	tab = NULL;
	per_port = NULL;
	slots = count = nper_port = 0;
}

/* debug/add hash/+ and hash/-: vde2's text for an entry. */
static void dbg_entry(enum dbg_cat c, uint64_t k, int port)
{
	dbg_emit(c, "%02x:%02x:%02x:%02x:%02x:%02x VLAN %02x:%02x Port %d", (unsigned)(k >> 40) & 0xff,
		 (unsigned)(k >> 32) & 0xff, (unsigned)(k >> 24) & 0xff, (unsigned)(k >> 16) & 0xff,
		 (unsigned)(k >> 8) & 0xff, (unsigned)k & 0xff, (unsigned)(k >> 56) & 0x0f,
		 (unsigned)(k >> 48) & 0xff, port);
}

/* The whole table is about to go (hash/setsize, a flush). */
static void dbg_forget_all(void)
{
	for (size_t i = 0; dbg_on(DBG_HASH_MINUS) && i < slots; i++)
		if (tab[i].port >= 0)
			dbg_entry(DBG_HASH_MINUS, tab[i].key, tab[i].port);
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
	for (size_t i = 0; i < oldslots; i++) {
		if (old[i].port < 0)
			continue;
		if (!keep || keep(&old[i], arg)) {
			insert(tab, slots, &old[i]);
			count++;
		} else {
			port_count(old[i].port, -1);
		}
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

/* Delete slot i, pulling later entries of its probe run back so every
 * lookup still finds them (backward-shift deletion: no tombstones). */
static void delete_at(size_t i)
{
	size_t j = i;

	if (dbg_on(DBG_HASH_MINUS))
		dbg_entry(DBG_HASH_MINUS, tab[i].key, tab[i].port);
	port_count(tab[i].port, -1);
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

/* Is a a better victim than b?  An entry of the port that holds the
 * most addresses (a flooder's), else the least recently seen. */
static int worse(const struct mac_entry *a, const struct mac_entry *b)
{
	uint32_t na = port_entries(a->port), nb = port_entries(b->port);

	if (na != nb)
		return na > nb;
	return (int32_t)(a->last - b->last) < 0;
}

/* The table is full: free the worst of EVICT_SAMPLE entries, scanning on
 * from where the last eviction stopped.  A flooder's port holds many
 * entries and a station's port few, so the victim is almost always a
 * flooded address.  0 when a slot was freed. */
static int evict_one(void)
{
	size_t best = slots, seen = 0;

	for (size_t n = 0; n < slots && seen < EVICT_SAMPLE; n++) {
		size_t i = (evict_cursor + n) & (slots - 1);
		if (tab[i].port < 0)
			continue;
		seen++;
		if (best == slots || worse(&tab[i], &tab[best]))
			best = i;
	}
	if (best == slots)
		return -1;
	evict_cursor = (best + 1) & (slots - 1);
	delete_at(best);
	return 0;
}

/* Say it at most once a minute: a flood would fill the log. */
static int warn_due(uint32_t *last, uint32_t now)
{
	if (*last && now + 1 - *last < 60) /* *last is 1 + when we said it */
		return 0;
	*last = now + 1;
	return 1;
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
			return -1; /* live on its port (hash/setminper) */
		port_count(old, -1);
		port_count(port, 1);
		e->port = port;
		e->last = now;
		return old;
	}
	if (port_entries(port) >= port_limit()) {
		if (warn_due(&limit_warned, now))
			log_warn("port %d: %u addresses learned, its limit: not learning more "
				 "(hash/setportmax)", port, port_limit());
		return -1;
	}
	if (count >= mac_max_entries) {
		if (warn_due(&full_warned, now))
			log_warn("MAC table full (%u entries): evicting the least recently seen; "
				 "raise it with hash/setsize", mac_max_entries);
		if (evict_one() < 0)
			return -1;
	}
	/* Keep the load under one half: probes stay short. */
	if ((count + 1) * 2 > slots && rebuild(slots * 2, NULL, 0) < 0)
		return -1;
	insert(tab, slots, &(struct mac_entry){ .key = key, .port = port, .last = now });
	count++;
	port_count(port, 1);
	if (dbg_on(DBG_HASH_PLUS))
		dbg_entry(DBG_HASH_PLUS, key, port);
	return -1;
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
	if (!tab)
		return;
	dbg_forget_all();
	if (slots != initial_slots(64)) { /* back to the first size */
		mac_init(64);
		return;
	}
	/* Already that size (a flush is frequent: STP, VLAN changes): the
	 * same array, emptied. */
	for (size_t i = 0; i < slots; i++)
		tab[i].port = -1;
	forget_all();
}

void mac_expire(uint32_t now) { sweep(stale, (long)now); }

static uint32_t idle_limit; /* mac_age_fast's, for idle() */

static int idle(const struct mac_entry *e, long now) { return (uint32_t)now - e->last > idle_limit; }

void mac_age_fast(uint32_t now, unsigned int idle_secs)
{
	idle_limit = idle_secs;
	sweep(idle, (long)now);
}

int mac_set_port_max(unsigned int max)
{
	if (max > (1u << 24))
		return errno = EINVAL, -1;
	mac_port_max = max;
	return 0;
}

unsigned int mac_port_limit(void) { return port_limit(); }

int mac_set_size(unsigned int max)
{
	if (max < 1 || max > (1u << 24))
		return errno = EINVAL, -1;
	mac_max_entries = max;
	dbg_forget_all();
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

void mac_set_timer(enum mac_timer t, unsigned int secs)
{
	switch (t) {
	case MAC_EXPIRE: mac_expire_secs = secs; break;
	case MAC_GC: mac_gc_secs = secs; break;
	case MAC_MINPERSIST: mac_minpersist_secs = secs; break;
	}
}
