/* main.c - runs every registered unit test. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct unit { const char *name; unit_fn *fn; };
static struct unit units[256];
static int nunits;

void unit_register(const char *name, unit_fn *fn)
{
	if (nunits < (int)(sizeof(units) / sizeof(units[0])))
		units[nunits++] = (struct unit){ name, fn };
	else
		fprintf(stderr, "too many unit tests, %s not run\n", name), exit(1);
}

int main(int argc, char **argv)
{
	int failures = 0;

	for (int i = 0; i < nunits; i++) {
		int failed = 0;
		if (argc > 1 && !strstr(units[i].name, argv[1]))
			continue;
		units[i].fn(&failed);
		printf("%s unit/%s\n", failed ? "FAIL" : "ok", units[i].name);
		failures += failed;
	}
	return failures ? 1 : 0;
}
