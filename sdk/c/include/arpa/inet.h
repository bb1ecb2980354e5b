/* webcontainer C SDK: wasi-libc's <arpa/inet.h> plus inet_addr/inet_ntoa, which it leaves out. */
#include_next <arpa/inet.h>
#if defined(__wasi__) && !defined(WEBCONTAINER_ARPA_INET_H)
#define WEBCONTAINER_ARPA_INET_H
#include <webcontainer/socket.h>
#ifdef __cplusplus
extern "C" {
#endif
in_addr_t inet_addr(const char *cp);
char *inet_ntoa(struct in_addr in);
#ifdef __cplusplus
}
#endif
#endif
