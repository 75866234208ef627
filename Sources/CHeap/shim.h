#include <malloc.h>

/* Keep freed heap memory mapped for reuse: no mmap-served blocks, no trimming (glibc). */
static inline void cheap_keep_freed_memory(void) {
#ifdef M_MMAP_MAX
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, 0x7fffffff);
#endif
}
