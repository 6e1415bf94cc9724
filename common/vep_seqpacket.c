/* vep_seqpacket.c - seqpacket://FD: an inherited SOCK_SEQPACKET socket,
 * one frame per message.  This is how libvdeplug4_static and UML's
 * vector transport run vde_plug: they make a socketpair, keep one end
 * and pass us the other as "seqpacket://FD". */
#include "vep.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static int sp_open(struct vep *e, const struct vnl *v, const struct vep_args *a)
{
	struct stat st;
	int type = 0;
	socklen_t len = sizeof(type);
	long fd;

	(void)a;
	if (v->nopt || parse_long(v->addr, 0, 0x7fffffff, &fd) < 0) {
		log_err("%s: not a file descriptor number (seqpacket://FD)", e->name);
		return -1;
	}
	if (fstat((int)fd, &st) < 0) {
		log_err("%s: fd %ld is not open", e->name, fd);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode) || getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    type != SOCK_SEQPACKET) {
		log_err("%s: fd %ld is not a SOCK_SEQPACKET socket", e->name, fd);
		return -1;
	}
	/* Not O_NONBLOCK: that flag would be shared with whoever else holds
	 * the socket; every call says MSG_DONTWAIT instead.  Close-on-exec:
	 * commands we start must not hold the far end's peer open. */
	set_cloexec((int)fd);
	e->fd_in = e->fd_out = (int)fd;
	e->maxsend = VDE_STREAM_MAX;
	return 0;
}

static int sp_recv(struct vep *e, struct iovec *v, int n)
{
	int got = vep_dgram_recv(e, e->fd_in, v, n, vep_unix_classify);

	/* The peer closing reads as a message of length 0: tell the two apart
	 * by the hang-up (a peer never sends empty frames). */
	for (int i = 0; i < got; i++) {
		if (v[i].iov_len == 0) {
			struct pollfd p = { .fd = e->fd_in, .events = POLLIN | POLLRDHUP };
			if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLRDHUP))) {
				log_debug("%s: closed by the peer", e->name);
				return vep_end(e, 0);
			}
		}
	}
	return got;
}

static int sp_send(struct vep *e, const struct iovec *v, int n)
{
	return vep_dgram_send(e, e->fd_out, NULL, 0, v, n, vep_unix_classify);
}

static void sp_close(struct vep *e)
{
	close(e->fd_in);
}

const struct vep_kind vep_kind_seqpacket = {
	.scheme = "seqpacket",
	.help = "seqpacket://FD           an inherited SOCK_SEQPACKET socket, a frame per message",
	.flags = VEP_ONCE,
	.open = sp_open,
	.recv = sp_recv,
	.send = sp_send,
	.close = sp_close,
};
