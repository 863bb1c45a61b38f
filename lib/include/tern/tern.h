/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern: kernel-bypass TCP/UDP transport on DPDK. Umbrella header.
 */
#ifndef TERN_H
#define TERN_H

#include <tern/config.h>
#include <tern/stack.h>
#include <tern/netif.h>
#include <tern/chan.h>
#include <tern/udp.h>
#include <tern/tcp.h>
#include <tern/stats.h>

#endif
