/* mactable_test.c - the MAC table: learning, moves, the flapping guard,
 * aging, flushes, growth and the size limit.  Every test starts from an
 * empty table with vde2's default timers and leaves it freed. */
#include "tests/unit/unit.h"
#include "applets/switch/mactable.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t A[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t B[6] = { 0x02, 0, 0, 0, 0, 0x0b };

static void fresh_table(void)
{
	mac_set_timer(MAC_EXPIRE, 100);
	mac_set_timer(MAC_GC, 2);
	mac_set_timer(MAC_MINPERSIST, 0);
	mac_max_entries = 65536;
	mac_init(64);
}

/* The n-th of many distinct station addresses. */
static void nth_mac(uint8_t m[6], unsigned n)
{
	m[0] = 0x02; /* locally administered, unicast */
	m[1] = 0x42;
	m[2] = (uint8_t)(n >> 24);
	m[3] = (uint8_t)(n >> 16);
	m[4] = (uint8_t)(n >> 8);
	m[5] = (uint8_t)n;
}

TEST(mac_learn_and_lookup)
{
	fresh_table();
	CHECK(mac_lookup(A, 0) == -1);
	CHECK(mac_learn(A, 0, 3, 10) == -1); /* new: nothing moved */
	CHECK(mac_lookup(A, 0) == 3);
	CHECK(mac_lookup(B, 0) == -1);
	CHECK(mac_count() == 1);
	CHECK(mac_learn(A, 0, 3, 11) == -1); /* refresh on the same port */
	CHECK(mac_count() == 1);
	mac_free();
}

TEST(mac_lookup_on_empty_or_freed_table)
{
	mac_free();
	CHECK(mac_lookup(A, 0) == -1); /* no table at all: not a crash */
	mac_expire(1000);
	mac_flush_port(1);
	mac_flush_vlan(0);
	CHECK(mac_count() == 0);
}

TEST(mac_vlans_are_separate_tables)
{
	fresh_table();
	CHECK(mac_learn(A, 0, 1, 0) == -1);
	CHECK(mac_learn(A, 10, 2, 0) == -1);
	CHECK(mac_learn(A, 4094, 4, 0) == -1);
	CHECK(mac_lookup(A, 0) == 1);
	CHECK(mac_lookup(A, 10) == 2);
	CHECK(mac_lookup(A, 4094) == 4);
	CHECK(mac_lookup(A, 11) == -1);
	CHECK(mac_count() == 3);
	mac_free();
}

TEST(mac_move_reports_old_port)
{
	fresh_table();
	mac_learn(A, 0, 1, 5);
	CHECK(mac_learn(A, 0, 2, 5) == 1); /* moved from port 1 */
	CHECK(mac_lookup(A, 0) == 2);
	CHECK(mac_count() == 1);
	mac_free();
}

/* hash/setminper: a station seen on port 1 within the last N seconds is
 * not moved by a frame from port 2 (a loop or a duplicate, not a move). */
TEST(mac_min_persistence_guards_flapping)
{
	fresh_table();
	mac_set_timer(MAC_MINPERSIST, 3);
	mac_learn(A, 0, 1, 100);
	CHECK(mac_learn(A, 0, 2, 101) == -1);
	CHECK(mac_lookup(A, 0) == 1);
	CHECK(mac_learn(A, 0, 2, 102) == -1);
	CHECK(mac_lookup(A, 0) == 1);
	CHECK(mac_learn(A, 0, 2, 103) == 1); /* 3 s after the last sighting */
	CHECK(mac_lookup(A, 0) == 2);
	mac_set_timer(MAC_MINPERSIST, 0);
	mac_free();
}

TEST(mac_aging)
{
	fresh_table();
	mac_learn(A, 0, 1, 0);
	mac_learn(B, 0, 2, 50);
	mac_expire(100); /* A idle exactly 100 s: still there */
	CHECK(mac_lookup(A, 0) == 1);
	mac_expire(101);
	CHECK(mac_lookup(A, 0) == -1);
	CHECK(mac_lookup(B, 0) == 2);
	CHECK(mac_count() == 1);
	mac_learn(B, 0, 2, 120); /* traffic keeps an entry alive */
	mac_expire(200);
	CHECK(mac_lookup(B, 0) == 2);
	mac_expire(221);
	CHECK(mac_lookup(B, 0) == -1);
	CHECK(mac_count() == 0);
	mac_free();
}

TEST(mac_aging_honours_setexpire)
{
	fresh_table();
	mac_set_timer(MAC_EXPIRE, 5);
	mac_learn(A, 0, 1, 10);
	mac_expire(15);
	CHECK(mac_lookup(A, 0) == 1);
	mac_expire(16);
	CHECK(mac_lookup(A, 0) == -1);
	mac_set_timer(MAC_EXPIRE, 100);
	mac_free();
}

TEST(mac_flush_port_vlan_all)
{
	fresh_table();
	mac_learn(A, 0, 1, 0);
	mac_learn(B, 0, 2, 0);
	mac_learn(A, 7, 2, 0);
	mac_flush_port(2);
	CHECK(mac_lookup(A, 0) == 1);
	CHECK(mac_lookup(B, 0) == -1);
	CHECK(mac_lookup(A, 7) == -1);
	mac_learn(B, 7, 3, 0);
	mac_flush_vlan(0);
	CHECK(mac_lookup(A, 0) == -1);
	CHECK(mac_lookup(B, 7) == 3);
	mac_flush_all();
	CHECK(mac_lookup(B, 7) == -1);
	CHECK(mac_count() == 0);
	mac_learn(A, 0, 4, 0); /* still usable after a flush */
	CHECK(mac_lookup(A, 0) == 4);
	mac_free();
}

/* The table grows past its initial 64 slots without losing anyone, and
 * a flush in the middle of a probe chain keeps the rest findable. */
TEST(mac_grows_and_keeps_everyone)
{
	enum { N = 5000 };
	uint8_t m[6];

	fresh_table();
	for (unsigned i = 0; i < N; i++) {
		nth_mac(m, i);
		CHECK(mac_learn(m, (int)(i % 3), (int)(i % 31) + 1, 0) == -1);
	}
	CHECK(mac_count() == N);
	for (unsigned i = 0; i < N; i++) {
		nth_mac(m, i);
		CHECK(mac_lookup(m, (int)(i % 3)) == (int)(i % 31) + 1);
		CHECK(mac_lookup(m, (int)(i % 3) + 3) == -1);
	}
	mac_flush_port(1);
	for (unsigned i = 0; i < N; i++) {
		nth_mac(m, i);
		CHECK(mac_lookup(m, (int)(i % 3)) == (i % 31 == 0 ? -1 : (int)(i % 31) + 1));
	}
	mac_free();
}

/* hash/setsize N: at most N stations; the rest are flooded, not learned,
 * and the table keeps working for the ones it has. */
/* A full table evicts the least recently seen entry instead of refusing
 * new stations (a flood must not blind the switch). */
TEST(mac_full_table_evicts_the_least_recently_seen)
{
	uint8_t m[6];

	fresh_table();
	CHECK(mac_set_size(16) == 0);
	for (unsigned i = 0; i < 16; i++) { /* 4 ports, 4 stations each */
		nth_mac(m, i);
		mac_learn(m, 0, 1 + (int)i / 4, 10);
	}
	nth_mac(m, 5);
	mac_learn(m, 0, 2, 0); /* refreshed long ago: 5 is the oldest */
	CHECK(mac_count() == 16);
	nth_mac(m, 16);
	CHECK(mac_learn(m, 0, 6, 20) == -1);
	CHECK(mac_lookup(m, 0) == 6); /* the new station is learned */
	CHECK(mac_count() == 16);
	nth_mac(m, 5);
	CHECK(mac_lookup(m, 0) == -1); /* the oldest made room */
	nth_mac(m, 3);
	CHECK(mac_learn(m, 0, 5, 20) == 1); /* known stations still move */
	CHECK(mac_lookup(m, 0) == 5);
	mac_max_entries = 65536;
	mac_free();
}

/* One port holds at most half the table (hash/setportmax): a flood from
 * it leaves room for everybody else's stations. */
TEST(mac_port_limit_bounds_one_flooder)
{
	uint8_t m[6];
	unsigned on1 = 0;

	fresh_table();
	CHECK(mac_set_size(64) == 0);
	CHECK(mac_port_limit() == 32);
	for (unsigned i = 0; i < 10000; i++) { /* port 1 floods */
		nth_mac(m, 100000 + i);
		mac_learn(m, 0, 1, i / 1000);
	}
	for (unsigned i = 0; i < 10000; i++) {
		nth_mac(m, 100000 + i);
		on1 += mac_lookup(m, 0) == 1;
	}
	CHECK(on1 == 32);
	for (unsigned i = 0; i < 32; i++) { /* port 2's stations all fit */
		nth_mac(m, i);
		mac_learn(m, 0, 2, 20);
	}
	for (unsigned i = 0; i < 32; i++) {
		nth_mac(m, i);
		CHECK(mac_lookup(m, 0) == 2);
	}
	CHECK(mac_set_port_max(4) == 0 && mac_port_limit() == 4);
	nth_mac(m, 999);
	mac_learn(m, 0, 3, 20);
	CHECK(mac_lookup(m, 0) == 3);
	mac_set_port_max(0);
	mac_max_entries = 65536;
	mac_free();
}

/* Two flooding ports fill the table; a live station on a third port that
 * keeps talking stays learned, and a new one is learned at once. */
TEST(mac_flood_does_not_evict_live_stations)
{
	uint8_t live[6], m[6];

	fresh_table();
	CHECK(mac_set_size(64) == 0);
	nth_mac(live, 1);
	for (unsigned i = 0; i < 20000; i++) {
		uint32_t now = 1 + i / 100;
		nth_mac(m, 100000 + i);
		mac_learn(m, 0, 1 + (int)(i & 1), now);
		if (i % 100 == 0)
			mac_learn(live, 0, 3, now); /* the station talks */
		CHECK(mac_lookup(live, 0) == 3);
	}
	nth_mac(m, 2);
	mac_learn(m, 0, 4, 500);
	CHECK(mac_lookup(m, 0) == 4);
	mac_max_entries = 65536;
	mac_free();
}

TEST(mac_set_size_validates_and_flushes)
{
	fresh_table();
	mac_learn(A, 0, 1, 0);
	errno = 0;
	CHECK(mac_set_size(0) == -1 && errno == EINVAL);
	CHECK(mac_set_size((1u << 24) + 1) == -1 && errno == EINVAL);
	CHECK(mac_lookup(A, 0) == 1); /* a refused resize keeps the table */
	CHECK(mac_set_size(1000) == 0);
	CHECK(mac_max_entries == 1000);
	CHECK(mac_lookup(A, 0) == -1);
	mac_max_entries = 65536;
	mac_free();
}

/* hash/print: one line per station, in vde2's layout. */
TEST(mac_print_format)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	fresh_table();
	mac_learn(A, 5, 12, 40);
	f = open_memstream(&buf, &len);
	CHECK(f);
	mac_print(f, 47);
	fclose(f);
	CHECK(strstr(buf, "Addr: 02:00:00:00:00:0a VLAN 0005 to port: 012 age 7 secs\n") != NULL);
	CHECK(strncmp(buf, "Hash: ", 6) == 0);
	CHECK(strchr(buf, '\n') == buf + strlen(buf) - 1); /* one line */
	free(buf);
	mac_free();
}
