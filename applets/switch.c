/* switch.c - vde_switch: options, start-up, the event loop, clean exit.
 * The switch itself lives in applets/switch/ (see switch.h for a map). */
#include "applets/switch/switch.h"
#include "common/log.h"
#include "common/util.h"

#include <errno.h>
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
	"                         file, serve it VDE1-style (no directory)\n"
	"  -t, --tap NAME         attach tap interface NAME (repeatable)\n"
	"  -x, --hub              hub: repeat every frame to every port\n"
	"  -F, --stp, --fstp      spanning tree (IEEE 802.1D): loops of cables are cut\n"
	"      --priority N       spanning tree bridge priority 0..65535 (default 32768)\n"
	"  -n, --numports N       user ports 1..N (default 32)\n"
	"  -m, --mode OCTAL       mode of control and data sockets (default 0600)\n"
	"      --dirmode OCTAL    mode of the directory (default 02700)\n"
	"  -g, --group GROUP      group of directory and sockets\n"
	"  -d, --daemon           run in the background, log to syslog\n"
	"  -p, --pidfile FILE     write the pid here (a stale file is replaced)\n"
	"  -M, --mgmt PATH        management console socket\n"
	"      --mgmtmode OCTAL   its mode (default 0600)\n"
	"      --mgmtgroup GROUP  its group\n"
	"  -f, --rcfile FILE      run console commands from FILE at start\n"
	"      --nostdin          no console on stdin (default: only when a tty)\n"
	"      --hashsize N       MAC table capacity (default 65536 entries)\n"
	"      --macaddr MAC      the switch's own address\n"
	"      --maxframe N       largest frame forwarded, 60..9234 (default 9234)\n"
	"      --queue BYTES      output queue per endpoint (default 524288)\n"
	"      --nooffload        taps without TCP segmentation offload\n"
	"  -v, --version          print the version\n"
	"Single-dash long options work too (-sock, -tap, -hub, -daemon), as in vde2.\n"
	"Signals HUP, INT and TERM end the switch and remove its files.\n";

struct sw_config sw;

enum {
	OPT_DIRMODE = 256, OPT_MGMTMODE, OPT_MGMTGROUP, OPT_NOSTDIN, OPT_HASHSIZE,
	OPT_MACADDR, OPT_MAXFRAME, OPT_QUEUE, OPT_PRIORITY, OPT_NOOFFLOAD,
};

static const struct option longopts[] = {
	{ "sock", required_argument, 0, 's' },
	{ "vdesock", required_argument, 0, 's' },
	{ "unix", required_argument, 0, 's' },
	{ "tap", required_argument, 0, 't' },
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
	{ "rcfile", required_argument, 0, 'f' },
	{ "nostdin", no_argument, 0, OPT_NOSTDIN },
	{ "hashsize", required_argument, 0, OPT_HASHSIZE },
	{ "macaddr", required_argument, 0, OPT_MACADDR },
	{ "maxframe", required_argument, 0, OPT_MAXFRAME },
	{ "queue", required_argument, 0, OPT_QUEUE },
	{ "nooffload", no_argument, 0, OPT_NOOFFLOAD },
	{ "version", no_argument, 0, 'v' },
	{ "help", no_argument, 0, 'h' },
	{ 0, 0, 0, 0 },
};

struct switch_opts {
	const char *sock;
	const char *taps[64];
	int ntaps;
	int numports, daemon, nostdin;
	int stp;
	const char *pidfile, *mgmt, *rcfile;
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

static void parse_args(int argc, char **argv, struct switch_opts *o)
{
	int c;

	while ((c = getopt_long_only(argc, argv, "s:t:xn:m:g:dp:M:f:vhF", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o->sock = optarg; break;
		case 't':
			if (o->ntaps == (int)ARRAY_LEN(o->taps))
				usage_error("too many -tap options (max %zu)", ARRAY_LEN(o->taps));
			o->taps[o->ntaps++] = optarg;
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
		case 'f': o->rcfile = optarg; break;
		case OPT_NOSTDIN: o->nostdin = 1; break;
		case OPT_HASHSIZE: mac_max_entries = (unsigned)num_arg("--hashsize", optarg, 1, 1 << 24); break;
		case OPT_MACADDR:
			if (parse_mac(optarg, sw.mac) < 0)
				usage_error("--macaddr: '%s' is not a MAC address", optarg);
			break;
		case OPT_MAXFRAME: sw.max_frame = (size_t)num_arg("--maxframe", optarg, ETH_MIN_FRAME, VDE_FRAME_MAX); break;
		case OPT_QUEUE: sw.queue_bytes = (size_t)num_arg("--queue", optarg, 2 * (VDE_FRAME_MAX + 2), 1L << 30); break;
		case OPT_NOOFFLOAD: tap_offload = gro_enabled = 0; break;
		case 'v': printf("vde_switch (vde) " VDE_VERSION "\n"); exit(0);
		case 'h': fputs(switch_help, stdout); exit(0);
		case 'F': o->stp = 1; break;
		case OPT_PRIORITY: stp_set_priority((uint16_t)num_arg("--priority", optarg, 0, 65535)); break;
		default: usage_error("unknown option");
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
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

/* -s PATH: a directory (vde2), or an existing socket file (VDE1). */
static void set_paths(const char *sock)
{
	char abs[PATH_MAX];
	struct stat st;

	if (!sock)
		sock = "/tmp/vde.ctl";
	if (sock[0] != '/' && getcwd(abs, sizeof(abs)) && strlen(abs) + strlen(sock) + 2 < sizeof(abs)) {
		strcat(abs, "/");
		strcat(abs, sock);
		sock = abs;
	}
	if (lstat(sock, &st) == 0 && S_ISSOCK(st.st_mode)) {
		sw.plain = 1;
		if (strlen(sock) >= sizeof(sw.ctl_path))
			die("socket path too long: %s", sock);
		strcpy(sw.ctl_path, sock);
		return;
	}
	/* DIR/NNN.FD must fit in sun_path: keep room for "/ctl" and
	 * "/65535.2147483647". */
	if (strlen(sock) + 18 >= sizeof(sw.dir))
		die("control directory path too long (max %zu bytes): %s", sizeof(sw.dir) - 19, sock);
	strcpy(sw.dir, sock);
	if (snprintf(sw.ctl_path, sizeof(sw.ctl_path), "%s/ctl", sw.dir) >= (int)sizeof(sw.ctl_path))
		die("control directory path too long: %s", sock);
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

	ctlsock_expire(now);
	stp_tick(now);
	if (now - last_gc >= (uint64_t)mac_gc_secs * 1000) {
		mac_expire(sw_now());
		last_gc = now;
	}
}

static void close_all_endpoints(void)
{
	for (int i = 0; i <= numports; i++)
		while (ports[i] && ports[i]->eps)
			ep_close(ports[i]->eps, "closed: switch exiting");
}

/* Relative pid file: relative to where we started, even after daemon(). */
static char *absolute(const char *path)
{
	char cwd[PATH_MAX], *out;

	if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return strdup(path);
	out = malloc(strlen(cwd) + strlen(path) + 2);
	if (out)
		sprintf(out, "%s/%s", cwd, path);
	return out;
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
 * -1.  *pid_written tells the caller whose pid file it may remove. */
static int start(struct switch_opts *o, const char *pidfile, const char *mgmt, int *pid_written)
{
	const char *rcfile = o->rcfile ? o->rcfile : default_rcfile();

	stp_init();
	if (o->stp && stp_set_enabled(1))
		log_warn("--stp: ignored in hub mode (a hub repeats BPDUs too)");
	if (ctlsock_init() < 0)
		return -1;
	for (int i = 0; i < o->ntaps; i++)
		if (tap_open(o->taps[i]) < 0)
			return -1;
	if (o->daemon) {
		log_to_syslog();
		if (daemon(0, 0) < 0) {
			log_err("daemon:");
			return -1;
		}
		/* A signalfd wakes epoll only for the process that made it:
		 * the child of daemon() needs its own. */
		int fd = sigwatch.fd;
		loop_del(&sigwatch);
		close(fd);
		if (setup_signals() < 0)
			return -1;
	}
	if (pidfile) {
		if (pidfile_write(pidfile) < 0)
			return -1;
		*pid_written = 1;
	}
	if (mgmt && mgmt_init(mgmt, o->mgmtmode, o->mgmtgid) < 0)
		return -1;
	if (!o->daemon && !o->nostdin && isatty(STDIN_FILENO))
		mgmt_stdin();
	return rcfile ? mgmt_rcfile(rcfile) : 0;
}

int switch_main(int argc, char **argv)
{
	struct switch_opts o = { .numports = SW_DEFAULT_NUMPORTS, .mgmtmode = 0600, .mgmtgid = (gid_t)-1 };
	char *pidfile = NULL, *mgmt = NULL;
	int rc, pid_written = 0;

	sw.mode = 0600;
	sw.dirmode = 02700;
	sw.gid = (gid_t)-1;
	sw.max_frame = VDE_FRAME_MAX;
	sw.queue_bytes = SW_DEFAULT_QUEUE_BYTES;
	random_mac(sw.mac);
	parse_args(argc, argv, &o);
	derive_modes(&o);
	set_paths(o.sock);
	/* Relative paths mean "from here", even after daemon() chdir()s. */
	if ((o.pidfile && !(pidfile = absolute(o.pidfile))) || (o.mgmt && !(mgmt = absolute(o.mgmt))))
		die("out of memory");
	if (loop_init() < 0 || setup_signals() < 0 || ports_init(o.numports) < 0 || mac_init(64) < 0)
		die("cannot initialise");

	rc = start(&o, pidfile, mgmt, &pid_written);
	if (rc == 0) {
		log_info("VDE switch started on %s (%d ports%s)", sw.ctl_path, numports,
			 sw.hub ? ", hub" : "");
		loop_run(500, tick);
	}
	mgmt_cleanup();
	close_all_endpoints();
	ctlsock_cleanup();
	if (pid_written)
		unlink(pidfile);
	free(pidfile);
	free(mgmt);
	ep_free_buffers();
	ports_free();
	mac_free();
	loop_done();
	return rc < 0 ? 1 : 0;
}
