/* dc/acctname.c - validity of account names and SPNs given to the admin CLI */
#include "config.h"

#include <string.h>

#include "dc/acctname.h"

#define SAM_MAX 20

int
mdc_sam_valid(const char *name, int computer)
{
	size_t n = name != NULL ? strlen(name) : 0, i;
	int other = 0;

	if (n == 0 || n > SAM_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c == 0x7f || strchr("\"/\\[]:;|=,+*?<>@", c))
			return 0;
		if (c != '.' && c != ' ')
			other = 1;
	}
	if (!other || name[0] == ' ' || name[n - 1] == ' ')
		return 0;
	return computer ? (n >= 2 && name[n - 1] == '$') : 1;
}

int
mdc_spn_valid(const char *spn)
{
	const char *slash = spn != NULL ? strchr(spn, '/') : NULL;
	size_t i;

	if (slash == NULL || slash == spn || slash[1] == '\0' ||
	    strlen(spn) > 1024)
		return 0;
	for (i = 0; spn[i] != '\0'; i++)
		if ((unsigned char)spn[i] <= 0x20 || spn[i] == 0x7f ||
		    spn[i] == '@')
			return 0;
	return 1;
}
