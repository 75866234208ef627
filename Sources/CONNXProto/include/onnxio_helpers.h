/* Small C helpers for the ONNXIO module: streaming a packed message to a file
 * descriptor without holding the whole serialization in memory. */
#ifndef ONNXIO_HELPERS_H
#define ONNXIO_HELPERS_H
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

/* Packs `message` and writes it to `fd` through a 1 MiB buffer.
 * Returns the number of bytes written, or -1 with errno set on a write error. */
int64_t onnxio_pack_to_fd(const ProtobufCMessage *message, int fd);

/* The system allocator protobuf-c uses by default, spelled out so that Swift can
 * free, with `free`, a buffer taken out of an unpacked message. */
void onnxio_free(void *pointer);
#endif
