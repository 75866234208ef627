#include <malloc.h>

/* Keep freed heap memory for reuse (glibc): blocks below 32 MB always from the heap (the
   largest fixed mmap threshold glibc accepts), and no trimming of the heap's top. */
static inline void cheap_keep_freed_memory(void) {
#ifdef M_MMAP_THRESHOLD
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 0x7fffffff);
#endif
}
