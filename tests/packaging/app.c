/* A C program built against an installed librealm (tests/packaging). It
 * prints the library's version and checks that the header it was compiled
 * with matches the library it runs with. */
#include <realm/realm.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    realm_options_t *opts = realm_options_new();
    if (!opts) return 2;
    /* A client starts the event thread and its libwebsockets context, so the
     * whole library (and its dependencies) is linked; nothing connects. */
    realm_client_t *client = NULL;
    realm_error_t *err = NULL;
    realm_status_t st = realm_options_set_url(opts, "ws://127.0.0.1:1");
    if (st == REALM_OK) st = realm_client_new(opts, &client, &err);
    realm_options_destroy(opts);
#ifdef REALM_STATIC
    printf("realm %s REALM_STATIC\n", realm_version());  /* from pkg-config --static / realm::realm_static */
#else
    printf("realm %s\n", realm_version());
#endif
    if (st != REALM_OK) {
        fprintf(stderr, "realm_client_new: %s\n", err ? realm_error_message(err) : realm_strerror(st));
        realm_error_destroy(err);
        return 3;
    }
    realm_client_destroy(client);
    if (strcmp(realm_version(), REALM_VERSION_STRING) != 0) return 4;
    if (realm_version_num() != REALM_VERSION_NUM) return 5;
    return 0;
}
