/* Only in the self-contained binaries of the packages: the Node prebuilt
 * (REALM_NODE_SELF_CONTAINED) and the manylinux wheel (REALM_PYTHON_SELF_CONTAINED).
 *
 * Debian's libwebsockets.a is compiled as PIE, not PIC: its objects reach
 * glibc's stdin/stdout/stderr with direct PC-relative relocations, which the
 * linker accepts in an executable (copy relocations) but not in a shared
 * object. Those three are the only data symbols it takes from outside the
 * archive (checked: readelf -r on its objects), so they are defined here,
 * hidden, and filled at load time with the values of the real ones; every
 * other reference in the archive is to code or to its own data and links as
 * is. A new libwebsockets that needs more fails to link, it cannot go wrong
 * silently. */
#include <dlfcn.h>

struct _IO_FILE;
__attribute__((visibility("hidden"))) struct _IO_FILE *stdin;
__attribute__((visibility("hidden"))) struct _IO_FILE *stdout;
__attribute__((visibility("hidden"))) struct _IO_FILE *stderr;

static struct _IO_FILE *realm_glibc_stream(const char *name) {
    void *p = dlsym(RTLD_DEFAULT, name); /* hidden symbols are not in the dynamic table: this is glibc's */
    return p ? *(struct _IO_FILE **)p : 0;
}

__attribute__((constructor(101))) static void realm_stdio_shim_init(void) {
    stdin = realm_glibc_stream("stdin");
    stdout = realm_glibc_stream("stdout");
    stderr = realm_glibc_stream("stderr");
}
