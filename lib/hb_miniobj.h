/*
 * hb_miniobj: magic-checked objects for code that does not link Varnish
 * (the helper).  The VMOD uses Varnish's own miniobj.h and vas.h.
 *
 * An object's first member is "unsigned magic", set by ALLOC_OBJ (or
 * INIT_OBJ) to the struct's own X_MAGIC and cleared by FREE_OBJ, so that
 * a pointer of the wrong kind, a freed object or a stray void * is caught
 * where it crosses a module border instead of corrupting memory later.
 * The checks are assert()s: they state invariants of the program, never
 * the outcome of input or of the network (those are errors returned).
 */

#ifndef HB_MINIOBJ_H
#define HB_MINIOBJ_H

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* Invariants: the value is non-zero (AN) or zero (AZ). */
#define AN(x)	assert((x) != 0)
#define AZ(x)	assert((x) == 0)

/* Zero the object and give it its magic. */
#define INIT_OBJ(to, type_magic)					\
	do {								\
		(void)memset((to), 0, sizeof *(to));			\
		(to)->magic = (type_magic);				\
	} while (0)

/* A zeroed object with its magic, or NULL when memory is short. */
#define ALLOC_OBJ(to, type_magic)					\
	do {								\
		(to) = calloc(1, sizeof *(to));				\
		if ((to) != NULL)					\
			(to)->magic = (type_magic);			\
	} while (0)

/* Free a checked object; the cleared magic catches a later use. */
#define FREE_OBJ(to)							\
	do {								\
		(to)->magic = 0;					\
		free(to);						\
		(to) = NULL;						\
	} while (0)

#define CHECK_OBJ(ptr, type_magic)					\
	assert((ptr)->magic == (type_magic))

#define CHECK_OBJ_NOTNULL(ptr, type_magic)				\
	do {								\
		assert((ptr) != NULL);					\
		assert((ptr)->magic == (type_magic));			\
	} while (0)

#define CHECK_OBJ_ORNULL(ptr, type_magic)				\
	do {								\
		if ((ptr) != NULL)					\
			assert((ptr)->magic == (type_magic));		\
	} while (0)

/* The way back from a void * (a callback's argument, CURLOPT_PRIVATE). */
#define CAST_OBJ(to, from, type_magic)					\
	do {								\
		(to) = (from);						\
		if ((to) != NULL)					\
			CHECK_OBJ((to), (type_magic));			\
	} while (0)

#define CAST_OBJ_NOTNULL(to, from, type_magic)				\
	do {								\
		(to) = (from);						\
		CHECK_OBJ_NOTNULL((to), (type_magic));			\
	} while (0)

#endif /* HB_MINIOBJ_H */
