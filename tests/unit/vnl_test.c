/* vnl_test.c - VNL parsing (common/vnl.c): schemes, addresses, bracket
 * and slash options, quoting, bounds, and default resolution. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/vnl.h"

static struct vnl v;
static char err[VNL_ERR_MAX];

static int parse(const char *s, unsigned flags)
{
	err[0] = 0;
	return vnl_parse(s, flags, &v, err, sizeof(err));
}

TEST(vnl_plain_path_is_vde)
{
	CHECK(parse("/tmp/sw", 0) == 0);
	CHECK(strcmp(v.scheme, "vde") == 0);
	CHECK(v.implicit);
	CHECK(strcmp(v.addr, "/tmp/sw") == 0);
	CHECK(v.nopt == 0);
	CHECK(parse("", 0) == 0 && strcmp(v.scheme, "vde") == 0 && *v.addr == 0);
}

TEST(vnl_scheme_and_empty_address)
{
	CHECK(parse("vde://", 0) == 0);
	CHECK(strcmp(v.scheme, "vde") == 0 && !v.implicit && *v.addr == 0);
	CHECK(parse("tap://tap0", 0) == 0 && strcmp(v.addr, "tap0") == 0);
	CHECK(parse("://x", 0) < 0 && *err);
	CHECK(parse("1x://y", 0) < 0);
	CHECK(parse("a b://y", 0) < 0);
	CHECK(parse("vxvde-2.0+x://y", 0) == 0 && strcmp(v.scheme, "vxvde-2.0+x") == 0);
}

TEST(vnl_bracket_port_and_options)
{
	CHECK(parse("vde:///tmp/sw[5]", 0) == 0);
	CHECK(strcmp(v.addr, "/tmp/sw") == 0);
	CHECK(v.nopt == 1 && strcmp(v.opt[0].key, "5") == 0 && v.opt[0].val == NULL);
	CHECK(parse("vde:///tmp/sw[port=7/group=users/mode=660]", 0) == 0);
	CHECK(v.nopt == 3);
	CHECK(strcmp(vnl_get(&v, "port"), "7") == 0);
	CHECK(strcmp(vnl_get(&v, "group"), "users") == 0);
	CHECK(strcmp(vnl_get(&v, "mode"), "660") == 0);
	CHECK(vnl_get(&v, "vlan") == NULL);
	CHECK(parse("vde:///tmp/sw[flag]", 0) == 0 && strcmp(vnl_get(&v, "flag"), "") == 0);
	CHECK(parse("vde:///tmp/sw[a=1//b=2/]", 0) == 0 && v.nopt == 2); /* empty elements */
	CHECK(parse("vde:///tmp/sw[]", 0) == 0 && v.nopt == 0);
	CHECK(parse("vde:///tmp/sw[a=x=y]", 0) == 0 && strcmp(vnl_get(&v, "a"), "x=y") == 0);
	CHECK(parse("vde:///tmp/sw[a=1][b=2]", 0) == 0 && v.nopt == 2);
}

TEST(vnl_bracket_errors)
{
	CHECK(parse("vde:///tmp/sw[5", 0) < 0 && strstr(err, "]"));
	CHECK(parse("vde:///tmp/sw[5]x", 0) < 0);
	CHECK(parse("vde:///tmp/sw[=5]", 0) < 0 && strstr(err, "no name"));
	CHECK(parse("vde:///tmp/sw[a[b]", 0) < 0);
}

TEST(vnl_slash_options)
{
	CHECK(parse("vxvde://239.0.0.1/port=1234/vni=5", VNL_SLASH) == 0);
	CHECK(strcmp(v.addr, "239.0.0.1") == 0);
	CHECK(strcmp(vnl_get(&v, "port"), "1234") == 0 && strcmp(vnl_get(&v, "vni"), "5") == 0);
	CHECK(parse("vxvde://239.0.0.1[ttl=2]/vni=5", VNL_SLASH) == 0 && v.nopt == 2);
	/* without VNL_SLASH a '/' is part of the address */
	CHECK(parse("vde:///a/b=c", 0) == 0 && strcmp(v.addr, "/a/b=c") == 0 && v.nopt == 0);
}

TEST(vnl_quoting)
{
	CHECK(parse("vde:///tmp/my\\[dir[5]", 0) == 0 && strcmp(v.addr, "/tmp/my[dir") == 0);
	CHECK(parse("vde://'/tmp/a[b]'[x=\"1/2\"]", 0) == 0);
	CHECK(strcmp(v.addr, "/tmp/a[b]") == 0 && strcmp(vnl_get(&v, "x"), "1/2") == 0);
	CHECK(parse("vde:///tmp/a%5bb", 0) == 0 && strcmp(v.addr, "/tmp/a[b") == 0);
	CHECK(parse("vde:///tmp/100%", 0) == 0 && strcmp(v.addr, "/tmp/100%") == 0);
	CHECK(parse("vde:///tmp/a%00", 0) < 0);
	CHECK(parse("vde:///tmp/'open", 0) < 0 && strstr(err, "quote"));
	CHECK(parse("vde:///tmp/x\\", 0) < 0);
	CHECK(parse("vde:///tmp/sw['a=b']", 0) == 0 && v.opt[0].val == NULL); /* quoted '=' */
}

TEST(vnl_raw)
{
	CHECK(parse("cmd://ssh host 'vde_plug [x]'", VNL_RAW) == 0);
	CHECK(strcmp(v.addr, "ssh host 'vde_plug [x]'") == 0 && v.nopt == 0);
	CHECK(parse("udp://[::1]:5000->[::1]:5001", VNL_RAW) == 0);
	CHECK(strcmp(v.addr, "[::1]:5000->[::1]:5001") == 0);
}

TEST(vnl_bounds)
{
	char big[VNL_MAX + 2];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	CHECK(parse(big, 0) < 0 && strstr(err, "longer"));
	big[VNL_MAX] = 0; /* exactly VNL_MAX bytes: fine */
	CHECK(parse(big, 0) == 0 && strlen(v.addr) == VNL_MAX);
	char many[512] = "vde:///x[";
	for (int i = 0; i <= VNL_OPT_MAX; i++)
		strcat(many, "a/");
	strcat(many, "]");
	CHECK(parse(many, 0) < 0 && strstr(err, "options"));
	char scheme[VNL_SCHEME_MAX + 8] = "";
	memset(scheme, 's', VNL_SCHEME_MAX + 1);
	strcat(scheme, "://x");
	CHECK(parse(scheme, 0) < 0);
}

TEST(vnl_resolve_defaults)
{
	char dir[] = "/tmp/vnl_test.XXXXXX", path[256], out[VNL_MAX + 1], e[VNL_ERR_MAX];
	const char *old = getenv("HOME");
	char *saved = old ? strdup(old) : NULL;
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	setenv("HOME", dir, 1);
	CHECK(vnl_resolve("", out, sizeof(out), e, sizeof(e)) == 0 && strcmp(out, "vde://") == 0);
	snprintf(path, sizeof(path), "%s/.vde2", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/.vde2/default.switch", dir);
	CHECK(symlink("/some/switch", path) == 0); /* a dangling link names a path */
	CHECK(vnl_resolve("", out, sizeof(out), e, sizeof(e)) == 0 && strcmp(out, path) == 0);
	snprintf(path, sizeof(path), "%s/.vdeplug", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/.vdeplug/default", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	fputs("tap://t0\nignored\n", f);
	fclose(f);
	CHECK(vnl_resolve("", out, sizeof(out), e, sizeof(e)) == 0 && strcmp(out, "tap://t0") == 0);
	CHECK(vnl_resolve(path, out, sizeof(out), e, sizeof(e)) == 0 && strcmp(out, "tap://t0") == 0);
	CHECK(vnl_resolve("udp://1->h:2", out, sizeof(out), e, sizeof(e)) == 0 && strcmp(out, "udp://1->h:2") == 0);
	CHECK(vnl_resolve("vde://x", out, 4, e, sizeof(e)) < 0); /* no silent truncation */
	unlink(path);
	snprintf(path, sizeof(path), "%s/.vde2/default.switch", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/.vde2", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/.vdeplug", dir);
	rmdir(path);
	rmdir(dir);
	if (saved)
		setenv("HOME", saved, 1);
	free(saved);
}
