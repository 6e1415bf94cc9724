/* mgmt_test.c - the management console without sockets: argument
 * parsing, command files (the rc file path runs the same dispatcher as a
 * socket session), hostile lines in them, and a command table added by
 * another part of the switch through mgmt_register(). */
#include "tests/unit/unit.h"
#include "applets/switch/mactable.h"
#include "applets/switch/mgmt.h"
#include "applets/switch/port.h"
#include "applets/switch/vlan.h"
#include "common/loop.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Write text to a fresh temporary file; returns its path (static). */
static const char *rcfile(const char *text, size_t len)
{
	static char path[64];
	int fd;

	strcpy(path, "/tmp/vde-mgmt-test.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		perror("rcfile");
		exit(1);
	}
	close(fd);
	return path;
}

static int run_rc(const char *text, size_t len)
{
	const char *p = rcfile(text, len);
	int rc = mgmt_rcfile(p);
	unlink(p);
	return rc;
}

TEST(mgmt_num_is_strict_decimal)
{
	long v = -7;

	CHECK(mgmt_num("10", 0, 100, &v) == 0 && v == 10);
	CHECK(mgmt_num("010", 0, 100, &v) == 0 && v == 10); /* atoi's reading */
	CHECK(mgmt_num("-1", -5, 5, &v) == 0 && v == -1);
	CHECK(mgmt_num("-1", 0, 5, &v) == EINVAL);
	CHECK(mgmt_num("101", 0, 100, &v) == EINVAL);
	CHECK(mgmt_num("0x10", 0, 100, &v) == EINVAL);
	CHECK(mgmt_num("5x", 0, 100, &v) == EINVAL);
	CHECK(mgmt_num("", 0, 100, &v) == EINVAL);
	CHECK(mgmt_num("-", 0, 100, &v) == EINVAL);
	CHECK(mgmt_num("99999999999999999999999", 0, 100, &v) == EINVAL);
}

TEST(mgmt_words_splits_on_blanks)
{
	char buf[] = "  a\tbb   ccc ", *w[3];

	CHECK(mgmt_words(buf, w, 3) == 3);
	CHECK(!strcmp(w[0], "a") && !strcmp(w[1], "bb") && !strcmp(w[2], "ccc"));
	char two[] = "x y z", *v[2];
	CHECK(mgmt_words(two, v, 2) == -1);
	char none[] = " \t ";
	CHECK(mgmt_words(none, v, 2) == 0);
}

TEST(mgmt_rcfile_configures_the_switch)
{
	static const char rc[] =
		"# comment\n"
		"\n"
		"vlan/create 12\r\n"
		"port/create 3\n"
		"  port/setvlan 3 12\n"
		"vlan/create 4096\n"        /* fails: logged, the rest goes on */
		"vlan/addport 12 4\n"       /* fails: no port 4 */
		"port/create 4\n"
		"vlan/addport 12 4";        /* last line without '\n' */

	ports_init(8);
	mac_init(64);
	CHECK(run_rc(rc, sizeof(rc) - 1) == 0);
	CHECK(vlan_exists(12));
	CHECK(sw.ports[3] && sw.ports[3]->untagged_vlan == 12 && !sw.ports[3]->allocatable);
	CHECK(sw.ports[4] && vlan_egress(sw.ports[4], 12) == 1);
	CHECK(vlan_egress(sw.ports[4], 0) == 0);
	CHECK(mgmt_rcfile("/nonexistent/rc") == -1);
	CHECK(mgmt_rcfile("/dev/null") == -1); /* not a regular file */
	port_setvlan(sw.ports[3], 0);
	vlan_delport(12, sw.ports[4]);
	vlan_remove(12);
	ports_free();
	mac_free();
	loop_done(); /* sessions are freed through the loop's deferred list */
}

TEST(mgmt_rcfile_survives_garbage)
{
	char junk[8000];
	unsigned int seed = 1;

	for (size_t i = 0; i < sizeof(junk); i++) {
		seed = seed * 1103515245 + 12345;
		junk[i] = (char)(seed >> 16);
	}
	/* no shutdown or load hidden in the noise: runs to the end */
	memcpy(junk, "port/print\0\x01\x02\nhelp ", 18);
	ports_init(4);
	mac_init(64);
	CHECK(run_rc(junk, sizeof(junk)) == 0);
	ports_free();
	mac_free();
	loop_done();
}

static int calls;
static char last_arg[32];

static int cmd_probe(struct mgmt_session *s, char *arg)
{
	(void)s;
	calls++;
	snprintf(last_arg, sizeof(last_arg), "%s", arg);
	return strcmp(arg, "fail") ? 0 : EPERM;
}

static const struct mgmt_cmd probe_cmds[] = {
	{ "probe", NULL, "A MENU ADDED BY ANOTHER FILE", NULL, 0 },
	{ "probe/run", "[ARG]", "count a call", cmd_probe, 0 },
	{ 0 }
};

TEST(mgmt_register_adds_commands)
{
	static const char rc[] = "probe/run  one two \nprobe/runner\nprobe/run fail\nprobe\n";

	ports_init(4);
	CHECK(mgmt_register(probe_cmds) == 0);
	CHECK(run_rc(rc, sizeof(rc) - 1) == 0);
	CHECK(calls == 2); /* "probe/runner" and the menu title are not commands */
	CHECK(!strcmp(last_arg, "fail"));
	ports_free();
	loop_done();
}
