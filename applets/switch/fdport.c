/* fdport.c - an inherited socket as a switch port: --port seqpacket://FD.
 *
 * This is how "vde_plug VNL switch://DIR" runs a switch of its own: the
 * plug forks, and the child switch gets one end of a SOCK_SEQPACKET
 * socketpair as a port (one frame per message, like a data socket).
 * It is also the first scheme of the endpoint model (--port VNL): other
 * schemes are refused with a clear message until the switch has them.
 */
#include "switch.h"
#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEQPACKET_SCHEME "seqpacket://"

/* The fd must be an open SOCK_SEQPACKET socket: anything else would be
 * read as frames it is not. */
static int check_seqpacket(int fd, const char *vnl)
{
	struct stat st;
	int type = 0;
	socklen_t len = sizeof(type);

	if (fstat(fd, &st) < 0) {
		log_err("--port %s: fd %d is not open", vnl, fd);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode) || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    type != SOCK_SEQPACKET) {
		log_err("--port %s: fd %d is not a SOCK_SEQPACKET socket", vnl, fd);
		return -1;
	}
	return 0;
}

int fdport_open(const char *vnl)
{
	struct port *port;
	struct endpoint *ep;
	long fd;

	if (strncmp(vnl, SEQPACKET_SCHEME, strlen(SEQPACKET_SCHEME)) != 0) {
		log_err("--port %s: this switch takes only seqpacket://FD ports for now", vnl);
		return -1;
	}
	if (parse_long(vnl + strlen(SEQPACKET_SCHEME), 3, 1 << 20, &fd) < 0) {
		log_err("--port %s: FD must be a file descriptor number above 2", vnl);
		return -1;
	}
	if (check_seqpacket((int)fd, vnl) < 0)
		return -1;
	if (set_nonblock((int)fd) < 0 || set_cloexec((int)fd) < 0) {
		log_err("--port %s:", vnl);
		return -1;
	}
	port = port_for_request(VDE_REQ_NEW_CONTROL, 0, geteuid());
	if (!port) {
		log_err("--port %s: no free port", vnl);
		return -1;
	}
	ep = ep_new(EP_UNIX, (int)fd, -1, geteuid(), vnl, NULL);
	if (!ep)
		return -1;
	ep->msg_eof = 1;
	port_attach(port, ep);
	log_info("port %d: %s", port->index, vnl);
	return 0;
}
