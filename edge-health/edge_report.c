/* SPDX-License-Identifier: MIT */
/* edge-health/edge_report.c: an edge's report about itself (jansson). */
#include "edge-health/edge_report.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "common/hmsg.h"

/* Add a key left out to `why`, "; " between two. */
static void
left_out(char *why, size_t whylen, const char *what)
{
	size_t n = strlen(why);

	/* Truncation is fine: the text is for people. */
	if (n + 1 < whylen)
		snprintf(why + n, whylen - n, "%s%s", n > 0 ? "; " : "", what);
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int
edge_report_parse(const char *body, size_t len, struct edge_report *out,
                  char *why, size_t whylen)
{
	json_error_t err;
	json_t *root, *v;
	size_t skip = 0;

	memset(out, 0, sizeof(*out));
	why[0] = '\0';
	/* JSON's white space, as jansson skips it. */
	while (skip < len && is_space(body[skip]))
		skip++;
	if (skip == len || body[skip] != '{')
		return -1; /* a plain body: no report, nothing to say */
	root =
	    json_loadb(body + skip, len - skip, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL) {
		snprintf(why, whylen, "not JSON: %s (at byte %zu)", err.text,
		         skip + (size_t)(err.position > 0 ? err.position : 0));
		return -1;
	}
	if (!json_is_object(root)) { /* "{" starts nothing else; be sure */
		json_decref(root);
		snprintf(why, whylen, "not a JSON object");
		return -1;
	}

	if ((v = json_object_get(root, "load")) != NULL) {
		double load = json_is_number(v) ? json_number_value(v) : -1;
		if (load >= 0 && load <= HMSG_LOAD_MAX) {
			/* What dnsd will get: metrics show the same. */
			out->load = hmsg_load_round(load);
			out->has |= HMSG_HAS_LOAD;
		} else {
			left_out(why, whylen, "load: not a number in 0..1000");
		}
	}
	if ((v = json_object_get(root, "weight")) != NULL) {
		json_int_t w = json_is_integer(v) ? json_integer_value(v) : -1;
		if (w >= 0 && w <= UINT8_MAX) {
			out->weight = (uint8_t)w;
			out->has |= HMSG_HAS_WEIGHT;
		} else {
			left_out(why, whylen,
			         "weight: not an integer in 0..255");
		}
	}
	if ((v = json_object_get(root, "drain")) != NULL) {
		if (json_is_boolean(v)) {
			out->drain = json_is_true(v);
			out->has |= HMSG_HAS_DRAIN;
		} else {
			left_out(why, whylen, "drain: not true or false");
		}
	}
	json_decref(root);
	return 0;
}
