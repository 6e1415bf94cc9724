/* unit.h - a tiny unit-test harness.  TEST(name) { ... CHECK(cond); }
 * registers itself; main.c runs them all and prints "ok NAME" or
 * "FAIL NAME: file:line: cond" per test. */
#ifndef VDE_UNIT_H
#define VDE_UNIT_H

#include <stdio.h>

typedef void unit_fn(int *failed);
void unit_register(const char *name, unit_fn *fn);

#define TEST(name)                                                          \
	static void test_##name(int *unit_failed);                          \
	__attribute__((constructor)) static void reg_##name(void)           \
	{                                                                   \
		unit_register(#name, test_##name);                          \
	}                                                                   \
	static void test_##name(int *unit_failed)

#define CHECK(cond)                                                         \
	do {                                                                \
		if (!(cond)) {                                              \
			printf("  %s:%d: CHECK(%s) failed\n", __FILE__,     \
			       __LINE__, #cond);                            \
			*unit_failed = 1;                                   \
			return;                                             \
		}                                                           \
	} while (0)

#endif
