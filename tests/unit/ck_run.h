/* tests/unit/ck_run.h - run a Check suite and turn the result into an exit
 * status */
#ifndef MDC_CK_RUN_H
#define MDC_CK_RUN_H

#include <check.h>

/* Run every test of s (takes ownership); 0 if all passed, else 1. */
static inline int
mdc_ck_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

#endif
