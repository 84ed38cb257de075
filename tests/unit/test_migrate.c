/* tests/unit/test_migrate.c - Check suite for migrate-auth/ */
#include "config.h"

#include <check.h>

#include "tests/unit/ck_run.h"

int
main(void)
{
	return 0;
}
