#include "onnxio_helpers.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    ProtobufCBuffer base;   /* must stay first: protobuf-c calls append with &base */
    int fd;
    int failed;
    int saved_errno;
    size_t used;
    int64_t total;
    /* Bytes fields whose data lie in [hole_lo, hole_hi) are holes: skipped, not written. */
    uintptr_t hole_lo, hole_hi;
    int64_t *hole_keys, *hole_offsets;
    size_t hole_capacity, hole_count;
    uint8_t chunk[1 << 20];
} FdBuffer;

static int write_all(int fd, const uint8_t *data, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static void fail(FdBuffer *b) {
    b->failed = 1;
    b->saved_errno = errno;
}

/* Skips a hole: flushes the chunk, records where the hole starts and moves the file
 * position past it (the file stays sparse there until the payload is written). */
static void skip_hole(FdBuffer *b, size_t len, const uint8_t *data) {
    if (b->used > 0 && write_all(b->fd, b->chunk, b->used) != 0) { fail(b); return; }
    b->used = 0;
    if (b->hole_count < b->hole_capacity) {
        b->hole_keys[b->hole_count] = (int64_t)((uintptr_t)data - b->hole_lo);
        b->hole_offsets[b->hole_count] = b->total;
    }
    b->hole_count++;
    b->total += (int64_t)len;
    if (lseek(b->fd, (off_t)len, SEEK_CUR) < 0) fail(b);
}

static void fd_append(ProtobufCBuffer *buffer, size_t len, const uint8_t *data) {
    FdBuffer *b = (FdBuffer *)buffer;
    if (b->failed) return;
    if (len > 0 && (uintptr_t)data >= b->hole_lo && (uintptr_t)data < b->hole_hi) {
        skip_hole(b, len, data);
        return;
    }
    b->total += (int64_t)len;
    if (b->used + len > sizeof b->chunk) {
        if (write_all(b->fd, b->chunk, b->used) != 0) { fail(b); return; }
        b->used = 0;
    }
    if (len >= sizeof b->chunk) {
        if (write_all(b->fd, data, len) != 0) fail(b);
        return;
    }
    memcpy(b->chunk + b->used, data, len);
    b->used += len;
}

int64_t onnxio_pack_with_holes(const ProtobufCMessage *message, int fd, const void *hole_base, size_t hole_span,
                               int64_t *hole_keys, int64_t *hole_offsets, size_t hole_capacity, size_t *hole_count) {
    FdBuffer *b = malloc(sizeof *b);
    if (!b) { errno = ENOMEM; return -1; }
    b->base.append = fd_append;
    b->fd = fd;
    b->failed = 0;
    b->saved_errno = 0;
    b->used = 0;
    b->total = 0;
    b->hole_lo = (uintptr_t)hole_base;
    b->hole_hi = hole_base ? (uintptr_t)hole_base + hole_span : 0;
    b->hole_keys = hole_keys;
    b->hole_offsets = hole_offsets;
    b->hole_capacity = hole_capacity;
    b->hole_count = 0;
    protobuf_c_message_pack_to_buffer(message, &b->base);
    if (!b->failed && b->used > 0 && write_all(fd, b->chunk, b->used) != 0) fail(b);
    /* A hole at the end: give the file its full length. */
    if (!b->failed && b->hole_count > 0 && ftruncate(fd, (off_t)b->total) != 0) fail(b);
    *hole_count = b->hole_count;
    int64_t result = b->failed ? -1 : b->total;
    int err = b->saved_errno;
    free(b);
    if (result < 0) errno = err;
    return result;
}

void onnxio_free(void *pointer) { free(pointer); }
