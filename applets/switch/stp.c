/* stp.c - placeholder until spanning tree lands: every port forwards. */
#include "switch.h"

int stp_enabled;
void stp_receive(struct port *p, const uint8_t *f, size_t len) { (void)p; (void)f; (void)len; }
void stp_port_up(struct port *p) { (void)p; }
void stp_port_down(struct port *p) { (void)p; }
void stp_port_free(struct port *p) { (void)p; }
void stp_tick(uint64_t now) { (void)now; }
