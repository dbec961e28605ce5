/* fakeapi.c — placeholder: the API test double lands with issue 3. */
#include <stdio.h>

int
main(void)
{
	fprintf(stderr, "fakeapi: not built yet\n");
	return 1;
}
