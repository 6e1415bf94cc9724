/* switch.c - vde_switch: options parsed into the switch instance (sw.h),
 * start and exit of its parts in order, the event loop.  The parts live
 * in applets/switch/; sw.h says which file a frame passes through. */
#include "applets/switch/capture.h"
#include "applets/switch/connect.h"
#include "applets/switch/ctlsock.h"
#include "applets/switch/debug.h"
#include "applets/switch/endpoint.h"
#include "applets/switch/mactable.h"
#include "applets/switch/forward.h"
#include "applets/switch/mgmt.h"
#include "applets/switch/mirror.h"
#include "applets/switch/port.h"
#include "applets/switch/portimpair.h"
#include "applets/switch/qemu.h"
#include "applets/switch/stp.h"
#include "applets/switch/sw.h"
#include "applets/switch/tx.h"
#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

const char switch_help[] =
	"a learning Ethernet switch that VDE cables, taps, QEMU and UML plug into\n"
	"usage: vde_switch [OPTIONS]\n"
	"  -s, --sock, -unix DIR  control directory (default /tmp/vde.ctl); DIR/ctl is\n"
	"                         the socket clients use.  If DIR is an existing socket\n"
	"                         file, serve it VDE1-style (no directory).  DIR may\n"
	"                         not be a symlink nor lie below another user's symlink\n"
	"                         or directory (-M and -p likewise)\n"
	"  -t, --tap NAME         attach tap interface NAME (repeatable); the same as\n"
	"                         --port tap://NAME\n"
	"      --port VNL         keep a network on the next free port (repeatable):\n"
	"                         any scheme of vde_plug but switch:// and hub://, e.g.\n"
	"                         vde://DIR (another switch), tap://NAME, udp://...,\n"
	"                         cmd://\"ssh HOST vde_plug DIR\" (a cable: the switch\n"
	"                         itself frames the command's stdin/stdout),\n"
	"                         seqpacket://FD, stdio:// (with --nostdin).  When its\n"
	"                         far end ends it is opened again after 1 s, then 2,\n"
	"                         4, ... up to 60 s apart (1 s again after a minute\n"
	"                         up); a first open that fails is retried the same\n"
	"                         way.  Inherited fds (seqpacket://, stdio://) and\n"
	"                         taps (one that fails was deleted) are not reopened.\n"
	"                         Console: port/connect N VNL, port/disconnect N\n"
	"      --qemu-stream PATH|[HOST:]PORT  listen for QEMU's -netdev stream (and\n"
	"                         -netdev socket, libvirt type='client'): each\n"
	"                         connection a port, 4-byte length + frame; a unix\n"
	"                         socket gets -m/-g; TCP is on 127.0.0.1 unless HOST\n"
	"                         is given (repeatable)\n"
	"      --qemu-dgram PATH  a unix datagram socket for QEMU's -netdev dgram: each\n"
	"                         sender a port (raw frames), gone after 300 s silent\n"
	"      --mirror SRC:DST[:in|out|both]  port DST gets a copy of what port SRC\n"
	"                         receives (in), sends (out) or both (default); DST\n"
	"                         becomes a monitor: nothing it sends is forwarded,\n"
	"                         nothing else is sent to it.  The ports are made if\n"
	"                         need be (DST not for automatic use) (repeatable).\n"
	"                         Console: port/mirror, port/unmirror\n"
	"  -x, --hub              hub: repeat every frame to every port\n"
	"  -F, --stp, --fstp      spanning tree (IEEE 802.1D): loops of cables are cut;\n"
	"                         a new port forwards at once until a BPDU arrives\n"
	"                         (an edge: a VM or tap), then takes part in the tree\n"
	"      --priority N       spanning tree bridge priority 0..65535 (default 32768)\n"
	"  -n, --numports N       user ports 1..N (default 32)\n"
	"  -m, --mode OCTAL       mode of control and data sockets (default 0600)\n"
	"      --dirmode OCTAL    mode of the directory (default 02700)\n"
	"  -g, --group GROUP      group of directory and sockets\n"
	"  -d, --daemon           run in the background, log to syslog; returns once\n"
	"                         serving, exit 1 if the daemon does not come up\n"
	"  -p, --pidfile FILE     write the pid here, before anything is bound (a stale\n"
	"                         file is replaced; a FIFO, symlink or live pid is refused)\n"
	"  -M, --mgmt PATH        management console socket\n"
	"      --mgmtmode OCTAL   its mode (default 0600)\n"
	"      --mgmtgroup GROUP  its group\n"
	"      --mgmtsessions N   -M sessions at once, 1..4096 (default 64); the last N/8\n"
	"                         (1..8) are kept for root and the switch's owner, and\n"
	"                         another user holds at most half of the rest\n"
	"  -f, --rcfile FILE      run console commands from FILE at start\n"
	"      --nostdin          no console on stdin/stdout (default: one, unless -d,\n"
	"                         on a terminal, pipe or socket; EOF ends only it)\n"
	"  -D, --debugclients N   at most N consoles subscribed to debug/ events\n"
	"      --hashsize N       MAC table capacity (default 65536 entries)\n"
	"      --macexpire SECS   forget a station unseen for SECS (default 100)\n"
	"      --macaddr MAC      the switch's own address\n"
	"      --maxframe N       largest frame forwarded, 60..9234 (default 9234)\n"
	"      --queue BYTES      output queue per endpoint, at most (default 2097152;\n"
	"                         it grows from 64 KiB as a backlog needs)\n"
	"      --queue-total BYTES  all output queues together (default 134217728);\n"
	"                         one user's endpoints get at most half of it\n"
	"      --user-ports N     ports one user may hold (default: half of -n; 0: no\n"
	"                         limit); root and the switch's owner have no quota\n"
	"      --user-endpoints N  endpoints one user may hold (default: a quarter of\n"
	"                         the file descriptors left to clients; 0: no limit)\n"
	"      --nooffload        taps without TCP segmentation offload, and cables to\n"
	"                         our own switches and plugs (--port vde://, --port\n"
	"                         cmd://, clients that offer it) without super-frames\n"
	"      --capture FILE|-   record every port's frames, in and out, into FILE\n"
	"                         (pcapng; created with -m's mode, never over an\n"
	"                         existing file or symlink) or stdout (with --nostdin\n"
	"                         or -d); console capture/start, capture/stop,\n"
	"                         capture/print do it at run time\n"
	"      --capture-pcap     classic pcap instead of pcapng for --capture\n"
	"  -v, --version          print the version\n"
	"Single-dash long options work too (-sock, -tap, -hub, -daemon), as in vde2.\n"
	"The soft limit on open files is raised to the hard limit at start; the last\n"
	"1/16 of it (at least 32) is kept for root and the switch's owner, so they\n"
	"can always connect, and the last 8 of those for the console (-M) alone.\n"
	"Signals HUP, INT and TERM end the switch and remove its files.\n"
	"Console (-M socket, stdin): vde2's commands, \"help\" lists them; among them\n"
	"debug/list, debug/add CATEGORY, debug/del CATEGORY (events as \"3NNN category\n"
	"text\" lines), plugin/list|add|del (no plugins), fstp/bonus VLAN PORT COST.\n"
	"load FILE reads FILE with the rights of the console's user (the -M client's\n"
	"uid and groups; the owner's on stdin and -f): a regular file of at most 1 MiB,\n"
	"run 64 lines per turn so frames keep flowing; later commands wait for it.\n";

enum {
	OPT_DIRMODE = 256, OPT_MGMTMODE, OPT_MGMTGROUP, OPT_NOSTDIN, OPT_HASHSIZE,
	OPT_MACADDR, OPT_MAXFRAME, OPT_QUEUE, OPT_PRIORITY, OPT_NOOFFLOAD, OPT_PORT, OPT_MACEXPIRE, OPT_QUEUE_TOTAL,
	OPT_USER_PORTS, OPT_USER_ENDPOINTS, OPT_MGMTSESSIONS, OPT_QEMU_STREAM, OPT_QEMU_DGRAM,
	OPT_CAPTURE, OPT_CAPTURE_PCAP, OPT_MIRROR,
};

static const struct option longopts[] = {
	{ "sock", required_argument, 0, 's' },
	{ "vdesock", required_argument, 0, 's' },
	{ "unix", required_argument, 0, 's' },
	{ "tap", required_argument, 0, 't' },
	{ "port", required_argument, 0, OPT_PORT },
	{ "qemu-stream", required_argument, 0, OPT_QEMU_STREAM },
	{ "qemu-dgram", required_argument, 0, OPT_QEMU_DGRAM },
	{ "mirror", required_argument, 0, OPT_MIRROR },
	{ "hub", no_argument, 0, 'x' },
	{ "stp", no_argument, 0, 'F' },
	{ "fstp", no_argument, 0, 'F' },
	{ "priority", required_argument, 0, OPT_PRIORITY },
	{ "numports", required_argument, 0, 'n' },
	{ "mode", required_argument, 0, 'm' },
	{ "mod", required_argument, 0, 'm' },
	{ "dirmode", required_argument, 0, OPT_DIRMODE },
	{ "group", required_argument, 0, 'g' },
	{ "daemon", no_argument, 0, 'd' },
	{ "pidfile", required_argument, 0, 'p' },
	{ "mgmt", required_argument, 0, 'M' },
	{ "mgmtmode", required_argument, 0, OPT_MGMTMODE },
	{ "mgmtgroup", required_argument, 0, OPT_MGMTGROUP },
	{ "mgmtsessions", required_argument, 0, OPT_MGMTSESSIONS },
	{ "rcfile", required_argument, 0, 'f' },
	{ "nostdin", no_argument, 0, OPT_NOSTDIN },
	{ "debugclients", required_argument, 0, 'D' },
	{ "hashsize", required_argument, 0, OPT_HASHSIZE },
	{ "macexpire", required_argument, 0, OPT_MACEXPIRE },
	{ "macaddr", required_argument, 0, OPT_MACADDR },
	{ "maxframe", required_argument, 0, OPT_MAXFRAME },
	{ "queue", required_argument, 0, OPT_QUEUE },
	{ "queue-total", required_argument, 0, OPT_QUEUE_TOTAL },
	{ "user-ports", required_argument, 0, OPT_USER_PORTS },
	{ "user-endpoints", required_argument, 0, OPT_USER_ENDPOINTS },
	{ "nooffload", no_argument, 0, OPT_NOOFFLOAD },
	{ "capture", required_argument, 0, OPT_CAPTURE },
	{ "capture-pcap", no_argument, 0, OPT_CAPTURE_PCAP },
	{ "version", no_argument, 0, 'v' },
	{ "help", no_argument, 0, 'h' },
	{ 0, 0, 0, 0 },
};

struct switch_opts {
	const char *sock;
	char **vnls; /* --port, and -tap NAME as tap://NAME, in order */
	int nvnls;
	char **qstreams; /* --qemu-stream, paths settled */
	int nqstreams;
	char *qdgram;
	struct mirror_opt { int src, dst, dirs; } *mirrors; /* --mirror */
	int nmirrors;
	int numports, daemon, nostdin;
	int stp;
	const char *pidfile, *mgmt, *rcfile;
	const char *capture;  /* --capture FILE or "-" */
	int capture_pcap;
	mode_t mgmtmode;
	gid_t mgmtgid;
	int mode_set, dirmode_set;
};

static long num_arg(const char *opt, const char *s, long min, long max)
{
	long v;
	if (parse_long(s, min, max, &v) < 0)
		usage_error("%s: '%s' is not a number in %ld..%ld", opt, s, min, max);
	return v;
}

static mode_t mode_arg(const char *opt, const char *s)
{
	mode_t m;
	if (parse_mode(s, &m) < 0)
		usage_error("%s: '%s' is not an octal mode", opt, s);
	return m;
}

static gid_t group_arg(const char *opt, const char *s)
{
	gid_t g;
	if (parse_group(s, &g) < 0)
		usage_error("%s: no such group '%s'", opt, s);
	return g;
}

static char *settled(const char *opt, const char *path);

/* --mirror SRC:DST[:in|out|both] */
static void add_mirror(struct switch_opts *o, const char *arg)
{
	struct mirror_opt *m = &o->mirrors[o->nmirrors++];
	char buf[64], *src = buf, *dst, *dir;

	if (snprintf(buf, sizeof(buf), "%s", arg) >= (int)sizeof(buf) || !(dst = strchr(buf, ':')))
		usage_error("--mirror: '%s' is not SRC:DST[:in|out|both]", arg);
	*dst++ = 0;
	if ((dir = strchr(dst, ':')))
		*dir++ = 0;
	else
		dir = "both";
	m->src = (int)num_arg("--mirror", src, 0, 65535);
	m->dst = (int)num_arg("--mirror", dst, 0, 65535);
	if (!(m->dirs = mirror_dirs_parse(dir)))
		usage_error("--mirror: '%s': the direction is in, out or both", arg);
}

/* After the ports of --port: make the mirrors' ports where needed. */
static int start_mirrors(const struct switch_opts *o)
{
	char why[128];

	for (int i = 0; i < o->nmirrors; i++) {
		const struct mirror_opt *m = &o->mirrors[i];
		if (m->src > sw.numports || m->dst > sw.numports) {
			log_err("--mirror %d:%d: the switch has ports 0..%d (-n)", m->src, m->dst, sw.numports);
			return -1;
		}
		if (!port_get(m->src))
			port_create(m->src, 1);
		if (!port_get(m->dst))
			port_create(m->dst, 0);
		int err = mirror_add(m->src, m->dst, m->dirs, why, sizeof(why));
		if (err) {
			log_err("--mirror %d:%d: %s", m->src, m->dst, why);
			return -1;
		}
	}
	return 0;
}

/* A port's bad wire lets frames go (portimpair.c): in, on to
 * forwarding; out, to the port's endpoints. */
static void wire_in(struct port *p, uint8_t *f, size_t len) { forward_frame(p, f, len, NULL); }
static void wire_out(struct port *p, uint8_t *f, size_t len) { tx_port_copy(p, f, len, NULL); }

/* One more network to keep on a port; argc bounds how many there are. */
static void add_port(struct switch_opts *o, const char *prefix, const char *vnl)
{
	size_t len = strlen(prefix) + strlen(vnl) + 1;
	char *s = malloc(len);

	if (!s)
		die("out of memory");
	snprintf(s, len, "%s%s", prefix, vnl);
	o->vnls[o->nvnls++] = s;
}

static void parse_args(int argc, char **argv, struct switch_opts *o)
{
	int c;

	if (!(o->vnls = calloc((size_t)argc + 1, sizeof(*o->vnls))) ||
	    !(o->qstreams = calloc((size_t)argc + 1, sizeof(*o->qstreams))) ||
	    !(o->mirrors = calloc((size_t)argc + 1, sizeof(*o->mirrors))))
		die("out of memory");
	while ((c = getopt_long_only(argc, argv, "s:t:xn:m:g:dp:M:f:vhFD:", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o->sock = optarg; break;
		case 't': add_port(o, "tap://", optarg); break;
		case OPT_PORT: add_port(o, "", optarg); break;
		case OPT_MIRROR: add_mirror(o, optarg); break;
		case OPT_QEMU_STREAM:
			/* a path (settled like -M) or [HOST:]PORT */
			o->qstreams[o->nqstreams++] = strchr(optarg, '/') ? settled("--qemu-stream", optarg)
									   : strdup(optarg);
			break;
		case OPT_QEMU_DGRAM:
			if (o->qdgram)
				usage_error("--qemu-dgram: one datagram socket only");
			o->qdgram = settled("--qemu-dgram", optarg);
			break;
		case 'x': sw.hub = 1; break;
		case 'n': o->numports = (int)num_arg("--numports", optarg, 1, 65535); break;
		case 'm': sw.mode = mode_arg("--mode", optarg); o->mode_set = 1; break;
		case OPT_DIRMODE: sw.dirmode = mode_arg("--dirmode", optarg); o->dirmode_set = 1; break;
		case 'g': sw.gid = group_arg("--group", optarg); break;
		case 'd': o->daemon = 1; break;
		case 'p': o->pidfile = optarg; break;
		case 'M': o->mgmt = optarg; break;
		case OPT_MGMTMODE: o->mgmtmode = mode_arg("--mgmtmode", optarg); break;
		case OPT_MGMTGROUP: o->mgmtgid = group_arg("--mgmtgroup", optarg); break;
		case OPT_MGMTSESSIONS: mgmt_set_sessions((int)num_arg("--mgmtsessions", optarg, 1, 4096)); break;
		case 'f': o->rcfile = optarg; break;
		case OPT_NOSTDIN: o->nostdin = 1; break;
		case 'D': dbg_max_clients = (int)num_arg("--debugclients", optarg, 0, 65535); break;
		case OPT_MACEXPIRE: mac_set_timer(MAC_EXPIRE, (unsigned)num_arg("--macexpire", optarg, 1, 1 << 24)); break;
		case OPT_HASHSIZE: mac_max_entries = (unsigned)num_arg("--hashsize", optarg, 1, 1 << 24); break;
		case OPT_MACADDR:
			if (parse_mac(optarg, sw.mac) < 0)
				usage_error("--macaddr: '%s' is not a MAC address", optarg);
			break;
		case OPT_MAXFRAME: sw.max_frame = (size_t)num_arg("--maxframe", optarg, ETH_MIN_FRAME, VDE_FRAME_MAX); break;
		case OPT_QUEUE: sw.queue_bytes = (size_t)num_arg("--queue", optarg, 2 * (VDE_FRAME_MAX + 2), 1L << 30); break;
		case OPT_QUEUE_TOTAL: sw.queue_total = (size_t)num_arg("--queue-total", optarg, 2 * (VDE_FRAME_MAX + 2), 1L << 40); break;
		case OPT_USER_PORTS: sw.user_ports = (int)num_arg("--user-ports", optarg, 0, 65535); break;
		case OPT_USER_ENDPOINTS: sw.user_endpoints = (int)num_arg("--user-endpoints", optarg, 0, INT_MAX); break;
		case OPT_NOOFFLOAD: sw.offload = sw.gro = 0; break;
		case OPT_CAPTURE: o->capture = optarg; break;
		case OPT_CAPTURE_PCAP: o->capture_pcap = 1; break;
		case 'v': printf("vde_switch (vde) " VDE_VERSION "\n"); exit(0);
		case 'h': fputs(switch_help, stdout); exit(0);
		case 'F': o->stp = 1; break;
		case OPT_PRIORITY: stp_set_priority((uint16_t)num_arg("--priority", optarg, 0, 65535)); break;
		default: usage_error("unknown option");
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (o->capture && strcmp(o->capture, "-") == 0 && !o->daemon && !o->nostdin)
		usage_error("--capture -: stdout is the console's; add --nostdin");
	for (int i = 0; i < o->nvnls; i++)
		if (strncmp(o->vnls[i], "stdio:", 6) == 0 && !o->daemon && !o->nostdin)
			usage_error("--port %s: stdin is the console; add --nostdin", o->vnls[i]);
}

/* vde2's mode rules: -m alone gives the directory matching x bits;
 * --dirmode alone gives the sockets its rw bits. */
static void derive_modes(const struct switch_opts *o)
{
	if (o->mode_set && !o->dirmode_set) {
		sw.dirmode = 02000;
		for (int shift = 0; shift <= 6; shift += 3)
			if (sw.mode & (06 << shift))
				sw.dirmode |= (sw.mode & (06 << shift)) | (01 << shift);
	} else if (!o->mode_set && o->dirmode_set) {
		sw.mode = sw.dirmode & 0666;
	}
	/* Others may create their sockets here, but never remove or
	 * replace ours: the sticky bit, as on /tmp (vde2 omits it). */
	if (sw.dirmode & 022)
		sw.dirmode |= 01000;
}

/* -s, -p and -M paths: absolute (relative to where we started, even
 * after we daemonise and chdir), their directory resolved once, so that
 * the unlink() at exit removes what we made, wherever symlinks later
 * lead. */
static char *settled(const char *opt, const char *path)
{
	const char *why;
	char *p = path_settle(path, &why);

	if (!p && why)
		die("%s %s: %s", opt, path, why);
	if (!p)
		die("%s %s:", opt, path);
	return p;
}

/* -s PATH: a directory (vde2), or an existing socket file (VDE1).
 * path_settle() makes "/tmp/x/", "/tmp/x/." and "/tmp//x" all mean the
 * entry /tmp/x, so make_dir() sees it when it is a symlink. */
static void set_paths(const char *sock)
{
	char *p = settled("--sock", sock ? sock : "/tmp/vde.ctl");
	struct stat st;

	if (lstat(p, &st) == 0 && S_ISSOCK(st.st_mode)) {
		sw.plain = 1;
		if (strlen(p) >= sizeof(sw.ctl_path))
			die("socket path too long: %s", p);
		strcpy(sw.ctl_path, p);
		free(p);
		return;
	}
	/* DIR/NNN.FD must fit in sun_path: keep room for "/ctl" and
	 * "/65535.2147483647". */
	if (strlen(p) + 18 >= sizeof(sw.dir))
		die("control directory path too long (max %zu bytes): %s", sizeof(sw.dir) - 19, p);
	strcpy(sw.dir, p);
	free(p);
	if (snprintf(sw.ctl_path, sizeof(sw.ctl_path), "%s/ctl", sw.dir) >= (int)sizeof(sw.ctl_path))
		die("control directory path too long: %s", sw.dir);
}

static void random_mac(uint8_t mac[6])
{
	if (getrandom(mac, 6, GRND_NONBLOCK) != 6) {
		uint64_t t = now_ms() ^ (uint64_t)getpid() << 20;
		memcpy(mac, &t, 6);
	}
	mac[0] = 0x00; /* vde2 style: 00:ff:xx:xx:xx:xx */
	mac[1] = 0xff;
}

static struct watch sigwatch = { .fd = -1 };
static volatile int exit_signal;

static void signal_event(struct watch *w, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	if (read(w->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		log_info("signal %d: cleaning up and exiting", (int)si.ssi_signo);
		exit_signal = (int)si.ssi_signo;
		loop_stop();
	}
}

static int setup_signals(void)
{
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 || (fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		log_err("signalfd:");
		return -1;
	}
	return loop_add(&sigwatch, fd, EPOLLIN, signal_event);
}

static void tick(uint64_t now)
{
	static uint64_t last_gc;

	sw_now(); /* the frame path's clock */
	ctlsock_expire(now);
	stp_tick(now);
	mgmt_tick();
	connect_tick(now);
	qemu_tick(now);
	if (now - last_gc >= (uint64_t)mac_gc_secs * 1000) {
		mac_expire(sw_now());
		last_gc = now;
	}
}

static void close_all_endpoints(void)
{
	connect_free();
	qemu_listen_cleanup();
	qemu_dgram_cleanup();
	for (int i = 0; i <= sw.numports; i++)
		while (sw.ports[i] && sw.ports[i]->eps)
			ep_close(sw.ports[i]->eps, "closed: switch exiting");
}

/* --port and -tap, in order: a bad VNL stops the start; one that does
 * not open yet is retried (connect.c). */
static int open_ports(const struct switch_opts *o)
{
	for (int i = 0; i < o->nvnls; i++) {
		int err = connect_port(0, o->vnls[i], 1, NULL);
		if (err == ENOSPC)
			log_err("--port %s: no free port", o->vnls[i]);
		else if (err && err != EINVAL && err != EPROTONOSUPPORT && err != EIO) /* those said why */
			log_err("--port %s: %s", o->vnls[i], strerror(err));
		if (err)
			return -1;
	}
	return 0;
}

/* --capture: FILE made as we are, or our own description of stdout (a
 * pipe or terminal: O_NONBLOCK must not reach the shell sharing it). */
static int open_capture(const struct switch_opts *o)
{
	struct capture_opts co = { .format = o->capture_pcap ? PCAP_CLASSIC : PCAP_NG,
				   .snaplen = PCAP_SNAPLEN_DEFAULT };
	struct stat st;
	int fd = -1, err;

	if (strcmp(o->capture, "-") != 0) {
		if ((err = capture_create(o->capture, sw.mode, &fd))) {
			log_err("--capture %s: %s", o->capture, strerror(err));
			return -1;
		}
	} else if (fstat(STDOUT_FILENO, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))) {
		fd = open("/proc/self/fd/1", O_WRONLY | O_CLOEXEC | O_NOCTTY);
	}
	if (fd < 0 && (fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)) < 0) {
		log_err("--capture -: stdout:");
		return -1;
	}
	if ((err = capture_start(fd, strcmp(o->capture, "-") ? o->capture : "stdout", &co))) {
		log_err("--capture %s: %s", o->capture, strerror(err));
		return -1;
	}
	return 0;
}

/* -daemon: the parent returns only once the child is serving (exit 0)
 * or has failed (exit 1, its messages on our stderr), so a pidfile or
 * -M socket that cannot be made is a visible failure (daemon(3) would
 * have returned 0 before any of it happened). */
static int ready_fd = -1;

static int daemonize(void)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		log_err("daemon:");
		return -1;
	}
	if (pid > 0) {
		sigset_t all;
		char c = 1;
		sigfillset(&all);
		sigprocmask(SIG_UNBLOCK, &all, NULL); /* ^C while waiting ends the wait */
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(c == 0 ? 0 : 1); /* the child owns every file now */
	}
	close(p[0]);
	ready_fd = p[1];
	if (setsid() < 0 || chdir("/") < 0) {
		log_err("daemon:");
		return -1;
	}
	/* A signalfd wakes epoll only for the process that made it: the
	 * child needs its own. */
	int fd = sigwatch.fd;
	loop_del(&sigwatch);
	close(fd);
	return setup_signals();
}

/* The child is up: from now on syslog, no terminal, parent released. */
static void daemon_ready(void)
{
	int null;

	if (ready_fd < 0)
		return;
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	log_to_syslog();
	for (int i = 0; i < 3 && null >= 0; i++)
		dup2(null, i);
	if (null > 2)
		close(null);
	if (write(ready_fd, "", 1) != 1)
		log_warn("daemon: tell the parent we are up:");
	close(ready_fd);
	ready_fd = -1;
}

/* vde2 reads an rc file even without -f: the user's, else the system's. */
static const char *default_rcfile(void)
{
	static char path[PATH_MAX];
	const char *home = getenv("HOME");

	if (home && snprintf(path, sizeof(path), "%s/.vde2/vde_switch.rc", home) < (int)sizeof(path) &&
	    access(path, R_OK) == 0)
		return path;
	return access("/etc/vde2/vde_switch.rc", R_OK) == 0 ? "/etc/vde2/vde_switch.rc" : NULL;
}

/* Everything up to the event loop; 0, 1 (an rc file said shutdown) or
 * -1.  *pidfd >= 0 tells the caller it made the pid file.  The pid file
 * is created before anything is bound: a path that is not ours to
 * write (a FIFO, a symlink, a live pid) stops us with nothing to undo. */
static int start(struct switch_opts *o, const char *pidfile, const char *mgmt, int *pidfd)
{
	const char *rcfile = o->rcfile ? o->rcfile : default_rcfile();
	int rc;

	dbg_set_sink(mgmt_dbg_deliver); /* debug/ events reach the consoles */
	if (o->stp && stp_set_enabled(1))
		log_warn("--stp: ignored in hub mode (a hub repeats BPDUs too)");
	if (ctlsock_busy() || (pidfile && (*pidfd = pidfile_create(pidfile)) < 0))
		return -1;
	if (ctlsock_init() < 0)
		return -1;
	if (open_ports(o) < 0 || start_mirrors(o) < 0)
		return -1;
	for (int i = 0; i < o->nqstreams; i++)
		if (qemu_stream_listen(o->qstreams[i]) < 0)
			return -1;
	if (o->qdgram && qemu_dgram_open(o->qdgram) < 0)
		return -1;
	if (o->capture && open_capture(o) < 0)
		return -1;
	if (o->daemon && daemonize() < 0)
		return -1;
	if (pidfile && pidfile_fill(*pidfd, pidfile) < 0)
		return -1;
	if (mgmt && mgmt_init(mgmt, o->mgmtmode, o->mgmtgid) < 0)
		return -1;
	if (rcfile && (rc = mgmt_rcfile(rcfile)) != 0)
		return rc;
	/* after the rc file, as vde2: a file on stdin runs after it.  No
	 * console (stdin closed) is said, but is no reason to stop. */
	return !o->daemon && !o->nostdin && mgmt_stdin() == 1 ? 1 : 0;
}

int switch_main(int argc, char **argv)
{
	struct switch_opts o = { .numports = SW_DEFAULT_NUMPORTS, .mgmtmode = 0600, .mgmtgid = (gid_t)-1 };
	char *pidfile = NULL, *mgmt = NULL;
	int rc, pidfd = -1;

	sw_defaults();
	random_mac(sw.mac);
	parse_args(argc, argv, &o);
	log_quiet_start(o.daemon); /* a daemon is silent when all goes well */
	derive_modes(&o);
	if (sw.queue_total < sw.queue_bytes)
		usage_error("--queue-total %zu is less than one --queue of %zu bytes", sw.queue_total, sw.queue_bytes);
	set_paths(o.sock);
	if (o.pidfile)
		pidfile = settled("--pidfile", o.pidfile);
	if (o.mgmt)
		mgmt = settled("--mgmt", o.mgmt);
	if (loop_init() < 0 || setup_signals() < 0 || ports_init(o.numports) < 0 || mac_init(64) < 0)
		die("cannot initialise");
	portimpair_init(wire_in, wire_out);

	rc = start(&o, pidfile, mgmt, &pidfd);
	if (rc >= 0)
		daemon_ready();
	if (rc == 0) {
		log_info("VDE switch started on %s (%d ports%s; %d file descriptors, %d kept for root and uid %u)",
			 sw.ctl_path, sw.numports, sw.hub ? ", hub" : "", sw.fd_limit, sw.fd_reserve, (unsigned)geteuid());
		loop_run(500, tick);
	}
	mgmt_cleanup();
	capture_cleanup();
	close_all_endpoints();
	ctlsock_cleanup();
	if (pidfd >= 0) {
		close(pidfd);
		unlink(pidfile);
	}
	free(pidfile);
	free(mgmt);
	for (int i = 0; i < o.nvnls; i++)
		free(o.vnls[i]);
	free(o.vnls);
	for (int i = 0; i < o.nqstreams; i++)
		free(o.qstreams[i]);
	free(o.qstreams);
	free(o.qdgram);
	free(o.mirrors);
	ep_free_buffers();
	mirror_free();
	portimpair_free();
	ports_free();
	mac_free();
	loop_done();
	return rc < 0 ? 1 : 0;
}
