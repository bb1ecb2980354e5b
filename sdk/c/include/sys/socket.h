/* webcontainer C SDK: wasi-libc's <sys/socket.h> plus the calls it leaves out. */
#include_next <sys/socket.h>
#ifdef __wasi__
#include <webcontainer/socket.h>
#endif
