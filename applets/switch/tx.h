/* tx.h - where a frame leaves: the transmit unit.  Sending never
 * blocks.  Frames for batching kinds are collected while a receive
 * batch is forwarded and leave in one write_batch per endpoint at its
 * end (tx_flush: the barrier before a frame buffer is rewritten);
 * frames a slow endpoint cannot take wait in its bounded output queue
 * (memory bounded in total and per user) until POLLOUT; a full queue
 * drops and counts.  Offload state (a tap's super-frames) is finished
 * here for endpoints that cannot take it (common/offload.c), and segments for
 * an offloading tap are merged (gro.c). */
#ifndef VDE_TX_H
#define VDE_TX_H

#include <stddef.h>
#include <stdint.h>

struct endpoint;
struct port;
struct vnet_hdr;

/* A receive batch begins: frames may be collected until it ends. */
/* Nothing of ep's waits to be sent (no batch collected, nothing queued):
 * the moment an endpoint may change how its frames are framed. */
int tx_idle(const struct endpoint *ep);
void tx_batch_begin(void);
void tx_batch_end(void); /* tx_flush(), and no more collecting */
/* Send everything collected now (a frame is about to be rewritten in
 * place: the barrier). */
void tx_flush(void);
/* A frame out of port p (every endpoint of it), counted on p: chosen by
 * forward.c (vh: offload state, or NULL), or the switch's own (a BPDU:
 * tx_port_own, sent even where the tree blocks forwarding). */
/* pad: how many zero bytes at the end only pad a runt to 60 bytes;
 * endpoints that want runts as they came (ep->raw_runts) get len - pad. */
void tx_port(struct port *p, const uint8_t *frame, size_t len, size_t pad, const struct vnet_hdr *vh);
void tx_port_own(struct port *p, const uint8_t *frame, size_t len);
/* A copy for a mirror's target (mirror.c), or a frame a port's bad wire
 * held back (portimpair.c): no tree, no tap point, no wire. */
void tx_port_copy(struct port *p, const uint8_t *frame, size_t len, const struct vnet_hdr *vh);
/* The endpoint can write again (POLLOUT): its queue first. */
void tx_resume(struct endpoint *ep);
/* The endpoint is going: forget what waits for it. */
void tx_forget(struct endpoint *ep);
/* An endpoint whose write failed for good since the last call, or NULL
 * (endpoint.c closes them after each event). */
struct endpoint *tx_next_dead(void);
/* Mark an endpoint dead from the receive side (same list). */
void tx_mark_dead(struct endpoint *ep);
size_t tx_queued_memory(void); /* bytes held by output queues now */
void tx_free(void);            /* at exit */

#endif
