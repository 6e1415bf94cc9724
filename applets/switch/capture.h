/* capture.h - the switch's live capture (--capture, console capture/):
 * the frames of all ports or of chosen ones, each one once per port and
 * direction (observe.h's tap points), into a pcapng or pcap stream
 * (common/pcap.h).  One capture at a time.  The output fd is
 * non-blocking and the unwritten part bounded: a reader too slow costs
 * dropped records, counted, never the switch's time. */
#ifndef VDE_CAPTURE_H
#define VDE_CAPTURE_H

#include <stdint.h>
#include <sys/types.h>

#include "common/pcap.h"

struct capture_opts {
	enum pcap_format format;
	uint32_t snaplen;     /* 1..PCAP_SNAPLEN_MAX */
	uint64_t count;       /* stop after this many frames; 0: no limit */
	const long *ports;    /* these ports; NULL: all, also ones made later */
	int nports;
};

/* Create path for a capture: never following a symlink, never over an
 * existing file, with mode (the switch's -m).  Run it with the console
 * user's rights (mgmt_session_as_user).  0 and *fd, or an errno value. */
int capture_create(const char *path, mode_t mode, int *fd);
/* Start capturing into fd (ours from now on, closed at the end; made
 * non-blocking); name is for capture/print.  0, or an errno value (fd
 * then closed): EBUSY one runs already, ENXIO no such port, EINVAL. */
int capture_start(int fd, const char *name, const struct capture_opts *o);
int capture_stop(void); /* 0, or ENOENT: none runs */
int capture_running(void);

struct capture_stats {
	const char *name;
	enum pcap_format format;
	uint32_t snaplen;
	int all;              /* all ports */
	uint64_t frames, bytes, dropped, dropped_bytes, count;
	size_t waiting;       /* bytes not written yet */
};
int capture_stats(struct capture_stats *st); /* 0, or -1: none runs */
/* 1 if the capture records port n (capture/print lists them). */
int capture_has_port(int n);

void capture_cleanup(void); /* at exit */

#endif
