/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Counters (-s): every lcore's from one /tern/lcores snapshot and their
 * sum; rates (-w SECS): the difference of two snapshots per second, like
 * nstat. Table or JSON (rates: one JSON object per line and interval).
 */
#ifndef TERN_STAT_CTRS_H
#define TERN_STAT_CTRS_H

#include "stat_opts.h"
#include "stat_tel.h"

/* 0, or -1 when the process could not be read. */
int stat_ctrs_show(struct stat_tel *t, const struct stat_opts *o);
int stat_ctrs_rates(struct stat_tel *t, const struct stat_opts *o);

#endif
