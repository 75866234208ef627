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

static void fd_append(ProtobufCBuffer *buffer, size_t len, const uint8_t *data) {
    FdBuffer *b = (FdBuffer *)buffer;
    if (b->failed) return;
    b->total += (int64_t)len;
    if (b->used + len > sizeof b->chunk) {
        if (write_all(b->fd, b->chunk, b->used) != 0) { b->failed = 1; b->saved_errno = errno; return; }
        b->used = 0;
    }
    if (len >= sizeof b->chunk) {
        if (write_all(b->fd, data, len) != 0) { b->failed = 1; b->saved_errno = errno; }
        return;
    }
    memcpy(b->chunk + b->used, data, len);
    b->used += len;
}

int64_t onnxio_pack_to_fd(const ProtobufCMessage *message, int fd) {
    FdBuffer *b = malloc(sizeof *b);
    if (!b) { errno = ENOMEM; return -1; }
    b->base.append = fd_append;
    b->fd = fd;
    b->failed = 0;
    b->saved_errno = 0;
    b->used = 0;
    b->total = 0;
    protobuf_c_message_pack_to_buffer(message, &b->base);
    if (!b->failed && b->used > 0 && write_all(fd, b->chunk, b->used) != 0) {
        b->failed = 1;
        b->saved_errno = errno;
    }
    int64_t result = b->failed ? -1 : b->total;
    int err = b->saved_errno;
    free(b);
    if (result < 0) errno = err;
    return result;
}

void onnxio_free(void *pointer) { free(pointer); }
