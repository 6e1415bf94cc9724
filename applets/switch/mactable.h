/* mactable.h - the MAC address table: (address, VLAN) -> port, with
 * aging, a minimum persistence against address stealing, a per-port
 * limit and eviction when full. */
#ifndef VDE_MACTABLE_H
#define VDE_MACTABLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int mac_init(unsigned int size);
void mac_free(void);
/* Learn src on (vlan, port); returns the old port if it moved, else -1. */
int mac_learn(const uint8_t *mac, int vlan, int port, uint32_t now);
int mac_lookup(const uint8_t *mac, int vlan); /* port or -1 */
void mac_flush_port(int port);
void mac_flush_vlan(int vlan);
void mac_flush_all(void);
void mac_expire(uint32_t now);
/* Forget addresses not seen for idle_secs (a topology change's aging). */
void mac_age_fast(uint32_t now, unsigned int idle_secs);
void mac_print(FILE *out, uint32_t now);
int mac_set_size(unsigned int size); /* max entries; flushes */
/* Entries one port may hold (0: half the table); what is in force. */
int mac_set_port_max(unsigned int max);
unsigned int mac_port_limit(void);
unsigned int mac_count(void);
/* Timers in seconds, as hash/setexpire, hash/setgcint, hash/setminper
 * and --macexpire set them. */
enum mac_timer { MAC_EXPIRE, MAC_GC, MAC_MINPERSIST };
void mac_set_timer(enum mac_timer t, unsigned int secs);
/* In force (read them; the setters above change them). */
extern unsigned int mac_expire_secs, mac_gc_secs, mac_minpersist_secs, mac_max_entries, mac_port_max;
/* Visit every entry (the console's hash/print): slot, address, VLAN,
 * port, sw_now() when last seen. */
typedef void mac_visit_fn(void *ctx, size_t slot, const uint8_t mac[6], int vlan, int port, uint32_t last);
void mac_foreach(mac_visit_fn *fn, void *ctx);

#endif
