/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unaligned big-endian field access for the parse/emit code in lib/wire/
 * only (internal: nothing outside wire/ reads a big-endian field). Every
 * access goes through memcpy, so a packet pointer is never cast to a wider
 * type and any alignment is fine; compilers turn each into one load/store
 * plus a byte swap.
 */
#ifndef TERN_WIRE_IO_H
#define TERN_WIRE_IO_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

/** Host-order value of the big-endian 16-bit field at `p`. */
static inline uint16_t
wire_rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_16(v);
}

/** Host-order value of the big-endian 32-bit field at `p`. */
static inline uint32_t
wire_rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_32(v);
}

/** Store host-order `host` big-endian at `p`. */
static inline void
wire_wr16(uint8_t *p, uint16_t host)
{
	uint16_t v = rte_cpu_to_be_16(host);

	memcpy(p, &v, sizeof(v));
}

/** Store host-order `host` big-endian at `p`. */
static inline void
wire_wr32(uint8_t *p, uint32_t host)
{
	uint32_t v = rte_cpu_to_be_32(host);

	memcpy(p, &v, sizeof(v));
}

/** The 16 bits at `p` as they lie in memory (checksum fields). */
static inline uint16_t
wire_rd16_raw(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/** Store `raw` at `p` exactly as it lies in memory (checksum fields). */
static inline void
wire_wr16_raw(uint8_t *p, uint16_t raw)
{
	memcpy(p, &raw, sizeof(raw));
}

#endif
