/* SPDX-License-Identifier: MIT */
/* dnsd/chaos.c: class CHAOS: version.bind, id.server and their aliases. */
/* HOT PATH: see STYLE.md B5 */
#include "dnsd/chaos.h"

#include <string.h>

#include "dnsd/response.h"
#include "dnsd/snapshot.h"

static bool
name_is(const struct wname *n, const char *wire, size_t len)
{
	return n->len == len && memcmp(n->key, wire, len) == 0;
}

#define CH_NAME(s) (s), sizeof(s)

void
chaos_answer(struct response *r, const struct snapshot *snap,
             const struct query *q)
{
	const uint8_t *txt = NULL;
	unsigned len = 0;

	if (name_is(&q->qname, CH_NAME("\7version\4bind")) ||
	    name_is(&q->qname, CH_NAME("\7version\6server"))) {
		txt = snap->ver_txt;
		len = snap->ver_txt_len;
	} else if (name_is(&q->qname, CH_NAME("\2id\6server")) ||
	           name_is(&q->qname, CH_NAME("\10hostname\4bind"))) {
		txt = snap->id_txt;
		len = snap->id_txt_len;
	}
	if (len == 0) {
		r->rcode = RC_REFUSED;
		return;
	}
	r->aa = true;
	if (q->qtype != T_TXT && q->qtype != T_ANY)
		return; /* the name exists, with no data of this type */
	struct wbuf *w = &r->w;
	wbuf_put_name(w, q->qname.raw, q->qname.len, true);
	wbuf_put_u16(w, T_TXT);
	wbuf_put_u16(w, C_CH);
	wbuf_put_u32(w, 0);
	wbuf_put_u16(w, (uint16_t)len);
	wbuf_put(w, txt, len);
	if (w->full)
		r->tc = true;
	else
		r->an++;
}
