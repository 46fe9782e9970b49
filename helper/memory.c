/*
 * memory: give the heap's free memory back.  See memory.h.
 */

#include "config.h"

#include <stdlib.h>	/* defines __GLIBC__ with the C library's */
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "memory.h"

void
memory_return(void)
{
#ifdef __GLIBC__
	/* Not only the top of the heap: glibc (2.8 and later) also
	 * releases every free whole page inside it. */
	(void)malloc_trim(0);
#endif
}
