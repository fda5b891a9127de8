/*
 * Bump allocator for per-request state.  Everything a request allocates
 * here is released at once by arena_reset() when the FastCGI loop moves to
 * the next request, so handlers never free individual strings.  It is not a
 * general-purpose allocator: nothing is ever freed singly.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "xalloc.h"

#define CHUNK_MIN 8192

struct chunk {
	struct chunk	*next;
	size_t		 size;
	size_t		 used;
	max_align_t	 data[];
};

struct arena {
	struct chunk	*head;
};

/* Returns a new, empty arena; the caller frees it with arena_free(). */
struct arena *
arena_new(void)
{
	struct arena *a = xmalloc(sizeof(*a));

	a->head = NULL;
	return a;
}

/* Releases every chunk except the first, which is kept for reuse. */
void
arena_reset(struct arena *a)
{
	struct chunk *c, *next;

	if (a == NULL || a->head == NULL)
		return;
	for (c = a->head->next; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head->next = NULL;
	a->head->used = 0;
}

/* Frees the arena and everything allocated from it; accepts NULL. */
void
arena_free(struct arena *a)
{
	struct chunk *c, *next;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

/*
 * Returns n bytes aligned for any type, valid until the next reset.  Never
 * returns NULL.  Big requests get a chunk of their own placed behind the
 * current one, so the current chunk's free space is not wasted.
 */
void *
arena_alloc(struct arena *a, size_t n)
{
	struct chunk *c = a->head;
	size_t align = sizeof(max_align_t), size;

	n = (n + align - 1) / align * align;
	if (n == 0)
		n = align;
	if (c != NULL && c->size - c->used >= n) {
		void *p = (char *)c->data + c->used;
		c->used += n;
		return p;
	}
	size = n > CHUNK_MIN ? n : CHUNK_MIN;
	c = xmalloc(sizeof(*c) + size);
	c->size = size;
	c->used = n;
	if (a->head != NULL && size == n) {
		c->next = a->head->next;
		a->head->next = c;
	} else {
		c->next = a->head;
		a->head = c;
	}
	return c->data;
}

/* Copies n bytes of s into the arena and NUL-terminates the copy. */
char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Copies the NUL-terminated s into the arena. */
char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}
