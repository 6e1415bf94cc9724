/* sw.c - the switch instance (see sw.h) and its defaults. */
#include "sw.h"
#include "common/proto.h"
#include "common/util.h"

struct sw sw;

void sw_defaults(void)
{
	sw.mode = 0600;
	sw.dirmode = 02700;
	sw.gid = (gid_t)-1;
	sw.max_frame = VDE_FRAME_MAX;
	sw.offload = sw.gro = 1;
	sw.queue_bytes = SW_DEFAULT_QUEUE_BYTES;
	sw.queue_total = SW_DEFAULT_QUEUE_TOTAL;
	sw.user_ports = sw.user_endpoints = -1; /* defaults: see port.c */
	sw.start_ms = now_ms();
}

uint32_t sw_now(void) { return sw.clock = (uint32_t)((now_ms() - sw.start_ms) / 1000); }
