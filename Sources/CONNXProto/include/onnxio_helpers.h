/* Small C helpers for the ONNXIO module: streaming a packed message to a file
 * descriptor without holding the whole serialization in memory. */
#ifndef ONNXIO_HELPERS_H
#define ONNXIO_HELPERS_H
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

/* Packs `message` and writes it to `fd` through a 1 MiB buffer. Returns the number of
 * bytes of the message, or -1 with errno set on a write error.
 * Bytes fields whose data pointer lies in [hole_base, hole_base + hole_span) (none when
 * hole_base is NULL) are not written: the file position skips over them
 * (a sparse hole, filled later with pwrite), and the file is extended to its full length.
 * For the i-th hole in packing order (i < hole_capacity), hole_keys[i] = data - hole_base
 * and hole_offsets[i] = its byte offset in the file; *hole_count = the number of holes.
 * The hole pointers are never read. */
int64_t onnxio_pack_with_holes(const ProtobufCMessage *message, int fd, const void *hole_base, size_t hole_span,
                               int64_t *hole_keys, int64_t *hole_offsets, size_t hole_capacity, size_t *hole_count);

/* The system allocator protobuf-c uses by default, spelled out so that Swift can
 * free, with `free`, a buffer taken out of an unpacked message. */
void onnxio_free(void *pointer);
#endif
