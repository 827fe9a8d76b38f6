/* SPDX-License-Identifier: MIT */
/*
 * dnsd/commands.h: what dnsdctl can ask a running server, over the control
 * socket (control.h carries the request line and the response):
 *
 *   edges             the edge table: feed status, a header, one row per
 *                     edge: NAME PROBED OVERRIDE EFFECTIVE LAST-REPORT
 *                     LAST-CHANGE (times ISO-8601 UTC, "-" for never)
 *   drain NAME        no new answers for edge NAME
 *   force-down NAME   treat NAME as down, whatever the probes say
 *   force-up NAME     treat NAME as up, whatever the probes say
 *   auto NAME         follow the probes again (clears the override)
 *   reload            reload the configuration
 *   status            version, uptime, what is loaded, edges and the feed
 *   stats             the query counters ("name value" lines)
 *   explain CLIENT NAME [A|AAAA] [json]
 *                     why CLIENT (ADDRESS[/PREFIX]) gets its edges for the
 *                     geo name NAME, from what is being served
 *   simulate down|drain EDGE, simulate share EDGE FRACTION [json]
 *                     where the clients EDGE answers now would go if it
 *                     were down, drained, or kept FRACTION of them:
 *                     replayed from the sampled clients (whatif.h)
 */
#ifndef DNSD_COMMANDS_H
#define DNSD_COMMANDS_H

struct control_request;
struct evbuffer;

/* The control handler (control_handler_fn) of a struct server `arg`. */
void commands_handle(void *arg, const struct control_request *req,
                     struct evbuffer *out);

#endif
