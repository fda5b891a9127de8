/*
 * Unit tests for lib/db/jalloc.c: once installed, the blocks jansson
 * frees are kept and given back to its next values (the same addresses),
 * never more than the cap in all; text jansson allocated (json_dumps)
 * may be freed by free(); a value malloc() made before the install is
 * freed into the lists;
 * values built from kept blocks are whole; and another thread's frees go
 * straight back to malloc.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jalloc.h"
#include "tap.h"

/* A thread that builds and frees values: keeps nothing. */
static void *
other_thread(void *arg)
{
	size_t *kept = arg;
	json_t *o = json_pack("{sssi}", "a", "some text", "b", 1);

	json_decref(o);
	*kept = jalloc_kept();
	return NULL;
}

/* The text of a 200-row answer-like array. */
static char *
rows_text(void)
{
	json_t *arr = json_array(), *o;
	char *t;
	int i;

	for (i = 0; i < 200; i++) {
		o = json_object();
		json_object_set_new(o, "run_id", json_sprintf("run-%d", i));
		json_object_set_new(o, "duration_ms", json_integer(i * 7));
		json_object_set_new(o, "message", json_string(
		    "expected <200 OK> but was <409 CONFLICT>"));
		json_array_append_new(arr, o);
	}
	t = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return t;
}

int
main(void)
{
	json_t *a, *b;
	void *first;
	char *t1, *t2;
	size_t before, kept = 99;
	pthread_t th;
	int i, reused = 0;

	json_t *early = json_string("made before the install, by malloc()");

	tap_ok(jalloc_kept() == 0, "nothing kept before install");
	jalloc_install();
	json_decref(early);
	tap_ok(jalloc_kept() > 0, "a value malloc() made before the install "
	    "is freed into the lists (%zu bytes)", jalloc_kept());
	a = json_string("a string of some forty bytes, or thereabouts");
	first = (void *)json_string_value(a);
	json_decref(a);
	b = json_string("a string of some forty bytes, or thereabouts");
	tap_ok((void *)json_string_value(b) == first,
	    "and the next value of that size gets them back");
	check_str(json_string_value(b),
	    "a string of some forty bytes, or thereabouts");
	json_decref(b);

	t1 = rows_text();
	t2 = rows_text();
	tap_ok(t1 != NULL && t2 != NULL && strcmp(t1, t2) == 0,
	    "an answer built from kept blocks is the same text");
	tap_ok(strstr(t1, "{\"run_id\":\"run-199\",\"duration_ms\":1393,"
	    "\"message\":\"expected <200 OK> but was <409 CONFLICT>\"}]") !=
	    NULL, "whole to its last row");
	free(t1);		/* json_dumps's text, freed by free() */
	free(t2);
	tap_ok(1, "json_dumps's text may be freed by free()");

	/* thousands of blocks freed at once: the lists stop at their cap */
	a = json_array();
	for (i = 0; i < 40000; i++)
		json_array_append_new(a, json_string("x"));
	json_decref(a);
	tap_ok(jalloc_kept() <= 1024 * 1024, "at most 1 MB kept (%zu bytes)",
	    jalloc_kept());
	tap_ok(jalloc_kept() > 1024 * 1024 - 256, "and the lists fill to it");

	/* a block of malloc's, freed the way jansson frees */
	before = jalloc_kept();
	a = json_object();
	for (i = 0; i < 64; i++) {
		char k[16];
		snprintf(k, sizeof(k), "k%d", i);
		json_object_set_new(a, k, json_integer(i));
	}
	for (i = 0; i < 64; i++) {
		char k[16];
		snprintf(k, sizeof(k), "k%d", i);
		if (json_integer_value(json_object_get(a, k)) == i)
			reused++;
	}
	check_int(reused, ==, 64);
	json_decref(a);
	tap_ok(jalloc_kept() <= 1024 * 1024, "still within the cap (%zu, was %zu)",
	    jalloc_kept(), before);
	tap_ok(pthread_create(&th, NULL, other_thread, &kept) == 0 &&
	    pthread_join(th, NULL) == 0, "another thread builds values");
	tap_ok(kept == jalloc_kept(), "and keeps none of its blocks");
	return done_testing();
}
