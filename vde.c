/* vde.c - the multi-call binary: one executable, many applets.
 *
 * Called as a symlink (vde_switch, vde_plug, dpipe, ...) it runs that
 * applet; called as "vde APPLET args" it runs APPLET.  The table below
 * is the only list of applets: names, entry points and one-line help.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"

/* APPLET(name, main function, help text symbol, installed as a symlink?) */
#define APPLETS(X)                                                       \
	X("dpipe", dpipe_main, dpipe_help, 1)                            \
	X("vde_plug", plug_main, plug_help, 1)                           \
	X("vde_plug2tap", plug2tap_main, plug2tap_help, 1)               \
	X("vde_capture", capture_main, capture_help, 1)                  \
	X("vde_switch", switch_main, switch_help, 1)                     \
	X("vdecmd", console_main, console_help, 1)                       \
	X("wirefilter", wirefilter_main, wirefilter_help, 1)

/* Other spellings that reach the same applet, never installed. */
#define ALIASES(X)                                                       \
	X("capture", capture_main, capture_help, 0)                      \
	X("console", console_main, console_help, 0)                      \
	X("plug", plug_main, plug_help, 0)                               \
	X("switch", switch_main, switch_help, 0)                         \
	X("vde-plug", plug_main, plug_help, 0)                           \
	X("vde-switch", switch_main, switch_help, 0)                     \
	X("vde_console", console_main, console_help, 0)                  \
	X("vdecapture", capture_main, capture_help, 0)

#define DECLARE(name, fn, help, inst) int fn(int, char **); extern const char help[];
APPLETS(DECLARE)
#undef DECLARE

struct applet {
	const char *name;
	int (*main)(int, char **);
	const char *help;
	int install;
};

#define ENTRY(name, fn, help, inst) { name, fn, help, inst },
static const struct applet applets[] = { APPLETS(ENTRY) ALIASES(ENTRY) };
#undef ENTRY

#define NAPPLETS (sizeof(applets) / sizeof(applets[0]))

static const struct applet *find_applet(const char *name)
{
	if (*name == '-') /* login shells: "-vde_plug" */
		name++;
	for (size_t i = 0; i < NAPPLETS; i++)
		if (strcmp(applets[i].name, name) == 0)
			return &applets[i];
	return NULL;
}

static void list_applets(FILE *out)
{
	for (size_t i = 0; i < NAPPLETS; i++)
		if (applets[i].install)
			fprintf(out, "%s\n", applets[i].name);
}

static void vde_usage(FILE *out)
{
	fprintf(out,
		"usage: vde APPLET [ARGS...]   or   APPLET [ARGS...] through a symlink\n"
		"       vde --list | --install DIR | --help | --version\n"
		"\nVirtual Distributed Ethernet in one binary.  Applets:\n");
	for (size_t i = 0; i < NAPPLETS; i++)
		if (applets[i].install) {
			const char *h = applets[i].help;
			fprintf(out, "  %-12s %.*s\n", applets[i].name,
				(int)strcspn(h, "\n"), h);
		}
	fprintf(out, "\n'vde APPLET --help' tells more.\n");
}

/* Make DIR/APPLET symlinks to this binary (busybox --install). */
static int install_links(const char *dir)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int rc = 0;

	if (n < 0) {
		log_err("readlink /proc/self/exe:");
		return 1;
	}
	self[n] = 0;
	for (size_t i = 0; i < NAPPLETS; i++) {
		char link[PATH_MAX];
		if (!applets[i].install)
			continue;
		if (snprintf(link, sizeof(link), "%s/%s", dir, applets[i].name) >= (int)sizeof(link)) {
			log_err("path too long: %s", dir);
			return 1;
		}
		unlink(link);
		if (symlink(self, link) < 0) {
			log_err("symlink %s:", link);
			rc = 1;
		}
	}
	return rc;
}

static int run(const struct applet *a, int argc, char **argv)
{
	/* Log under the installed name, whatever spelling called us. */
	for (size_t i = 0; i < NAPPLETS; i++)
		if (applets[i].main == a->main) {
			log_init(applets[i].name);
			break;
		}
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("%s", a->help);
		return 0;
	}
	return a->main(argc, argv);
}

int main(int argc, char **argv)
{
	const struct applet *a;
	char *base = basename(argv[0]);

	a = find_applet(base);
	if (a)
		return run(a, argc, argv);

	log_init("vde");
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		vde_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "--list")) {
		list_applets(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("vde " VDE_VERSION "\n");
		return 0;
	}
	if (!strcmp(argv[1], "--install")) {
		if (argc != 3)
			usage_error("--install needs one directory");
		return install_links(argv[2]);
	}
	a = find_applet(argv[1]);
	if (!a) {
		log_err("%s: applet not found (vde --list shows them)", argv[1]);
		return 127;
	}
	return run(a, argc - 1, argv + 1);
}
