/* qemu.h - ports QEMU reaches without libvdeplug: --qemu-stream listens
 * for -netdev stream/socket connections (qemulisten.c), --qemu-dgram
 * takes -netdev dgram datagrams, one port per sender (ep_qdgram.c). */
#ifndef VDE_QEMU_H
#define VDE_QEMU_H

#include <stdint.h>
#include <sys/types.h>

#define QEMU_TCP_UID ((uid_t)-2) /* TCP clients: one user for the quotas */
#define QEMU_DGRAM_IDLE_MS (300 * 1000) /* a silent sender's port goes */

/* --qemu-stream PATH|[HOST]:PORT (TCP on 127.0.0.1 unless HOST says). */
int qemu_stream_listen(const char *addr);
/* --qemu-dgram PATH */
int qemu_dgram_open(const char *path);
void qemu_tick(uint64_t now_ms); /* ages idle datagram senders */
/* At exit: sockets and their endpoints closed, socket files removed. */
void qemu_listen_cleanup(void);
void qemu_dgram_cleanup(void);

#endif
