/* vlan_test.c - 802.1Q membership and the ingress/egress rules: which
 * VLAN a received frame belongs to, and whether an output port wants it
 * tagged, untagged or not at all.  Each test builds four fresh ports and
 * removes every VLAN it made. */
#include "tests/unit/unit.h"
#include "applets/switch/mactable.h"
#include "applets/switch/port.h"
#include "applets/switch/vlan.h"
#include "common/proto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

static struct port *P[5];

static void setup(void)
{
	ports_init(4);
	mac_init(64);
	for (int i = 1; i <= 4; i++)
		P[i] = port_create(i, 1);
}

static void teardown(void)
{
	for (int i = 1; i <= 4; i++) {
		port_setvlan(P[i], 0);
		for (int v = 1; v < VLAN_NONE; v++)
			if (vlan_exists(v))
				vlan_delport(v, P[i]);
	}
	for (int v = 1; v < VLAN_NONE; v++)
		if (vlan_exists(v))
			vlan_remove(v);
	ports_free();
	mac_free();
}

/* A 64-byte frame, tagged with tci when tagged != 0. */
static size_t frame(uint8_t *f, int tagged, uint16_t tci)
{
	uint16_t t;

	memset(f, 0, 64);
	memset(f, 0xff, 6);
	f[6] = 0x02;
	f[11] = 0x01;
	if (!tagged) {
		t = htons(0x0800);
		memcpy(f + 12, &t, 2);
		return 60;
	}
	t = htons(ETH_TYPE_VLAN);
	memcpy(f + 12, &t, 2);
	t = htons(tci);
	memcpy(f + 14, &t, 2);
	t = htons(0x0800);
	memcpy(f + 16, &t, 2);
	return 64;
}

TEST(vlan_create_remove_rules)
{
	setup();
	CHECK(vlan_exists(0));
	CHECK(!vlan_exists(1));
	CHECK(!vlan_exists(-1) && !vlan_exists(VLAN_NONE) && !vlan_exists(5000));
	errno = 0;
	CHECK(vlan_create(0) == -1 && errno == EINVAL); /* exists from the start */
	CHECK(vlan_create(VLAN_NONE) == -1 && errno == EINVAL);
	CHECK(vlan_create(-3) == -1 && errno == EINVAL);
	CHECK(vlan_create(1) == 0 && vlan_exists(1));
	CHECK(vlan_create(1) == -1 && errno == EEXIST);
	CHECK(vlan_create(4094) == 0); /* vde2 refuses 4094 by mistake */
	CHECK(vlan_remove(0) == -1 && errno == EINVAL);
	CHECK(vlan_remove(77) == -1 && errno == ENXIO);
	CHECK(vlan_remove(4094) == 0 && !vlan_exists(4094));
	CHECK(vlan_remove(1) == 0 && !vlan_exists(1));
	teardown();
}

/* vlan_next walks the VLANs that exist, in order (vlan/print). */
TEST(vlan_next_walks_existing_vlans)
{
	static const int want[] = { 0, 1, 63, 64, 65, 127, 128, 4000, 4094 };
	int n = 0;

	setup();
	for (size_t i = 1; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK(vlan_create(want[i]) == 0);
	for (int v = vlan_next(0); v >= 0; v = vlan_next(v + 1)) {
		CHECK(n < (int)(sizeof(want) / sizeof(want[0])) && v == want[n]);
		n++;
	}
	CHECK(n == (int)(sizeof(want) / sizeof(want[0])));
	CHECK(vlan_next(-5) == 0 && vlan_next(2) == 63 && vlan_next(66) == 127);
	CHECK(vlan_next(4094) == 4094 && vlan_next(VLAN_NONE) == -1 && vlan_next(VLAN_COUNT) == -1);
	CHECK(vlan_remove(64) == 0 && vlan_next(64) == 65);
	teardown();
	CHECK(vlan_next(1) == -1); /* only VLAN 0 is left */
}

TEST(vlan_in_use_cannot_be_removed)
{
	setup();
	CHECK(vlan_create(10) == 0);
	CHECK(vlan_create(20) == 0);
	CHECK(vlan_addport(10, P[1]) == 0);
	CHECK(port_setvlan(P[2], 20) == 0);
	CHECK(vlan_remove(10) == -1 && errno == EADDRINUSE);
	CHECK(vlan_remove(20) == -1 && errno == EADDRINUSE);
	CHECK(vlan_delport(10, P[1]) == 0);
	CHECK(vlan_remove(10) == 0);
	CHECK(port_setvlan(P[2], 0) == 0);
	CHECK(vlan_remove(20) == 0);
	teardown();
}

TEST(vlan_addport_delport_errors)
{
	setup();
	CHECK(vlan_addport(30, P[1]) == -1 && errno == ENXIO);
	CHECK(vlan_create(30) == 0);
	CHECK(vlan_addport(30, P[1]) == 0);
	CHECK(vlan_addport(30, P[1]) == -1 && errno == EEXIST);
	CHECK(vlan_delport(30, P[2]) == -1 && errno == ENOENT);
	CHECK(vlan_addport(0, P[3]) == -1 && errno == EEXIST); /* untagged there already */
	CHECK(port_setvlan(P[4], 30) == 0);
	CHECK(vlan_delport(30, P[4]) == -1 && errno == EADDRINUSE); /* its untagged VLAN */
	CHECK(vlan_delport(31, P[1]) == -1 && errno == ENXIO);
	CHECK(port_setvlan(P[1], 99) == -1 && errno == ENXIO);
	teardown();
}

/* A port nobody configured is a transparent trunk: untagged frames are
 * VLAN 0, tagged ones keep their VID even for VLANs never created. */
TEST(vlan_unconfigured_port_is_a_trunk)
{
	uint8_t f[64];
	size_t n;

	setup();
	n = frame(f, 0, 0);
	CHECK(vlan_ingress(P[1], f, n) == 0);
	n = frame(f, 1, 123);
	CHECK(vlan_ingress(P[1], f, n) == 123);
	n = frame(f, 1, 0xa000 | 123); /* priority bits are not the VID */
	CHECK(vlan_ingress(P[1], f, n) == 123);
	n = frame(f, 1, 0); /* priority tag: VLAN 0 */
	CHECK(vlan_ingress(P[1], f, n) == 0);
	n = frame(f, 1, VLAN_NONE); /* reserved VID */
	CHECK(vlan_ingress(P[1], f, n) == -1);
	CHECK(vlan_egress(P[1], 0) == 0);   /* untagged */
	CHECK(vlan_egress(P[1], 123) == 1); /* tagged */
	teardown();
}

/* Once a VLAN exists, a port nobody configured is no trunk any more: it
 * can neither inject into VLAN 10 nor hear it (no VLAN hopping).
 * Removing the last VLAN makes it a trunk again. */
TEST(vlan_unconfigured_port_strict_once_vlans_exist)
{
	uint8_t f[64];
	size_t n;

	setup();
	CHECK(vlan_create(10) == 0);
	CHECK(port_setvlan(P[1], 10) == 0);
	n = frame(f, 1, 10);
	CHECK(vlan_ingress(P[2], f, n) == -1); /* P[2]: nobody configured it */
	CHECK(vlan_egress(P[2], 10) == -1);
	n = frame(f, 1, 123);
	CHECK(vlan_ingress(P[2], f, n) == -1); /* undefined VLAN */
	n = frame(f, 0, 0);
	CHECK(vlan_ingress(P[2], f, n) == 0);  /* its own untagged VLAN 0 */
	CHECK(vlan_egress(P[2], 0) == 0);
	CHECK(port_setvlan(P[1], 0) == 0);
	CHECK(vlan_remove(10) == 0);
	n = frame(f, 1, 10);
	CHECK(vlan_ingress(P[2], f, n) == 10); /* no VLAN left: a trunk again */
	teardown();
}

TEST(vlan_configured_port_is_strict)
{
	uint8_t f[64];
	size_t n;

	setup();
	CHECK(vlan_create(10) == 0);
	CHECK(vlan_create(20) == 0);
	CHECK(port_setvlan(P[1], 10) == 0); /* access port in VLAN 10 */
	CHECK(vlan_addport(20, P[2]) == 0); /* trunk for 20, untagged 0 */

	n = frame(f, 0, 0);
	CHECK(vlan_ingress(P[1], f, n) == 10);
	CHECK(vlan_ingress(P[2], f, n) == 0);
	n = frame(f, 1, 20);
	CHECK(vlan_ingress(P[1], f, n) == -1); /* not a member of 20 */
	CHECK(vlan_ingress(P[2], f, n) == 20);
	n = frame(f, 1, 10);
	CHECK(vlan_ingress(P[1], f, n) == 10); /* tagged with its own VLAN */
	CHECK(vlan_ingress(P[2], f, n) == -1);
	CHECK(vlan_create(30) == 0);
	CHECK(vlan_remove(30) == 0);
	n = frame(f, 1, 30);
	CHECK(vlan_ingress(P[2], f, n) == -1); /* undefined VLAN */

	CHECK(vlan_egress(P[1], 10) == 0);
	CHECK(vlan_egress(P[1], 0) == -1);
	CHECK(vlan_egress(P[1], 20) == -1);
	CHECK(vlan_egress(P[2], 20) == 1);
	CHECK(vlan_egress(P[2], 0) == 0);
	CHECK(vlan_egress(P[2], 10) == -1);
	teardown();
}

TEST(vlan_none_accepts_no_untagged)
{
	uint8_t f[64];
	size_t n;

	setup();
	CHECK(vlan_create(5) == 0);
	CHECK(vlan_addport(5, P[3]) == 0);
	CHECK(port_setvlan(P[3], VLAN_NONE) == 0);
	n = frame(f, 0, 0);
	CHECK(vlan_ingress(P[3], f, n) == -1);
	n = frame(f, 1, 5);
	CHECK(vlan_ingress(P[3], f, n) == 5);
	CHECK(vlan_egress(P[3], 0) == -1);
	CHECK(vlan_egress(P[3], 5) == 1);
	teardown();
}

/* port/setvlan onto a VLAN the port trunks: untagged there instead. */
TEST(vlan_setvlan_replaces_tagged_membership)
{
	setup();
	CHECK(vlan_create(40) == 0);
	CHECK(vlan_addport(40, P[1]) == 0);
	CHECK(vlan_egress(P[1], 40) == 1);
	CHECK(port_setvlan(P[1], 40) == 0);
	CHECK(vlan_egress(P[1], 40) == 0);
	CHECK(vlan_egress(P[1], 0) == -1);
	CHECK(vlan_delport(40, P[1]) == -1 && errno == EADDRINUSE);
	teardown();
}

/* Membership changes forget what the port learnt. */
TEST(vlan_changes_flush_port_macs)
{
	static const uint8_t m[6] = { 0x02, 1, 2, 3, 4, 5 };

	setup();
	CHECK(vlan_create(50) == 0);
	CHECK(vlan_addport(50, P[2]) == 0);
	mac_learn(m, 50, 2, 0);
	mac_learn(m, 0, 3, 0);
	CHECK(vlan_delport(50, P[2]) == 0);
	CHECK(mac_lookup(m, 50) == -1);
	CHECK(mac_lookup(m, 0) == 3);
	CHECK(port_setvlan(P[3], 50) == 0);
	CHECK(mac_lookup(m, 0) == -1);
	teardown();
}

/* A frame that says "tagged" but is too short to hold the tag. */
TEST(vlan_truncated_tag_dropped)
{
	uint8_t f[64];

	setup();
	frame(f, 1, 7);
	CHECK(vlan_ingress(P[1], f, 14) == -1);
	CHECK(vlan_ingress(P[1], f, 17) == -1);
	CHECK(vlan_ingress(P[1], f, 18) == 7);
	teardown();
}
