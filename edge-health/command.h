/* SPDX-License-Identifier: MIT */
/*
 * edge-health/command.h: run a command without a shell and without
 * blocking the event loop; report its end once.
 */
#ifndef EDGE_HEALTH_COMMAND_H
#define EDGE_HEALTH_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct command;
struct event_base;

/*
 * The command ended: `ok` if it exited with status 0.  `what` says how, on
 * one line for a log: its output ("BIRD 2.0.12 ready. | Reconfigured", or
 * "no output"), after why it failed if it did ("exit status 1: ...",
 * "killed by signal 15: ...", "no exit after 10000 ms, killed: ...").
 * Valid during the call, even after command_free.  The command is over:
 * command_free it, from here or later.
 */
typedef void command_done_fn(void *arg, bool ok, const char *what);

/*
 * Start argv[0] (looked up in PATH) with `argv` (borrowed), no shell, on
 * `base`: stdin from /dev/null, stdout and stderr read from the loop (the
 * first 1 KiB kept for `what`), none of our other descriptors, SIGPIPE at
 * its default and no signal blocked.  Still running after `max_ms`, it is
 * killed (SIGKILL).  `done` is called once, from the loop, when it has been
 * reaped; never within this call.  Returns new, or NULL with why in `why`
 * ("cannot run it: No such file or directory"): then nothing runs, and
 * `done` is never called.
 */
struct command *command_run(struct event_base *base, char *const *argv,
                            unsigned max_ms, command_done_fn *done, void *arg,
                            char *why, size_t whylen);

/* Its process id, for logs. */
pid_t command_pid(const struct command *c);

/*
 * Free; `done` is not called after this.  A command still running is left
 * to finish on its own, not killed: it may be half way through something.
 * NULL is a no-op.
 */
void command_free(struct command *c);

#endif
