/* qemulisten.c - --qemu-stream: a listener for QEMU's -netdev stream
 * (and the older -netdev socket, libvirt's type='client'): each
 * connection is a port speaking QEMU's framing, 4-byte length + frame
 * (common/vep_qstream.c).  A unix socket gets the switch's mode and
 * group, and its clients' uids count for the quotas, as on DIR/ctl; TCP
 * listens on loopback unless an address is given, and all TCP clients
 * together count as one user. */
#include "qemu.h"
#include "ctlsock.h"
#include "endpoint.h"
#include "port.h"
#include "sw.h"
#include "common/log.h"
#include "common/netaddr.h"
#include "common/proto.h"
#include "common/util.h"
#include "common/vep.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct qlisten {
	struct watch w;
	struct qlisten *next;
	int tcp;
	char name[SW_PATH_MAX + 16]; /* "unix PATH", "tcp 127.0.0.1:5555" */
	char path[SW_PATH_MAX];      /* the unix socket file, removed at exit */
};

static struct qlisten *listeners;
static struct log_rate rl_full = { .what = "QEMU connections refused: no port" };

static void adopt(struct qlisten *l, int fd, uid_t uid)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char peer[160], descr[sizeof(((struct qlisten *)0)->name) + 200];
	struct port *p = port_for_request(VDE_REQ_NEW_CONTROL, 0, uid);
	struct endpoint *ep;
	struct vep *v;

	if (!p) {
		if (log_rate_due(&rl_full, now_ms()))
			log_warn("%s: connection refused: %s", l->name,
				 errno == ENOSPC ? "no free port (-n)" : errno == EDQUOT ? "over the user's port quota" : strerror(errno));
		close(fd);
		return;
	}
	if (l->tcp && getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
		netaddr_str((struct sockaddr *)&ss, len, peer, sizeof(peer));
	else
		snprintf(peer, sizeof(peer), "uid %d", uid == (uid_t)-1 ? -1 : (int)uid);
	snprintf(descr, sizeof(descr), "qemu stream %s from %s", l->name, peer);
	if (vep_qstream_adopt(fd, descr, &v) < 0) {
		close(fd);
		return;
	}
	if (!(ep = ep_vep_adopt(v, uid, descr)))
		return;
	port_attach(p, ep);
	log_info("port %d: endpoint %d joined (%s)", p->index, ep->id, descr);
}

static void accept_event(struct watch *w, uint32_t events)
{
	struct qlisten *l = (struct qlisten *)((char *)w - offsetof(struct qlisten, w));

	(void)events;
	for (;;) {
		uid_t uid;
		int fd = ctlsock_accept(w, l->name, &uid), one = 1;
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				log_err("accept on %s:", l->name);
			return;
		}
		if (l->tcp) {
			uid = QEMU_TCP_UID;
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		}
		adopt(l, fd, uid);
	}
}

static int listen_tcp(struct qlisten *l, const char *addr)
{
	char text[300], err[160];
	struct netaddr na;
	int one = 1, fd;

	/* "5555" or ":5555": loopback, never every interface by surprise */
	if (!strchr(addr, ':') || addr[0] == ':')
		snprintf(text, sizeof(text), "127.0.0.1:%s", addr[0] == ':' ? addr + 1 : addr);
	else
		snprintf(text, sizeof(text), "%s", addr);
	if (netaddr_parse(text, SOCK_STREAM, 1, &na, err, sizeof(err)) < 0) {
		log_err("--qemu-stream %s: %s", addr, err);
		return -1;
	}
	netaddr_str((struct sockaddr *)&na.ss, na.len, l->name, sizeof(l->name));
	fd = socket(na.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err("--qemu-stream %s: socket:", addr);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&na.ss, na.len) < 0 || listen(fd, 128) < 0 ||
	    loop_add(&l->w, fd, EPOLLIN, accept_event) < 0) {
		log_err("--qemu-stream: listen on %s:", l->name);
		close(fd);
		return -1;
	}
	l->tcp = 1;
	return 0;
}

int qemu_stream_listen(const char *addr)
{
	struct qlisten *l = calloc(1, sizeof(*l));
	int rc;

	if (!l) {
		log_err("--qemu-stream %s: out of memory", addr);
		return -1;
	}
	l->w.fd = -1;
	if (addr[0] == '/') {
		if (strlen(addr) >= sizeof(l->path)) {
			log_err("--qemu-stream %s: path too long", addr);
			free(l);
			return -1;
		}
		strcpy(l->path, addr);
		snprintf(l->name, sizeof(l->name), "unix %s", addr);
		rc = ctlsock_listen(l->path, sw.mode, sw.gid, &l->w, accept_event);
	} else {
		rc = listen_tcp(l, addr);
	}
	if (rc < 0) {
		free(l);
		return -1;
	}
	l->next = listeners;
	listeners = l;
	log_info("QEMU stream connections on %s", l->name);
	return 0;
}

void qemu_listen_cleanup(void)
{
	while (listeners) {
		struct qlisten *l = listeners;
		int fd = l->w.fd;
		listeners = l->next;
		if (fd >= 0) {
			loop_del(&l->w);
			close(fd);
		}
		if (l->path[0])
			unlink(l->path);
		free(l);
	}
}
