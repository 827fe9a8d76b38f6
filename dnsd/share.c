/* SPDX-License-Identifier: MIT */
/* dnsd/share.c: one edge's share and the drivers that move it. */
#include "dnsd/share.h"

/* Less than any steer share but one (steer.h): 1 / 65536 is 1.5e-5. */
#define SHARE_SLIVER 1e-6

const struct share_conf share_conf_default = {
    .ramp_ms = 0,
    .high = 0.85,
    .low = 0.70,
    .step = 0.10,
    .min_share = 0.10,
};

void
share_init(struct share *s)
{
	*s = (struct share){.shed = 1};
}

int
share_shed_round(struct share *s, const struct share_conf *c, bool has_load,
                 double load)
{
	double was = s->shed;

	if (has_load && load > c->high) {
		s->shed -= c->step;
		if (s->shed < c->min_share)
			s->shed = c->min_share;
	} else if (!has_load || load < c->low) {
		s->shed += c->step;
		/* Steps of 0.1 do not sum to exactly 1: snap the last one. */
		if (s->shed > 1 - 1e-9)
			s->shed = 1;
	}
	return s->shed < was ? -1 : s->shed > was ? 1 : 0;
}

void
share_ramp_start(struct share *s, const struct share_conf *c, double from,
                 uint64_t now)
{
	if (c->ramp_ms == 0 || from >= 1) {
		s->ramp_since = 0;
		return;
	}
	s->ramp_since = now > 0 ? now : 1;
	s->ramp_from = from > 0 ? from : 0;
}

void
share_drain_start(struct share *s, double from, uint64_t over, uint64_t now)
{
	s->drain_since = now > 0 ? now : 1;
	s->drain_over = over > 0 ? over : 1;
	s->drain_from = from < 1 ? from : 1;
}

void
share_drain_stop(struct share *s)
{
	s->drain_since = 0;
	s->drain_over = 0;
}

/* How far from `since` towards `since + over` `now` is, in [0, 1]. */
static double
progress(uint64_t since, uint64_t over, uint64_t now)
{
	if (now <= since)
		return 0;
	if (now - since >= over)
		return 1;
	return (double)(now - since) / (double)over;
}

double
share_ramp_at(const struct share *s, const struct share_conf *c, uint64_t now)
{
	if (s->ramp_since == 0 || c->ramp_ms == 0)
		return 1;
	double p = progress(s->ramp_since, c->ramp_ms, now);
	double v = s->ramp_from + (1 - s->ramp_from) * p;
	/* An edge that came back is usable from the first moment, with a
	 * sliver of its clients. */
	return v > SHARE_SLIVER ? v : SHARE_SLIVER;
}

double
share_drain_at(const struct share *s, uint64_t now)
{
	if (s->drain_since == 0)
		return 1;
	return s->drain_from *
	       (1 - progress(s->drain_since, s->drain_over, now));
}

double
share_at(const struct share *s, const struct share_conf *c, bool shed,
         uint64_t now)
{
	double v = shed ? s->shed : 1;
	double r = share_ramp_at(s, c, now), d = share_drain_at(s, now);

	if (r < v)
		v = r;
	return d < v ? d : v;
}

bool
share_moving(const struct share *s, const struct share_conf *c, uint64_t now)
{
	return (s->ramp_since != 0 && c->ramp_ms != 0 &&
	        progress(s->ramp_since, c->ramp_ms, now) < 1) ||
	       (s->drain_since != 0 &&
	        progress(s->drain_since, s->drain_over, now) < 1);
}
