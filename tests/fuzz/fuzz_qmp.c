/* tests/fuzz/fuzz_qmp.c - libFuzzer target: the QMP line reader (each line
 * alone, then the whole input through a client as if QEMU sent it), the
 * CPU-definitions walker and the VM definition parser */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "migrate-auth/qmp.h"
#include "migrate-auth/vmdef.h"
#include "migrate-auth/vmrt.h"

/* Every line on its own through the pure decoder. */
static void
each_line(const uint8_t *data, size_t size)
{
	struct mdc_qmp_msg m;
	char missing[512];
	size_t start = 0, i;

	for (i = 0; i <= size; i++) {
		if (i < size && data[i] != '\n')
			continue;
		if (mdc_qmp_parse((const char *)data + start, i - start, &m) ==
		    0) {
			if (m.kind == MDC_QMP_RETURN)
				(void)mdc_vm_cpu_missing_from(m.json, "qemu64",
				                              missing,
				                              sizeof(missing));
			mdc_qmp_msg_clear(&m);
		}
		start = i + 1;
	}
}

/* The whole input as QEMU's side of a connection. */
static void
as_client(const uint8_t *data, size_t size)
{
	struct mdc_err e = {""};
	struct mdc_qmp *q = NULL;
	char name[128];
	json_t *d = NULL;
	int sv[2];

	if (size > 65536 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return;
	if (write(sv[1], data, size) != (ssize_t)size) {
		close(sv[0]);
		close(sv[1]);
		return;
	}
	shutdown(sv[1], SHUT_WR);
	if (mdc_qmp_attach(sv[0], 1000, &q, &e) == 0) {
		(void)mdc_qmp_wait_event(q, "BLOCK_JOB_READY", "device",
		                         "mirror0", 1000, &d, &e);
		json_decref(d);
		while (mdc_qmp_pump(q, 0, &e) == 0)
			;
		while (mdc_qmp_next_event(q, name, sizeof(name), &d) == 0)
			json_decref(d);
		mdc_qmp_close(q);
	}
	close(sv[1]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mdc_vm_def *def = malloc(sizeof(*def));
	char *text = NULL;

	each_line(data, size);
	as_client(data, size);
	if (def != NULL &&
	    mdc_vm_def_from_json((const char *)data, size, def, NULL) == 0) {
		if (mdc_vm_def_to_json(def, &text) != 0)
			abort(); /* a parsed definition must encode again */
		free(text);
	}
	free(def);
	return 0;
}
