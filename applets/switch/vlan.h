/* vlan.h - 802.1Q: which VLANs exist, which ports carry them, tagged or
 * untagged, and the rules at ingress and egress. */
#ifndef VDE_VLAN_H
#define VDE_VLAN_H

#include <stddef.h>
#include <stdint.h>

struct port;

int vlan_exists(int vid);
/* The first VLAN that exists from vid on, or -1: walks them in order. */
int vlan_next(int vid);
int vlan_create(int vid);
int vlan_remove(int vid);
int vlan_addport(int vid, struct port *p);
int vlan_delport(int vid, struct port *p);
int port_setvlan(struct port *p, int vid);
/* Does port p carry VLAN vid, and with a tag (1) or without (0)? -1 = no */
int vlan_egress(const struct port *p, int vid);
/* VLAN of a frame received on p, or -1 to drop. */
int vlan_ingress(const struct port *p, const uint8_t *frame, size_t len);
/* Is p a tagged member of vid by configuration (vlan/addport)? */
int vlan_port_tagged(const struct port *p, int vid);

#endif
